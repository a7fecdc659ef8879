import hashlib
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

from claims.models import Appearance, Claim, Status
from sources.models import Document, Source
from tests.conftest import seed_claim, source

SEED_TEXT = Path(__file__).resolve().parent.parent / "claims" / "seed" / "ap-2015-05-18-ramadi.txt"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Associated Press", "outlet"),
        ("Muhannad Haimour", "person"),
        ("Sabah Karhout", "person"),
        ("Youssef al-Kilabi", "person"),
        ("Haider al-Abadi", "person"),
        ("John Kerry", "person"),
        ("United Nations", "organization"),
        ("officials", "unnamed"),
        ("local officials", "unnamed"),
        ("Anbar provincial government", "organization"),
        ("Anbar provincial council", "organization"),
        ("Shiite militias", "organization"),
        ("Government of Iraq", "organization"),
        ("US Department of State", "organization"),
    ],
)
def test_every_seed_source_is_present_with_its_kind(seed, name, kind):
    assert source(name).kind == kind


@pytest.mark.parametrize(
    ("person", "role", "organization"),
    [
        ("Muhannad Haimour", "spokesman", "Anbar provincial government"),
        ("Sabah Karhout", "head of the provincial council", "Anbar provincial council"),
        ("Youssef al-Kilabi", "spokesman", "Shiite militias"),
        ("Haider al-Abadi", "Prime Minister", "Government of Iraq"),
        ("John Kerry", "Secretary of State", "US Department of State"),
    ],
)
def test_seed_speakers_hold_their_roles_on_the_day_of_the_report(seed, person, role, organization):
    affiliation = source(person).role_on(date(2015, 5, 18))
    assert (affiliation.role, affiliation.organization.name) == (role, organization)


def test_kerry_was_not_secretary_of_state_after_his_term(seed):
    assert source("John Kerry").role_on(date(2018, 1, 1)) is None


def test_anbar_government_and_council_are_one_organization_tree(seed):
    government, council = source("Anbar provincial government"), source("Anbar provincial council")
    assert government.tree_root() == council.tree_root() == source("Anbar provincial authorities")
    assert source("United Nations").tree_root() == source("United Nations")


def test_speakers_are_found_by_name_or_alias(seed):
    haimour = source("Muhannad Haimour")
    assert list(Source.objects.matching("Haimour")) == [haimour]
    assert list(Source.objects.matching("muhannad  haimour")) == [haimour]
    assert list(Source.objects.matching("UN")) == [source("United Nations")]


