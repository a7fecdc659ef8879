from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims import services
from claims.models import Claim, Evidence, Figure, Verdict
from sources.models import Affiliation, Source
from tests.conftest import first_appearance, source

BAD_FIGURES = [
    ({"qualifier": "range", "low": 15, "high": 10}, "figure_low_not_above_high"),
    ({"qualifier": "at_least", "low": 500, "high": 600}, "figure_lower_bound_qualifier_has_only_low"),
    ({"qualifier": "more_than", "low": None}, "figure_lower_bound_qualifier_has_only_low"),
    ({"qualifier": "at_most", "low": 1, "high": 114000}, "figure_at_most_has_only_high"),
    ({"qualifier": "exact", "low": 15, "high": 16}, "figure_point_qualifier_has_one_value"),
    ({"qualifier": "approximately", "low": 8000}, "figure_point_qualifier_has_one_value"),
    ({"qualifier": "range", "low": 10, "high": 10}, "figure_range_has_both_bounds"),
    ({"qualifier": "vague", "vague_text": ""}, "figure_vague_keeps_words"),
    ({"qualifier": "exact", "low": -1, "high": -1}, "figure_bounds_not_negative"),
    ({"qualifier": "roughly", "low": 5, "high": 5}, "figure_valid_qualifier"),
    (
        {
            "qualifier": "vague",
            "vague_text": "dozens",
            "period_start": date(2015, 5, 17),
            "period_end": date(2015, 5, 1),
        },
        "figure_period_end_not_before_start",
    ),
]


def figure(claim, **fields):
    values = {"metric": "killed", "qualifier": "exact", "low": None, "high": None} | fields
    for bound in ("low", "high"):
        if values[bound] is not None:
            values[bound] = Decimal(values[bound])
    return Figure(claim=claim, **values)


@pytest.mark.parametrize(("fields", "constraint"), BAD_FIGURES)
def test_inconsistent_figures_are_refused_with_a_validation_error(killed_500, reviewer, fields, constraint):
    with pytest.raises(ValidationError) as caught:
        services.save_figure(figure=figure(killed_500, **fields), user=reviewer)
    named = next(c for c in Figure._meta.constraints if c.name == constraint)
    expected = named.violation_error_message
    assert expected in caught.value.messages or constraint == "figure_valid_qualifier"
    assert killed_500.figures.count() == 1


