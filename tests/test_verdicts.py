import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, Status, Verdict
from tests.conftest import contradict, decide, seed_claim, source, support


def verdict(claim, user, status, rationale="Reviewed against the evidence.", **kwargs):
    return decide(claim, user, status, rationale, **kwargs)


def refusal(claim, user, status, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        verdict(claim, user, status, **kwargs)
    claim.refresh_from_db()
    assert claim.status == Status.UNREVIEWED
    assert not claim.verdicts.exists()
    return caught.value


def test_every_status_has_a_code_label_and_definition():
    assert Status.values == [
        "unreviewed", "unconfirmed", "confirmed", "disputed", "false", "superseded", "retracted"
    ]  # fmt: skip
    for status in Status:
        assert status.label and status.definition
    assert "could not be independently confirmed" in Status.UNCONFIRMED.definition


def test_unconfirmed_records_that_it_rests_on_the_speaker_alone(killed_500, reviewer):
    recorded = verdict(killed_500, reviewer, "unconfirmed", rationale="AP: could not be independently confirmed.")
    killed_500.refresh_from_db()
    assert killed_500.status == "unconfirmed"
    assert recorded.proposed_by == reviewer
    assert killed_500.version == 2  # published (a proposal alone moves nothing a newsroom sees)


def test_confirm_refused_without_any_evidence(killed_500, reviewer):
    error = refusal(killed_500, reviewer, "confirmed")
    assert error.message_dict["status"] == [
        "Cannot confirm: needs supporting evidence from a source independent of the speaker (Muhannad Haimour)."
    ]


def test_confirm_refused_when_only_same_org_supports(killed_500, reviewer):
    support(killed_500, reviewer, source=source("Sabah Karhout"))
    error = refusal(killed_500, reviewer, "confirmed")
    message = error.message_dict["status"][0]
    assert message.startswith("Cannot confirm: needs supporting evidence from a source independent of the speaker")
    assert "Sabah Karhout: not independent: same organization tree as the speaker (Anbar provincial authorities)" in (
        message
    )


def test_relayer_support_does_not_confirm_the_un_figure(displaced_114000, reviewer):
    support(displaced_114000, reviewer, source=source("Muhannad Haimour"))
    assert "relayed this claim" in refusal(displaced_114000, reviewer, "confirmed").message_dict["status"][0]


def test_confirm_allowed_with_support_from_an_independent_source(killed_500, reviewer, hospital_director):
    support(killed_500, reviewer, source=source("Sabah Karhout"))
    support(killed_500, reviewer, source=hospital_director)
    verdict(killed_500, reviewer, "confirmed", rationale="The hospital director's count matches.")
    killed_500.refresh_from_db()
    assert killed_500.status == "confirmed"
    assert killed_500.has_independent_support()


def test_partial_support_does_not_confirm(killed_500, reviewer, hospital_director):
    services.add_evidence(
        claim=killed_500, stance="partly_supports", note="Counts 300.", added_by=reviewer, source=hospital_director
    )
    refusal(killed_500, reviewer, "confirmed")


def test_disputed_needs_independent_contradicting_evidence(killed_500, reviewer, hospital_director):
    contradict(killed_500, reviewer, source=source("Sabah Karhout"))
    error = refusal(killed_500, reviewer, "disputed")
    assert error.message_dict["status"][0].startswith("Cannot mark disputed: needs contradicting evidence")

    contradict(killed_500, reviewer, source=hospital_director)
    verdict(killed_500, reviewer, "disputed")
    killed_500.refresh_from_db()
    assert killed_500.status == "disputed"


def test_false_needs_contradicting_evidence(killed_500, reviewer):
    error = refusal(killed_500, reviewer, "false")
    assert error.message_dict["status"] == ["Cannot mark false: add the contradicting evidence first."]

    contradict(killed_500, reviewer, source=source("Muhannad Haimour"))  # the speaker's own correction
    verdict(killed_500, reviewer, "false")
    killed_500.refresh_from_db()
    assert killed_500.status == "false"


def test_superseded_needs_the_claim_that_supersedes_it(killed_500, reviewer):
    error = refusal(killed_500, reviewer, "superseded")
    assert error.message_dict["superseded_by"] == ["Cannot mark superseded: name the claim that supersedes it."]


def test_superseded_refuses_a_successor_from_another_speaker(killed_500, reviewer):
    other = seed_claim("As many as 114,000")
    error = refusal(killed_500, reviewer, "superseded", superseded_by=other)
    assert error.message_dict["superseded_by"] == [
        "The superseding claim must come from the same speaker (Muhannad Haimour)."
    ]


def test_superseded_by_a_later_claim_from_the_same_speaker(killed_500, reviewer):
    later = services.record_claim(
        speaker=killed_500.speaker,
        text="At least 600 people were killed in Ramadi.",
        kind="figure",
        said_on=killed_500.said_on,
        user=reviewer,
    )
    verdict(killed_500, reviewer, "superseded", superseded_by=later)
    killed_500.refresh_from_db()
    assert (killed_500.status, killed_500.superseded_by) == ("superseded", later)
    assert killed_500.verdicts.get().superseded_by == later


@pytest.mark.parametrize("rationale", ["", "   \n"])
def test_every_verdict_needs_a_rationale(killed_500, reviewer, rationale):
    error = refusal(killed_500, reviewer, "unconfirmed", rationale=rationale)
    assert error.message_dict["rationale"] == ["Every verdict needs a rationale."]


@pytest.mark.parametrize("status", ["unreviewed", "bogus"])
def test_a_verdict_records_a_known_reviewed_status(killed_500, reviewer, status):
    assert "status" in refusal(killed_500, reviewer, status).message_dict


def test_retracted_needs_only_a_rationale(killed_500, reviewer):
    verdict(killed_500, reviewer, "retracted", rationale="AP withdrew the figure.")
    killed_500.refresh_from_db()
    assert killed_500.status == "retracted"


def test_status_is_always_the_latest_verdicts(killed_500, reviewer, hospital_director):
    verdict(killed_500, reviewer, "unconfirmed")
    support(killed_500, reviewer, source=hospital_director)
    verdict(killed_500, reviewer, "confirmed")
    killed_500.refresh_from_db()
    statuses = list(killed_500.verdicts.values_list("status", flat=True))
    assert statuses == ["unconfirmed", "confirmed"]
    assert killed_500.status == killed_500.verdicts.latest().status


def test_a_stale_version_is_refused_and_nothing_changes(killed_500, reviewer):
    seen = killed_500.version
    verdict(killed_500, reviewer, "unconfirmed")
    with pytest.raises(ValidationError) as caught:
        verdict(killed_500, reviewer, "retracted", expected_version=seen)
    assert caught.value.error_dict["version"][0].code == "stale"
    killed_500.refresh_from_db()
    assert killed_500.status == "unconfirmed"
    assert killed_500.verdicts.count() == 1


def test_removing_the_evidence_a_confirmation_rests_on_is_refused(killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director)
    verdict(killed_500, reviewer, "confirmed")
    with pytest.raises(ValidationError, match="Record a new verdict first"):
        services.remove_evidence(evidence=evidence, user=reviewer)
    assert killed_500.evidence.filter(pk=evidence.pk).exists()


def test_making_the_confirming_source_the_speaker_is_refused(killed_500, reviewer, hospital_director):
    support(killed_500, reviewer, source=hospital_director)
    verdict(killed_500, reviewer, "confirmed")
    with pytest.raises(ValidationError, match="without what that status needs"):
        services.update_claim(claim=killed_500, user=reviewer, speaker=hospital_director)
    killed_500.refresh_from_db()
    assert killed_500.speaker.name == "Muhannad Haimour"


def test_editing_the_text_bumps_the_version(killed_500, reviewer):
    updated = services.update_claim(claim=killed_500, user=reviewer, quote="We estimate that 500 people")
    assert updated.version == killed_500.version + 1


def test_update_refuses_fields_that_only_services_change(killed_500, reviewer):
    with pytest.raises(ValidationError) as caught:
        services.update_claim(claim=killed_500, user=reviewer, status="confirmed")
    assert "status" in caught.value.message_dict
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"


def test_verdicts_only_grow(killed_500, reviewer):
    verdict(killed_500, reviewer, "unconfirmed")
    verdict(killed_500, reviewer, "retracted")
    assert list(Verdict.objects.filter(claim=killed_500).values_list("status", flat=True)) == [
        "unconfirmed",
        "retracted",
    ]
    with pytest.raises(ValidationError, match="verdicts are never deleted"):
        services.delete_claim(claim=killed_500, user=reviewer)
    assert Claim.objects.filter(pk=killed_500.pk).exists()
    assert Verdict.objects.filter(claim=killed_500).count() == 2


def test_an_overtaken_proposal_says_so_on_the_claim_page(admin_client, killed_500, reviewer):
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="First.", reviewer=reviewer)
    services.propose_verdict(claim=killed_500, status="retracted", rationale="Second.", reviewer=reviewer)
    page = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/change/").content.decode()
    assert "overtaken by a newer proposal" in page and "awaiting an editor" in page


def test_the_verdict_history_costs_no_query_per_verdict(
    admin_client, killed_500, reviewer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="One.", reviewer=reviewer)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for n in range(6):
        services.propose_verdict(claim=killed_500, status="retracted", rationale=f"More {n}.", reviewer=reviewer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = admin_client.get(url).content.decode()
    assert page.count("overtaken by a newer proposal") == 6
