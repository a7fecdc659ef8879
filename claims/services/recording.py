"""Claims as made: their text and speaker, figures, appearances and chains, and assignment."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError

from claims.models import (
    Appearance,
    ChainLink,
    Claim,
    ClaimChange,
    Event,
    Evidence,
    Figure,
)
from claims.roles import is_assignable
from claims.services.evidence import (
    evidence_resting_on,
    refresh_independence,
    show_changed,
)
from claims.services.verification_notes import note_in
from claims.services.writes import (
    CLAIM_FIELDS,
    audit,
    bump,
    changing,
    errors_under,
    locked_claim,
    note,
    record_change,
    refuse_nul,
    shown,
)
from sources.models import Document, Source


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
    machine_suggested: bool = False,
    language: str = "en",
) -> Claim:
    """Record a claim as made, unreviewed, with its figures and where it appears.

    `figures` are dicts of Figure fields; `appearances` are dicts of the keyword arguments of
    `record_appearance` without `claim` and `user`.
    """
    refuse_nul(text=text, quote=quote, described_as=described_as)
    claim = Claim(
        speaker=speaker,
        text=text,
        kind=kind,
        quote=quote,
        described_as=described_as,
        said_on=said_on,
        event=event,
        created_by=user,
        machine_suggested=machine_suggested,
        language=language,
    )
    claim.full_clean()
    with changing():
        audit(claim, user, "claim recorded").save()
        for number, fields in enumerate(figures, start=1):
            with errors_under("figures", number):
                _save_figure(Figure(claim=claim, **fields), user, "figure recorded")
        recorded = []
        for number, fields in enumerate(appearances, start=1):
            with errors_under("appearances", number):
                recorded.append(_record_appearance(claim=claim, user=user, **fields))
        record_change(claim.pk, ClaimChange.Kind.CREATED, claim.status)
        shown([claim.pk])
        if recorded:  # the documents it stands in now rest on it too
            documents = [a.document_id for a in recorded]
            refresh_independence(Evidence.objects.filter(document__in=documents, attributed_to__isnull=True))
    return claim


def delete_claim(*, claim: Claim, user) -> None:
    """Delete a claim, leaving a tombstone in the change feed."""
    with changing():
        locked = locked_claim(claim)
        if locked.verdicts.exists():
            raise ValidationError(
                "This claim has verdicts, and verdicts are never deleted: record a retraction instead.",
                code="has_verdicts",
            )
        pk, status = locked.pk, locked.status
        neighbours = claims_of_neighbours(locked.figures.all()) - {pk}
        audit(locked, user, "claim deleted").delete()
        record_change(pk, ClaimChange.Kind.DELETED, status)
        show_changed(neighbours, "superseding figure deleted")


def delete_event(*, event: Event, user) -> None:
    """Delete an event; its claims keep everything else, and show that they name no event now."""
    with changing():
        claims = set(event.claims.values_list("pk", flat=True))
        audit(event, user, "event deleted").delete()  # the claims' event becomes NULL
        show_changed(claims, "event deleted")


def update_claim(
    *, claim: Claim, user, expected_version: int | None = None, reason: str = "claim edited", **changes
) -> Claim:
    """Edit what a claim says or who said it; a reviewed status must still hold afterwards.

    With no changes it only locks the claim for the caller's transaction, refusing a stale
    `expected_version`: the admin saves a page's figures and evidence under that lock.
    """
    unknown = set(changes) - set(CLAIM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be edited here."))
    with changing():
        locked = locked_claim(claim, expected_version, and_citing=bool({"speaker", "said_on"} & set(changes)))
        if not changes:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()  # Claim.clean() keeps a reviewed status justified
        bump(locked, user, reason, fields=list(changes))
        if "speaker" in changes:  # evidence citing this claim names its speaker as origin
            show_changed(
                set(locked.cited_as_evidence.values_list("claim_id", flat=True)) - {locked.pk}, "cited claim edited"
            )
        if {"speaker", "said_on"} & set(changes):
            refresh_independence(evidence_resting_on(locked))
    return locked


def assign_claim(*, claim: Claim, assignee: AbstractBaseUser | None, by: AbstractBaseUser) -> Claim:
    """Give a claim to a reviewer (or take it back, with None)."""
    if assignee is not None and not is_assignable(assignee):
        raise ValidationError({"assigned_to": "Claims are assigned to active desk members only."})
    with changing():
        locked = locked_claim(claim)
        if locked.assigned_to_id == (assignee.pk if assignee else None):
            return locked
        locked.assigned_to = assignee
        reason = f"assigned to {assignee}" if assignee else "unassigned"
        note(locked, by, reason, fields=["assigned_to"])
    return locked


def record_appearance(*, claim: Claim, user, **fields) -> Appearance:
    """Record where a claim appears, with its attribution chain from the speaker to the outlet.

    The excerpt must stand in the document's text (when a snapshot is kept): its offsets are
    located there when not given, and must point at it when they are. `relayed_by` lists the
    intermediaries in order, each a Source or a (Source, role) pair: the UN's figure relayed
    by Haimour is `relayed_by=[(haimour, "spokesman")]`. `speaker_role` is how the report
    describes the speaker in this place.
    """
    with changing():
        locked = locked_claim(claim, and_citing=True)
        appearance = _record_appearance(claim=locked, user=user, **fields)
        bump(locked, user, "appearance recorded")
        # A new chain or report can make this claim's evidence, evidence citing it, or evidence
        # citing the document it now appears in, dependent.
        refresh_independence(evidence_resting_on(locked))
    return appearance


def remove_appearance(*, appearance: Appearance, user) -> None:
    """Remove an appearance and its chain, unless a published status rests on them."""
    with changing():
        locked = locked_claim(appearance.claim, and_citing=True)
        current = locked.appearances.filter(pk=appearance.pk).first()
        if current is None:
            raise ValidationError("Someone else removed this appearance meanwhile.", code="deleted")
        resting = list(evidence_resting_on(locked).values_list("pk", flat=True))
        audit(current, user, "appearance removed").delete()
        bump(locked, user, "appearance removed")
        refresh_independence(Evidence.objects.filter(pk__in=resting))
        locked.ensure_current_status_justified()


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
    verification_note: str = "",
    verification_note_start: int | None = None,
    verification_note_end: int | None = None,
) -> Appearance:
    appearance = Appearance(claim=claim, document=document, excerpt=excerpt, start=start, end=end)
    if verification_note:  # the report's own hedge, where it stands in the text (see verification_notes)
        appearance.verification_note, appearance.verification_note_start, appearance.verification_note_end = note_in(
            document, verification_note, verification_note_start, verification_note_end
        )
    appearance.full_clean()  # locates the excerpt in the document's text
    steps = [(claim.speaker, speaker_role)]
    steps += [step if isinstance(step, tuple) else (step, "") for step in relayed_by]
    if document.outlet_id != claim.speaker_id:
        steps.append((document.outlet, ""))
    audit(appearance, user, "appearance recorded").save()
    for position, (source, role) in enumerate(steps):
        audit(ChainLink(appearance=appearance, position=position, source=source, role=role), user, "chain").save()
    return appearance


def save_figure(*, figure: Figure, user, reason: str = "figure saved") -> Figure:
    """Add or edit one figure of a claim; a toll series stays within one speaker and metric."""
    with changing():
        locked = locked_claim(figure.claim)
        if not figure._state.adding and not Figure.objects.filter(pk=figure.pk).exists():
            # Saving would write it back: someone deleted it while this edit was open.
            raise ValidationError("Someone else deleted this figure meanwhile.", code="deleted")
        _save_figure(figure, user, reason)
        bump(locked, user, reason)
    return figure


def _save_figure(figure: Figure, user, reason: str) -> None:
    figure.full_clean()
    problem = figure.supersession_error()
    if problem is not None:
        raise problem
    before = Figure.objects.filter(pk=figure.pk).values_list("supersedes_id", flat=True).first() if figure.pk else None
    audit(figure, user, reason).save()
    if before != figure.supersedes_id:  # the figures it no longer or now supersedes say so too
        show_predecessors_changed([before, figure.supersedes_id], reason, besides=figure.claim_id)


def show_predecessors_changed(figure_ids: Iterable[int | None], reason: str, *, besides: int) -> None:
    """The claims of these figures print which figure supersedes each ("superseded_by")."""
    claims = Figure.objects.filter(pk__in=[pk for pk in figure_ids if pk]).values_list("claim_id", flat=True)
    show_changed(set(claims) - {besides}, reason)


def claims_of_neighbours(figures) -> set[int]:
    """Claims of the figures these supersede or are superseded by: deleting them changes those."""
    predecessors = Figure.objects.filter(pk__in=figures.values("supersedes_id")).values_list("claim_id", flat=True)
    successors = Figure.objects.filter(supersedes__in=figures).values_list("claim_id", flat=True)
    return {*predecessors, *successors}


def delete_figure(*, figure: Figure, user) -> None:
    with changing():
        locked = locked_claim(figure.claim)
        current = locked.figures.filter(pk=figure.pk).first()
        if current is None:
            raise ValidationError("Someone else deleted this figure meanwhile.", code="deleted")
        neighbours = claims_of_neighbours(Figure.objects.filter(pk=current.pk))
        audit(current, user, "figure deleted").delete()
        bump(locked, user, "figure deleted")
        show_changed(neighbours - {locked.pk}, "figure deleted")
