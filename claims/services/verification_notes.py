"""The report's own note on verification, kept on an appearance ("The figures could not be
independently confirmed"): a fact about the report, distinct from the desk's verdict."""

from django.core.exceptions import ValidationError

from claims.models import Appearance
from claims.services.writes import audit, bump, changing, locked_claim, refuse_nul
from sources.models import Document


def note_in(
    document: Document, note: str, start: int | None = None, end: int | None = None
) -> tuple[str, int | None, int | None]:
    """The note and its offsets in the document's text: as given, which must point at the
    note, or where it is first found (None, None when the document keeps no text with it)."""
    note = (note or "").strip()
    refuse_nul(verification_note=note)
    text = document.text or ""
    if not note:
        return "", None, None
    if start is None and end is None:
        found = text.find(note)
        return (note, found, found + len(note)) if found >= 0 else (note, None, None)
    if start is None or end is None or not (0 <= start < end <= len(text)) or text[start:end] != note:
        raise ValidationError(
            {"verification_note_start": "The note's offsets must point at the note in the document's text."},
            code="note_offsets",
        )
    return note, start, end


def set_verification_note(
    *, appearance: Appearance, note: str, user, start: int | None = None, end: int | None = None
) -> Appearance:
    """Record (or, with an empty note, clear) what the report says about verifying the claim
    where it appears. The claim's version is raised, so its stored rendering (whose attribution
    text quotes the note while no verdict is published) stays current."""
    with changing():
        locked = locked_claim(appearance.claim)
        current = (
            Appearance.objects.select_for_update(of=("self",))
            .select_related("document")
            .filter(pk=appearance.pk)
            .first()
        )
        if current is None or current.claim_id != locked.pk:
            raise ValidationError("Someone else removed this appearance meanwhile.", code="deleted")
        found = note_in(current.document, note, start, end)
        if found == (current.verification_note, current.verification_note_start, current.verification_note_end):
            return current
        current.verification_note, current.verification_note_start, current.verification_note_end = found
        current.full_clean()
        fields = ["verification_note", "verification_note_start", "verification_note_end"]
        audit(current, user, "verification note recorded" if found[0] else "verification note cleared").save(
            update_fields=fields
        )
        bump(locked, user, "verification note changed")
    return current