FIGURES = [
    # claim text start, metric, qualifier, low, high, vague words, population, period, unit
    ("Islamic State militants killed at least 500", "killed", "at_least", 500, None, "", "civilians and military",
     ("2015-05-15", "2015-05-17"), "people"),
    ("About 8,000 people fled", "displaced", "approximately", 8000, 8000, "", "people",
     ("2015-05-15", "2015-05-17"), "people"),
    ("Four nearly simultaneous bombings", "killed", "at_least", 10, None, "", "police",
     ("2015-05-17", "2015-05-17"), "people"),
    ("Four nearly simultaneous bombings", "wounded", "exact", 15, 15, "", "police",
     ("2015-05-17", "2015-05-17"), "people"),
    ("Three suicide car bombs", "killed", "at_least", 5, None, "", "soldiers", ("2015-05-17", "2015-05-17"), "people"),
    ("Three suicide car bombs", "wounded", "exact", 12, 12, "", "soldiers", ("2015-05-17", "2015-05-17"), "people"),
    ("As many as 114,000", "displaced", "at_most", None, 114000, "", "residents",
     ("2015-04-01", "2015-04-30"), "people"),
    ("By late Sunday 17 May 2015 a large number", "deployed", "vague", None, None, "a large number",
     "Shiite militiamen", ("2015-05-17", "2015-05-17"), "people"),
    ("IS captured a third of Iraq", "territory", "vague", None, None, "a third", "",
     ("2014-06-01", "2014-08-31"), "fraction"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("claim_text", "metric", "qualifier", "low", "high", "vague", "population", "period", "unit"), FIGURES
)
def test_seed_figures_keep_qualifier_bounds_population_and_period(
    seed, claim_text, metric, qualifier, low, high, vague, population, period, unit
):
    figure = seed_claim(claim_text).figures.get(metric=metric)
    assert figure.qualifier == qualifier
    assert figure.low == (None if low is None else Decimal(low))
    assert figure.high == (None if high is None else Decimal(high))
    assert figure.vague_text == vague
    assert figure.population == population
    assert (figure.period_start.isoformat(), figure.period_end.isoformat()) == period
    assert figure.unit == unit


def test_at_least_500_is_a_lower_bound_not_the_integer_500(killed_500):
    figure = killed_500.figures.get()
    assert (figure.qualifier, figure.low, figure.high) == ("at_least", Decimal(500), None)
    assert str(figure) == "≥ 500 killed (civilians and military)"


def test_two_figures_in_one_claim_stay_two(seed):
    claim = seed_claim("Four nearly simultaneous bombings")
    assert sorted(str(f) for f in claim.figures.all()) == ["15 wounded (police)", "≥ 10 killed (police)"]


def test_the_period_counted_is_not_the_date_said(killed_500):
    figure = killed_500.figures.get()
    assert killed_500.said_on == date(2015, 5, 18)
    assert (figure.period_start, figure.period_end) == (date(2015, 5, 15), date(2015, 5, 17))


def test_un_figure_reaches_the_reader_through_haimour_and_ap(displaced_114000):
    appearance = displaced_114000.appearances.get()
    assert [link.source.name for link in appearance.chain.all()] == [
        "United Nations",
        "Muhannad Haimour",
        "Associated Press",
    ]
    assert displaced_114000.speaker.name == "United Nations"


def test_unnamed_speakers_and_outlet_reporting_are_attributed(seed):
    assert seed_claim("Four nearly simultaneous").speaker == source("officials")
    assert seed_claim("Bodies littered").speaker == source("local officials")
    own = seed_claim("Prime Minister Haider al-Abadi ordered")
    assert own.speaker == source("Associated Press")
    assert [link.source.name for link in own.appearances.first().chain.all()] == ["Associated Press"]


def test_seed_holds_twelve_claims_all_unreviewed(seed):
    kinds = sorted(Claim.objects.values_list("kind", flat=True))
    assert kinds == ["figure"] * 6 + ["statement"] * 6
    assert set(Claim.objects.values_list("status", flat=True)) == {Status.UNREVIEWED}


def test_seed_quotes_are_verbatim_in_the_report(seed):
    text = Document.objects.get().text
    quoted = Claim.objects.exclude(quote="")
    assert quoted.count() == 4
    for claim in quoted:
        assert claim.quote in text


def test_seed_document_keeps_the_report_text_with_its_sha256(seed):
    document = Document.objects.get()
    raw = SEED_TEXT.read_bytes()
    assert document.text == raw.decode("utf-8")
    assert document.text_sha256 == hashlib.sha256(raw).hexdigest()
    assert document.outlet == source("Associated Press")
    assert document.title == "Hundreds Killed as Ramadi Falls to IS"


def test_every_appearance_offset_slices_the_report_to_its_excerpt(seed):
    appearances = Appearance.objects.select_related("document")
    assert appearances.count() >= 12
    for appearance in appearances:
        assert appearance.document.text[appearance.start : appearance.end] == appearance.excerpt


def test_load_seed_twice_changes_nothing(seed):
    def snapshot():
        return {model._meta.label: model.objects.count() for model in apps.get_models()}

    before = snapshot()
    out = StringIO()
    call_command("load_seed", stdout=out)
    assert snapshot() == before
    assert "Claims: 0 created, 12 already present" in out.getvalue()
    assert "Sources: 0 created, 15 already present" in out.getvalue()