@pytest.mark.parametrize(("fields", "constraint"), BAD_FIGURES)
def test_the_database_itself_refuses_inconsistent_figures(killed_500, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        figure(killed_500, **fields).save()


@pytest.mark.parametrize(
    "fields",
    [
        {"qualifier": "exact", "low": 15, "high": 15},
        {"qualifier": "at_least", "low": 500},
        {"qualifier": "more_than", "low": 500},
        {"qualifier": "at_most", "high": 114000},
        {"qualifier": "approximately", "low": 8000, "high": 8000},
        {"qualifier": "range", "low": 10, "high": 15},
        {"qualifier": "vague", "vague_text": "hundreds"},
        {"qualifier": "vague", "vague_text": "hundreds", "low": 200},
    ],
)
def test_consistent_figures_are_stored(killed_500, reviewer, fields):
    saved = services.save_figure(figure=figure(killed_500, **fields), user=reviewer)
    assert Figure.objects.get(pk=saved.pk).qualifier == fields["qualifier"]


def test_a_figure_supersedes_only_the_same_speakers_same_metric(killed_500, reviewer):
    earlier = killed_500.figures.get()
    wounded = figure(killed_500, metric="wounded", qualifier="at_least", low=100, supersedes=earlier)
    with pytest.raises(ValidationError, match="same metric"):
        services.save_figure(figure=wounded, user=reviewer)

    un_claim = Claim.objects.get(text__startswith="As many as 114,000")
    foreign = figure(un_claim, metric="killed", qualifier="at_least", low=600, supersedes=earlier)
    with pytest.raises(ValidationError, match="same speaker"):
        services.save_figure(figure=foreign, user=reviewer)

    toll = figure(killed_500, metric="killed", qualifier="at_least", low=600, supersedes=earlier)
    services.save_figure(figure=toll, user=reviewer)
    assert earlier.superseded_by == toll


def test_claim_status_outside_the_vocabulary_is_refused_by_the_database(killed_500):
    with pytest.raises(IntegrityError, match="claim_valid_status"), transaction.atomic():
        Claim.objects.filter(pk=killed_500.pk).update(status="probably")


def test_a_superseded_claim_must_name_its_successor_in_the_database(killed_500):
    with pytest.raises(IntegrityError, match="claim_superseded_names_successor"), transaction.atomic():
        Claim.objects.filter(pk=killed_500.pk).update(status="superseded")


def test_a_verdict_without_rationale_is_refused_by_the_database(killed_500, reviewer):
    with pytest.raises(IntegrityError, match="verdict_rationale_required"), transaction.atomic():
        Verdict.objects.create(claim=killed_500, status="unconfirmed", rationale="", proposed_by=reviewer)


def test_evidence_has_exactly_one_basis(killed_500, reviewer, hospital_director):
    with pytest.raises(ValidationError, match="one of: another claim, a document"):
        services.add_evidence(
            claim=killed_500,
            stance="supports",
            note="Both.",
            added_by=reviewer,
            source=hospital_director,
            document=first_appearance(killed_500).document,
        )
    with pytest.raises(IntegrityError, match="evidence_has_exactly_one_basis"), transaction.atomic():
        Evidence.objects.create(claim=killed_500, stance="supports", note="Nothing.")


def test_a_claim_is_not_evidence_for_itself(killed_500, reviewer):
    with pytest.raises(ValidationError, match="cannot be evidence for itself"):
        services.add_evidence(
            claim=killed_500, stance="supports", note="Circular.", added_by=reviewer, evidence_claim=killed_500
        )


@pytest.mark.parametrize("qid", ["1065", "Q", "Q01", "q1065", "Q10a"])
def test_wikidata_qid_must_be_q_and_digits(db, qid):
    candidate = Source(kind="organization", name="Somebody", wikidata_qid=qid)
    with pytest.raises(ValidationError) as caught:
        candidate.full_clean()
    assert "wikidata_qid" in caught.value.message_dict
    with pytest.raises(IntegrityError, match="source_wikidata_qid_format"), transaction.atomic():
        candidate.save()


def test_wikidata_qid_is_unique_when_given(seed):
    duplicate = Source(kind="organization", name="Another UN", wikidata_qid="Q1065")
    with pytest.raises(ValidationError, match="already has this Wikidata QID"):
        duplicate.full_clean()
    Source.objects.create(kind="organization", name="No QID one")
    Source.objects.create(kind="organization", name="No QID two")


def test_an_affiliation_cannot_end_before_it_starts(seed):
    affiliation = Affiliation(
        person=source("John Kerry"),
        organization=source("US Department of State"),
        role="Secretary of State",
        start_date=date(2017, 1, 20),
        end_date=date(2013, 2, 1),
    )
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        affiliation.full_clean()
    with pytest.raises(IntegrityError, match="affiliation_end_not_before_start"), transaction.atomic():
        affiliation.save()


def test_an_affiliation_links_a_person_to_an_organization(seed):
    backwards = Affiliation(person=source("United Nations"), organization=source("John Kerry"), role="member")
    with pytest.raises(ValidationError) as caught:
        backwards.full_clean()
    assert {"person", "organization"} <= set(caught.value.message_dict)


def test_an_organization_cannot_be_part_of_itself_even_through_others(seed):
    authorities = source("Anbar provincial authorities")
    authorities.parent = source("Anbar provincial council")
    with pytest.raises(ValidationError, match="part of itself"):
        authorities.full_clean()


@pytest.mark.parametrize(("start", "end"), [(5, None), (None, 5), (10, 10), (10, 3)])
def test_appearance_offsets_come_in_order_and_in_pairs(killed_500, start, end):
    appearance = first_appearance(killed_500)
    with pytest.raises(IntegrityError, match="appearance_offsets_ordered"), transaction.atomic():
        type(appearance).objects.filter(pk=appearance.pk).update(start=start, end=end)
