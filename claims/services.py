"""Every change of state in the tracker, one function each.

The admin, the API, the seed loader and the management commands all call these; none of them
writes claims, figures, appearances, evidence, verdicts or documents around them. Each
function locks what it changes, checks the rule, writes, bumps the claim's version and records
who did it and why in the audit history.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import Appearance, ChainLink, Claim, Event, Evidence, Figure, Status, Verdict
from sources.models import Document, Source, text_sha256

CLAIM_FIELDS = ("kind", "text", "quote", "speaker", "described_as", "said_on", "event")
FIGURE_FIELDS = (
    "as_written",
    "metric",
    "population",
    "qualifier",
    "low",
    "high",
    "vague_text",
    "unit",
    "unit_of",
    "period_start",
    "period_end",
    "place",
    "note",
    "supersedes",
)


def _audit(instance, user, reason: str):
    """Tell django-simple-history who made the next save of `instance` and why."""
    instance._history_user = user
    instance._change_reason = reason[:100]
    return instance


def _locked_claim(claim: Claim, expected_version: int | None = None) -> Claim:
    locked = Claim.objects.select_for_update().select_related("speaker").get(pk=claim.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            {
                "version": ValidationError(
                    f"Someone else changed this claim (now version {locked.version}, you had {expected_version}). "
                    "Reload it and try again.",
                    code="stale",
                )
            }
        )
    return locked


def _bump(claim: Claim, user, reason: str, fields: Sequence[str] = ()) -> None:
    claim.version += 1
    _audit(claim, user, reason).save(update_fields=[*fields, "version", "updated_at"])


def record_document(
    *,
    url: str,
    outlet: Source,
    title: str,
    text: str = "",
    byline: str = "",
    published_at: datetime | None = None,
    retrieved_at: datetime | None = None,
    language: str = "en",
    republished_from: Document | None = None,
    user=None,
) -> Document:
    """Store a published piece with its text snapshot and the snapshot's SHA-256."""
    document = Document(
        url=url,
        outlet=outlet,
        title=title,
        text=text,
        text_sha256=text_sha256(text),
        byline=byline,
        published_at=published_at,
        retrieved_at=retrieved_at or timezone.now(),
        language=language,
        republished_from=republished_from,
    )
    document.full_clean()
    with transaction.atomic():
        _audit(document, user, "document recorded").save()
    return document


def save_document(*, document: Document, user, reason: str = "document edited") -> Document:
    """Save an edited document, re-hashing its text so the snapshot and its hash never disagree."""
    document.text_sha256 = text_sha256(document.text)
    document.full_clean()
    with transaction.atomic():
        _audit(document, user, reason).save()
    return document


def record_claim(
    *,
    speaker: Source,
    text: str,
    user,
    kind: str = Claim.Kind.STATEMENT,
    quote: str = "",
    described_as: str = "",
    said_on: date | None = None,
    event: Event | None = None,
    figures: Iterable[dict] = (),
    appearances: Iterable[dict] = (),
) -> Claim:
    """Record a claim as made, unreviewed, with its figures and where it appears.

    `figures` are dicts of Figure fields; `appearances` are dicts of the keyword arguments of
    `record_appearance` without `claim` and `user`.
    """
    claim = Claim(
        speaker=speaker,
        text=text,
        kind=kind,
        quote=quote,
        described_as=described_as,
        said_on=said_on,
        event=event,
        created_by=user,
    )
    claim.full_clean()
    with transaction.atomic():
        _audit(claim, user, "claim recorded").save()
        for fields in figures:
            _save_figure(Figure(claim=claim, **fields), user, "figure recorded")
        for fields in appearances:
            _record_appearance(claim=claim, user=user, **fields)
    return claim


def update_claim(
    *, claim: Claim, user, expected_version: int | None = None, reason: str = "claim edited", **changes
) -> Claim:
    """Edit what a claim says or who said it; a reviewed status must still hold afterwards."""
    unknown = set(changes) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited here."))
    with transaction.atomic():
        locked = _locked_claim(claim, expected_version)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()  # Claim.clean() keeps a reviewed status justified
        _bump(locked, user, reason, fields=list(changes))
    return locked


