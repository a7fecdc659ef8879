"""The report's own hedge on an appearance: seeded, copied on accepting a candidate, quoted by
the attribution text while no verdict is published, and kept current in stored renderings."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from claims import bulk_rendering, rendering
from claims.models import Claim, ClaimRendering
from claims.services.verification_notes import set_verification_note
from intake import services as intake_services
from sources.models import Document, Source
from tests.conftest import decide, seed_claim

NOTE = "The figures could not be independently confirmed"
HEDGED = ", as reported by Associated Press, which said the figures could not be independently confirmed."


def stored(claim: Claim) -> dict:
    import json

    return json.loads(ClaimRendering.objects.get(claim=claim).body)


@pytest.mark.parametrize("start", ["Islamic State militants killed at least 500", "About 8,000"])
def test_the_seed_records_the_hedge_with_its_span_on_the_500_and_8000_claims(seed, start):
    claim = seed_claim(start)
    text = claim.appearances.first().document.text
    for appearance in claim.appearances.all():
        assert appearance.verification_note == NOTE
        assert text[appearance.verification_note_start : appearance.verification_note_end] == NOTE
    assert claim.version == 1  # recorded with the appearance, not as a later change
    assert stored(claim)["attribution_text"].endswith(HEDGED)


def test_claims_the_hedge_does_not_cover_have_no_note(seed):
    other = seed_claim("As many as 114,000")
    assert [a.verification_note for a in other.appearances.all()] == [""]
    assert stored(other)["attribution_text"].endswith("; it has not yet been verified.")


def test_a_published_verdict_takes_over_from_the_reports_hedge(killed_500, reviewer):
    decide(killed_500, reviewer, "unconfirmed", "AP: could not be independently confirmed.")
    text = stored(killed_500)["attribution_text"]
    assert text.endswith("as reported by Associated Press; the figure could not be independently confirmed.")


def test_changing_a_note_bumps_the_claim_and_keeps_its_rendering_current(killed_500, reviewer):
    appearance = killed_500.appearances.order_by("pk").first()
    version = killed_500.version
    set_verification_note(appearance=appearance, note="", user=reviewer)
    killed_500.refresh_from_db()
    assert killed_500.version == version + 1
    body = stored(killed_500)
    assert body == rendering.representation(rendering.claims_for_rendering().get(pk=killed_500.pk))
    set_verification_note(appearance=appearance, note="", user=reviewer)  # the same note: nothing moves
    killed_500.refresh_from_db()
    assert killed_500.version == version + 1


def test_a_note_must_stand_where_its_offsets_say(killed_500, reviewer):
    appearance = killed_500.appearances.first()
    with pytest.raises(ValidationError) as refused:
        set_verification_note(appearance=appearance, note=NOTE, start=0, end=len(NOTE), user=reviewer)
    assert "verification_note_start" in refused.value.message_dict
    with pytest.raises(ValidationError, match="NUL"):
        set_verification_note(appearance=appearance, note="bad\x00", user=reviewer)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL rendering is PostgreSQL's")
def test_the_sql_and_python_attribution_texts_are_byte_identical_with_and_without_a_note(killed_500, reviewer):
    ids = list(Claim.objects.values_list("pk", flat=True))
    python = {pk: r.body for pk, r in rendering.render(ids).items()}
    ClaimRendering.objects.all().delete()
    bulk_rendering.store_all(batch=50)
    assert {r.claim_id: r.body for r in ClaimRendering.objects.all()} == python
    displaced = seed_claim("As many as 114,000")  # a note keeping its capitals: "UN said ..."
    set_verification_note(appearance=displaced.appearances.first(), note="UN said as many as", user=reviewer)
    assert "which said UN said as many as." in rendering.render([displaced.pk])[displaced.pk].body
    decide(killed_500, reviewer, "unconfirmed", "Checked.")
    python = {pk: r.body for pk, r in rendering.render(ids).items()}
    ClaimRendering.objects.all().delete()
    bulk_rendering.store_all(batch=50)
    assert {r.claim_id: r.body for r in ClaimRendering.objects.all()} == python


def test_accepting_a_candidate_copies_the_reports_hedge_onto_the_appearance(db, reviewer):
    outlet = Source.objects.create(kind="outlet", name="Wire Daily")
    text = (
        "The health ministry said at least 34,000 people had been killed.\n"
        "It was not possible to verify the figures independently."
    )
    document, _, found = intake_services.import_article(
        url="https://wire.example/gaza", outlet=outlet, title="Toll", text=text, user=reviewer,
        published_at=datetime(2024, 4, 20, tzinfo=UTC),
    )  # fmt: skip
    claim = intake_services.accept_candidate(candidate=found[0], user=reviewer)
    appearance = claim.appearances.get()
    assert appearance.verification_note == "It was not possible to verify the figures independently"
    assert document.text[appearance.verification_note_start : appearance.verification_note_end] == (
        appearance.verification_note
    )
    assert stored(claim)["attribution_text"].endswith(
        ", as reported by Wire Daily, which said it was not possible to verify the figures independently."
    )


def test_the_admin_and_the_command_line_store_the_same_text_and_hash(db, reviewer):
    outlet = Source.objects.create(kind="outlet", name="Paste Daily")
    pasted = "Caf\u0065\u0301 owners said 5 people were hurt.\r\nPolice said 2 died.\r\n"
    document, _, _ = intake_services.import_article(
        url="https://paste.example/a", outlet=outlet, title="T", text=pasted, user=reviewer
    )
    assert document.text == "Caf\u00e9 owners said 5 people were hurt.\nPolice said 2 died.\n"
    again, outcome, _ = intake_services.import_article(
        url="https://paste.example/a", outlet=outlet, title="T", text=document.text, user=reviewer
    )
    assert (again.pk, outcome) == (document.pk, "unchanged")
    assert Document.objects.get(pk=document.pk).text_matches(pasted)


def test_the_desk_records_and_clears_the_reports_note_on_the_appearance_page(admin_client, killed_500):
    from tests.conftest import admin_form_data

    appearance = killed_500.appearances.order_by("pk").first()
    url = f"/admin/claims/appearance/{appearance.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b'name="verification_note"' in page.content
    version = killed_500.version
    response = admin_client.post(url, admin_form_data(page, verification_note=""))
    assert response.status_code == 302, response.content[:2000]
    appearance.refresh_from_db()
    killed_500.refresh_from_db()
    assert (appearance.verification_note, appearance.verification_note_start) == ("", None)
    assert killed_500.version == version + 1  # through the service: the rendering follows
    assert not stored(killed_500)["attribution_text"].endswith(HEDGED)

    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, verification_note=NOTE))
    assert response.status_code == 302
    appearance.refresh_from_db()
    text = appearance.document.text
    assert text[appearance.verification_note_start : appearance.verification_note_end] == NOTE
    assert stored(killed_500)["attribution_text"].endswith(HEDGED)


def test_a_note_the_document_does_not_hold_is_kept_without_offsets(admin_client, killed_500):
    from tests.conftest import admin_form_data

    appearance = killed_500.appearances.order_by("pk").first()
    url = f"/admin/claims/appearance/{appearance.pk}/change/"
    page = admin_client.get(url)
    response = admin_client.post(url, admin_form_data(page, verification_note="Officials declined to confirm."))
    assert response.status_code == 302
    appearance.refresh_from_db()
    assert appearance.verification_note == "Officials declined to confirm."
    assert appearance.verification_note_start is None
