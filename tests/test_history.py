import pytest

from claims import models as claim_models
from claims import services
from sources import models as source_models
from tests.conftest import admin_form_data, decide, source

AUDITED = [
    source_models.Source,
    source_models.SourceAlias,
    source_models.Affiliation,
    source_models.Document,
    claim_models.Event,
    claim_models.Claim,
    claim_models.Appearance,
    claim_models.ChainLink,
    claim_models.Figure,
    claim_models.Evidence,
    claim_models.Verdict,
]


@pytest.mark.parametrize("model", AUDITED, ids=lambda m: m.__name__)
def test_every_domain_model_keeps_an_audit_history(killed_500, reviewer, hospital_director, model):
    services.add_evidence(
        claim=killed_500, stance="supports", note="Counted.", added_by=reviewer, source=hospital_director
    )
    decide(killed_500, reviewer, "confirmed", "Counted.")
    assert model.objects.exists()
    for instance in model.objects.all()[:3]:
        assert instance.history.exists()


def test_a_service_edit_records_who_why_and_what_changed(killed_500, reviewer):
    services.update_claim(claim=killed_500, user=reviewer, quote="We estimate that 500 people", reason="trimmed quote")
    latest, previous = killed_500.history.all()[:2]
    assert latest.history_user == reviewer
    assert latest.history_change_reason == "trimmed quote"
    delta = latest.diff_against(previous)
    assert {change.field for change in delta.changes} == {"quote", "version"}
    assert next(c for c in delta.changes if c.field == "quote").new == "We estimate that 500 people"


def test_a_verdict_shows_in_the_claims_history(killed_500, reviewer):
    published = decide(killed_500, reviewer, "unconfirmed", "As AP says.")
    published_step, proposed_step = killed_500.history.all()[:2]
    assert (proposed_step.status, proposed_step.history_user, proposed_step.history_change_reason) == (
        "unreviewed",
        reviewer,
        "verdict proposed: unconfirmed",
    )
    assert (published_step.status, published_step.history_user, published_step.history_change_reason) == (
        "unconfirmed",
        published.published_by,
        "verdict published: unconfirmed",
    )


def test_an_admin_edit_is_recorded_with_its_user_and_field_diff(admin_client, reviewer, seed):
    karhout = source("Sabah Karhout")
    url = f"/admin/sources/source/{karhout.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), description="Head of the council."))
    assert response.status_code == 302
    assert karhout.history.first().history_user == reviewer

    history = admin_client.get(f"/admin/sources/source/{karhout.pk}/history/")
    assert history.status_code == 200
    page = history.content.decode()
    assert "Head of the council." in page
    assert "rev" in page


def test_the_history_page_offers_no_revert(admin_client, killed_500, reviewer):
    services.update_claim(claim=killed_500, user=reviewer, quote="changed")
    record = killed_500.history.last()
    response = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/history/{record.history_id}/")
    assert response.status_code == 200
    assert "Revert" not in response.content.decode()


def test_evidence_reads_in_words_where_history_and_delete_pages_name_it(killed_500, reviewer, hospital_director):
    evidence = services.add_evidence(
        claim=killed_500, stance="partly_supports", note="Counted.", added_by=reviewer, source=hospital_director
    )
    text = str(evidence)
    assert text.startswith(f"{hospital_director} partly supports “")
    assert killed_500.text[:20] in text and f"claim {killed_500.pk}" not in text
