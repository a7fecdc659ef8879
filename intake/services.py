"""Intake's changes of state: an article imported with its candidate claims, and a candidate
accepted (as a new claim or a new appearance of a known one) or rejected."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import (
    Candidate,
    Claim,
)
from claims.services.documents import record_document, save_document
from claims.services.recording import record_appearance, record_claim
from claims.services.sources import save_source
from claims.services.writes import (
    audit,
)
from intake import candidates as intake
from intake.extraction import attribution
from sources.languages import detect_language, normalise_language_tag, validate_language_tag
from sources.models import Document, Source, canonical_url


def import_article(
    *,
    url: str,
    outlet: Source,
    title: str,
    text: str,
    user,
    published_at: datetime | None = None,
    byline: str = "",
    language: str | None = None,
) -> tuple[Document, str, list[Candidate]]:
    """Store an article and the candidate claims the extractor finds in it.

    Returns the document, what happened ("created", "unchanged" or "text changed") and the new
    candidates. Re-importing the same text changes nothing; a changed text is kept as the new
    snapshot, flagged, and extracted again.
    """
    try:
        url = canonical_url(url)
    except ValueError as exc:
        raise ValidationError({"url": str(exc)}) from exc
    language = article_language(text, language)
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(url=url).first()
        if document is None:
            document = record_document(
                url=url, outlet=outlet, title=title, text=text, byline=byline,
                published_at=published_at, language=language, user=user,
            )  # fmt: skip
            outcome = "created"
        elif document.text_matches(text):
            return document, "unchanged", []
        else:
            document.previous_text_sha256 = document.text_sha256
            document.text = text
            document.text_changed_at = timezone.now()
            save_document(document=document, user=user, reason="text changed on re-import")
            document.candidates.filter(state=Candidate.State.PENDING).delete()  # their offsets no longer hold
            _relocate_appearances(document, user)
            outcome = "text changed"
        reviewed = set(document.candidates.exclude(state=Candidate.State.PENDING).values_list("text", flat=True))
        candidates = [
            _candidate(document, found) for found in intake.candidates_for(document) if found["text"] not in reviewed
        ]
    return document, outcome, candidates


def article_language(text: str, given: str | None) -> str:
    """The article's language: as given (a BCP 47 tag, refused under "language" if it is not
    one), or else detected from the text."""
    if not given:
        return detect_language(text)
    tag = normalise_language_tag(given)
    try:
        validate_language_tag(tag)
    except ValidationError as refusal:
        raise ValidationError({"language": refusal.messages}) from refusal
    return tag


def _relocate_appearances(document: Document, user) -> None:
    """After the text changed, point each recorded excerpt at where it stands now (or nowhere)."""
    for appearance in document.appearances.select_related("claim"):
        found = document.text.find(appearance.excerpt)
        start, end = (found, found + len(appearance.excerpt)) if found >= 0 else (None, None)
        if (start, end) != (appearance.start, appearance.end):
            appearance.start, appearance.end = start, end
            audit(appearance, user, "text changed: excerpt relocated").save(update_fields=["start", "end"])


def _candidate(document: Document, found: dict) -> Candidate:
    speaker = found["speaker"]
    match, reason = intake.known_claim(
        text=found["text"],
        quote=found["quote"] or "",
        speaker_id=speaker["source_id"],
        figures=found["figures"],
        published=document.published_at.date() if document.published_at else None,
        speaker_name=speaker["name"] or speaker["mention"],
    )
    candidate = Candidate(
        document=document,
        text=found["text"],
        start=found["start"],
        end=found["end"],
        cue=(found["cue"] or "")[:40],
        quote=found["quote"] or "",
        said_on=found.get("said_on"),
        speaker_mention=speaker["mention"][:300],
        speaker_name=speaker["name"][:200] or speaker["mention"][:200],
        speaker_source_id=speaker["source_id"],
        speaker_start=speaker["start"],
        speaker_end=speaker["end"],
        figures=found["figures"],
        match_claim=match,
        match_reason=reason[:300],
    )
    candidate.save()
    return candidate


# What a reviewer may change on a candidate before accepting it; the rest is the extractor's record.
EDITABLE = ("text", "quote", "speaker_name", "speaker_source", "said_on", "figures")


def _pending(candidate: Candidate) -> Candidate:
    """The candidate locked for the caller's transaction; refused unless it still waits for review."""
    locked = Candidate.objects.select_for_update().select_related("document").get(pk=candidate.pk)
    if not locked.is_pending:
        raise ValidationError(f"This candidate was already {locked.get_state_display()}.", code="reviewed")
    return locked