def record_appearance(*, claim: Claim, user, **fields) -> Appearance:
    """Record where a claim appears, with its attribution chain from the speaker to the outlet.

    The excerpt must stand in the document's text (when a snapshot is kept): its offsets are
    located there when not given, and must point at it when they are. `relayed_by` lists the
    intermediaries in order, each a Source or a (Source, role) pair: the UN's figure relayed
    by Haimour is `relayed_by=[(haimour, "spokesman")]`. `speaker_role` is how the report
    describes the speaker in this place.
    """
    with transaction.atomic():
        locked = _locked_claim(claim)
        appearance = _record_appearance(claim=locked, user=user, **fields)
        _bump(locked, user, "appearance recorded")
    return appearance


def _record_appearance(
    *,
    claim: Claim,
    document: Document,
    excerpt: str,
    user,
    start: int | None = None,
    end: int | None = None,
    relayed_by: Sequence[Source | tuple[Source, str]] = (),
    speaker_role: str = "",
) -> Appearance:
    appearance = Appearance(claim=claim, document=document, excerpt=excerpt, start=start, end=end)
    appearance.full_clean()  # locates the excerpt in the document's text
    steps = [(claim.speaker, speaker_role)]
    steps += [step if isinstance(step, tuple) else (step, "") for step in relayed_by]
    if document.outlet_id != claim.speaker_id:
        steps.append((document.outlet, ""))
    _audit(appearance, user, "appearance recorded").save()
    for position, (source, role) in enumerate(steps):
        _audit(ChainLink(appearance=appearance, position=position, source=source, role=role), user, "chain").save()
    return appearance


def save_figure(*, figure: Figure, user, reason: str = "figure saved") -> Figure:
    """Add or edit one figure of a claim; a toll series stays within one speaker and metric."""
    with transaction.atomic():
        locked = _locked_claim(figure.claim)
        _save_figure(figure, user, reason)
        _bump(locked, user, reason)
    return figure


def _save_figure(figure: Figure, user, reason: str) -> None:
    figure.full_clean()
    problem = figure.supersession_error()
    if problem is not None:
        raise problem
    _audit(figure, user, reason).save()


def delete_figure(*, figure: Figure, user) -> None:
    with transaction.atomic():
        locked = _locked_claim(figure.claim)
        _audit(locked.figures.get(pk=figure.pk), user, "figure deleted").delete()
        _bump(locked, user, "figure deleted")


def add_evidence(
    *,
    claim: Claim,
    stance: str,
    note: str,
    added_by,
    evidence_claim: Claim | None = None,
    document: Document | None = None,
    source: Source | None = None,
    stated_on: date | None = None,
) -> Evidence:
    """Add supporting or contradicting evidence; its independence is computed, not given."""
    with transaction.atomic():
        locked = _locked_claim(claim)
        evidence = Evidence(
            claim=locked,
            stance=stance,
            note=note.strip(),
            added_by=added_by,
            evidence_claim=evidence_claim,
            document=document,
            source=source,
            stated_on=stated_on,
        )
        evidence.full_clean()
        _audit(evidence, added_by, "evidence added").save()
        _bump(locked, added_by, "evidence added")
    return evidence


def remove_evidence(*, evidence: Evidence, user) -> None:
    """Remove evidence, unless the claim's reviewed status rests on it."""
    with transaction.atomic():
        locked = _locked_claim(evidence.claim)
        # Delete a fresh copy, so a refusal leaves the caller's instance as it was.
        _audit(locked.evidence.get(pk=evidence.pk), user, "evidence removed").delete()
        locked.ensure_current_status_justified()
        _bump(locked, user, "evidence removed")


def record_verdict(
    *,
    claim: Claim,
    status: str,
    rationale: str,
    reviewer: AbstractBaseUser,
    superseded_by: Claim | None = None,
    expected_version: int | None = None,
) -> Verdict:
    """Append a verdict to the claim's history and make its status the claim's current one."""
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": ValidationError("Every verdict needs a rationale.", code="required")})
    with transaction.atomic():
        locked = _locked_claim(claim, expected_version)
        locked.ensure_status_justified(status, superseded_by=superseded_by)
        successor = superseded_by if status == Status.SUPERSEDED else None
        verdict = Verdict(claim=locked, status=status, rationale=rationale, reviewer=reviewer, superseded_by=successor)
        verdict.full_clean()
        _audit(verdict, reviewer, "verdict recorded").save()
        locked.status = status
        locked.superseded_by = successor
        _bump(locked, reviewer, f"verdict: {status}", fields=["status", "superseded_by"])
    return verdict
