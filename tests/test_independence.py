from datetime import date

from claims import services
from claims.models import Claim
from sources.models import Source
from tests.conftest import seed_claim, source, support


def test_karhout_supporting_a_haimour_figure_is_not_independent(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Sabah Karhout"))
    assert evidence.independence.independent is False
    assert evidence.independence.code == "same_organization"
    assert evidence.independence.reason == (
        "not independent: same organization tree as the speaker (Anbar provincial authorities)"
    )


def test_the_relayer_cannot_confirm_the_un_figure_it_relayed(displaced_114000, reviewer):
    evidence = support(displaced_114000, reviewer, source=source("Muhannad Haimour"))
    assert evidence.independence.code == "relayed_claim"
    assert "Muhannad Haimour relayed this claim (United Nations → Muhannad Haimour → Associated Press)" in (
        evidence.independence.reason
    )


def test_a_claim_that_reached_us_through_the_speaker_is_circular(killed_500, reviewer):
    un_count = services.record_claim(
        speaker=source("United Nations"),
        text="The UN counts at least 500 dead in Ramadi.",
        kind="figure",
        user=reviewer,
        appearances=[
            {
                "document": killed_500.first_appearance().document,
                "excerpt": "at least 500 people",
                "relayed_by": [source("Muhannad Haimour")],
            }
        ],
    )
    evidence = support(killed_500, reviewer, evidence_claim=un_count)
    assert evidence.independence.code == "circular"
    assert "its own chain passes through the speaker" in evidence.independence.reason


def test_the_speaker_cannot_confirm_itself(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Muhannad Haimour"))
    assert evidence.independence.reason == "not independent: same speaker as the claim (Muhannad Haimour)"


def test_wire_copy_of_the_same_report_counts_once(killed_500, reviewer):
    original = killed_500.first_appearance().document
    other_outlet = Source.objects.create(kind="outlet", name="Daily Republisher")
    copy = services.record_document(
        url="https://republisher.example/world/ramadi",
        outlet=other_outlet,
        title="Hundreds killed as Ramadi falls",
        text="Republished AP text.",
        republished_from=original,
    )
    evidence = support(killed_500, reviewer, document=copy)
    assert evidence.independence.code == "same_report"
    assert "wire copy counts once" in evidence.independence.reason


def test_identical_text_elsewhere_is_the_same_report_even_unlinked(killed_500, reviewer):
    original = killed_500.first_appearance().document
    copy = services.record_document(
        url="https://mirror.example/ramadi",
        outlet=Source.objects.create(kind="outlet", name="Mirror Daily"),
        title="Ramadi",
        text=original.text,
    )
    assert support(killed_500, reviewer, document=copy).independence.code == "same_report"


def test_a_hospital_director_in_ramadi_is_independent(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director, stated_on=date(2015, 5, 19))
    assert evidence.independence.independent is True
    assert evidence.independence.reason.startswith("independent of Muhannad Haimour")


def test_only_affiliations_at_the_time_tie_a_source_to_an_organization(killed_500, reviewer):
    former = Source.objects.create(kind="person", name="Former Councillor")
    former.affiliations.create(
        organization=source("Anbar provincial council"), role="member", end_date=date(2010, 12, 31)
    )
    evidence = support(killed_500, reviewer, source=former, stated_on=date(2015, 5, 19))
    assert evidence.independence.independent is True

    still_there = support(killed_500, reviewer, source=former, stated_on=date(2009, 1, 1))
    assert still_there.independence.code == "same_organization"


def test_an_outlet_that_carried_the_claim_cannot_confirm_it(killed_500, reviewer):
    evidence = support(killed_500, reviewer, source=source("Associated Press"))
    assert evidence.independence.code == "relayed_claim"


def test_another_claim_by_an_independent_speaker_is_independent(killed_500, reviewer, hospital_director):
    count = Claim.objects.create(speaker=hospital_director, text="We received 480 bodies.", kind="figure")
    assert support(killed_500, reviewer, evidence_claim=count).independence.independent is True


def test_seed_karhout_statement_as_evidence_is_not_independent(killed_500, reviewer):
    karhout_claim = seed_claim("By late Sunday 17 May 2015 a large number")
    evidence = support(killed_500, reviewer, evidence_claim=karhout_claim)
    assert evidence.independence.code == "same_organization"


def test_independence_is_stored_with_the_evidence_for_fast_reads(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director)
    stored = type(evidence).objects.get(pk=evidence.pk)
    assert (stored.independent, stored.independence_code) == (True, "independent")
    assert stored.independence_reason == evidence.independence.reason


def test_an_affiliation_added_in_the_admin_rejudges_stored_independence(
    admin_client, killed_500, reviewer, hospital_director
):
    evidence = support(killed_500, reviewer, source=hospital_director)
    response = admin_client.post(
        "/admin/sources/affiliation/add/",
        {"person": hospital_director.pk, "organization": source("Anbar provincial government").pk, "role": "adviser"},
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.independent, evidence.independence_code) == (False, "same_organization")


def test_a_new_relay_chain_rejudges_the_evidence_it_touches(displaced_114000, reviewer, hospital_director):
    evidence = support(displaced_114000, reviewer, source=hospital_director)
    assert evidence.independent is True
    document = displaced_114000.first_appearance().document
    services.record_appearance(
        claim=displaced_114000, document=document, excerpt="at the height of the violence",
        relayed_by=[hospital_director], user=reviewer,
    )  # fmt: skip
    evidence.refresh_from_db()
    assert (evidence.independent, evidence.independence_code) == (False, "relayed_claim")