def _apply(candidate: Candidate, edits: dict) -> None:
    """Apply a reviewer's edits, refusing a field that is not theirs to edit or a figure the
    Figure model would refuse."""
    unknown = sorted(set(edits) - set(EDITABLE))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "A candidate's reviewer cannot change this."))
    for field, value in edits.items():
        setattr(candidate, field, value)
    intake.figures_of(candidate)
    candidate.full_clean(exclude=["match_claim", "claim", "reviewed_by"])


def edit_candidate(*, candidate: Candidate, user, **edits) -> Candidate:
    """Save a reviewer's edits to a pending candidate (the admin's candidate page)."""
    with transaction.atomic():
        candidate = _pending(candidate)
        _apply(candidate, edits)
        audit(candidate, user, "edited").save()
    return candidate


def accept_candidate(*, candidate: Candidate, user, edits: dict | None = None, as_new: bool = False) -> Claim:
    """Accept a candidate: a new appearance of the known claim it repeats, or a new claim
    (unreviewed, machine-suggested) with its figures, appearance and, if needed, its speaker."""
    with transaction.atomic():
        candidate = _pending(candidate)
        _apply(candidate, edits or {})
        appearance = {
            "document": candidate.document,
            "excerpt": candidate.document.text[candidate.start : candidate.end],
            "start": candidate.start,
            "end": candidate.end,
            "speaker_role": candidate.speaker_mention,
        }
        # The report's own hedge on what it says here goes onto the appearance (issue 15).
        from intake.extraction.hedges import hedge_for

        others = [{"start": start} for start in candidate.document.candidates.values_list("start", flat=True)]
        hedge = hedge_for(candidate.document.text, candidate.start, candidate.end, others)
        if hedge:
            appearance["verification_note"] = hedge["text"]
            appearance["verification_note_start"], appearance["verification_note_end"] = hedge["start"], hedge["end"]
        if candidate.speaker_source_id is None:
            # A speaker accepted earlier (from this article, say) may be known by now.
            source_id, _ = intake.resolve_source(candidate.speaker_name)
            candidate.speaker_source_id = source_id
        if not candidate.match_claim_id and not as_new:
            # A candidate accepted earlier from the same article may now be the claim this repeats.
            candidate.match_claim, candidate.match_reason = intake.known_claim(
                text=candidate.text,
                quote=candidate.quote,
                speaker_id=candidate.speaker_source_id,
                figures=candidate.figures,
                published=candidate.document.published_at.date() if candidate.document.published_at else None,
                speaker_name=candidate.speaker_name,
            )
        if candidate.match_claim_id and not as_new:
            claim = candidate.match_claim
            if not claim.appearances.filter(document=candidate.document, start=candidate.start).exists():
                record_appearance(claim=claim, user=user, **appearance)
            candidate.state = Candidate.State.MERGED
        else:
            speaker = candidate.speaker_source or _proposed_source(candidate, user)
            claim = record_claim(
                speaker=speaker,
                text=candidate.text,
                quote=candidate.quote,
                kind=Claim.Kind.FIGURE if candidate.figures else Claim.Kind.STATEMENT,
                described_as=candidate.speaker_mention[:300],
                said_on=candidate.said_on,
                user=user,
                figures=intake.figures_of(candidate),
                appearances=[appearance],
                machine_suggested=True,
                language=candidate.document.language,
            )
            candidate.state = Candidate.State.ACCEPTED
        candidate.claim, candidate.reviewed_by, candidate.reviewed_at = claim, user, timezone.now()
        audit(candidate, user, candidate.state).save()
    return claim


def _proposed_source(candidate: Candidate, user) -> Source:
    """The speaker the reviewer accepts along with the claim."""
    source = Source(kind=kind_of_new_speaker(candidate.speaker_name), name=candidate.speaker_name[:200])
    return save_source(source=source, user=user, reason="speaker of an accepted candidate")


def kind_of_new_speaker(name: str) -> str:
    """A proper name is a person, or an organization when it reads like one ("Red Crescent");
    a description ("a prison official") is an unnamed speaker."""
    if not attribution.is_name(name):
        return Source.Kind.UNNAMED
    return Source.Kind.ORGANIZATION if attribution.SPEAKER_NOUNS.search(name) else Source.Kind.PERSON


def reject_candidate(*, candidate: Candidate, user) -> Candidate:
    with transaction.atomic():
        candidate = _pending(candidate)
        candidate.state, candidate.reviewed_by, candidate.reviewed_at = Candidate.State.REJECTED, user, timezone.now()
        audit(candidate, user, "rejected").save()
    return candidate
