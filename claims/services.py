"""Every change of state in the tracker, one function each.

The admin, the API, the seed loader and the management commands all call these; none of them
writes claims, figures, appearances, evidence, verdicts or documents around them. Each
function locks what it changes, checks the rule, writes, bumps the claim's version and records
who did it and why in the audit history.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from claims import intake, limits
from claims.extraction import attribution
from claims.models import (
    Appearance,
    Candidate,
    ChainLink,
    ChangeSequence,
    Claim,
    ClaimChange,
    Event,
    Evidence,
    Figure,
    RatingMap,
    Status,
    Verdict,
)
from sources.models import Affiliation, Document, Source, canonical_url, text_sha256
from webhooks import services as webhooks

UNCONDITIONAL_STATUSES = (Status.UNREVIEWED, Status.UNCONFIRMED, Status.RETRACTED)
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


def _locked_claim(claim: Claim, expected_version: int | None = None, *, and_citing: bool = False) -> Claim:
    """Lock the claim for the caller's transaction, and with `and_citing` the claims whose
    evidence cites it: an edit that rejudges that evidence raises them too. Taking them now,
    before the change feed's counter, keeps one order (claims, then the counter), so a writer
    holding one of them never waits for the counter while this waits for it: a deadlock."""
    if and_citing:
        # One statement in id order: two claims citing each other, edited at once, then lock in
        # the same order instead of each holding one and waiting for the other.
        citing = Evidence.objects.filter(evidence_claim_id=claim.pk).values("claim_id")
        list(
            Claim.objects.select_for_update(of=("self",))
            .filter(Q(pk=claim.pk) | Q(pk__in=citing))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    # of=("self",): lock the claim row only, not its speaker's (PostgreSQL; SQLite ignores locks).
    locked = Claim.objects.select_for_update(of=("self",)).select_related("speaker").filter(pk=claim.pk).first()
    if locked is None:  # deleted by someone else since the caller read it
        raise ValidationError("Someone else deleted this claim meanwhile.", code="deleted")
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


def _bump(
    claim: Claim, user, reason: str, fields: Sequence[str] = (), change: str | None = ClaimChange.Kind.UPDATED
) -> None:
    """Save the claim with its version raised; `change` is what newsrooms see of it (None: nothing)."""
    claim.version += 1
    _audit(claim, user, reason).save(update_fields=[*fields, "version", "updated_at"])
    if change:
        _record_change(claim.pk, change, claim.status)


def _note(claim: Claim, user, reason: str, fields: Sequence[str] = ()) -> None:
    """A desk-internal write (an assignment, a proposal): kept in the claim's history with who
    and why, but leaving its version, its last-update time and the change feed alone, so
    nothing a newsroom sees moves until a verdict is published."""
    _audit(claim, user, reason).save(update_fields=list(fields) or ["status"])


def _record_change(claim_id: int, kind: str, status: str) -> None:
    """Append to the newsroom change feed, inside the caller's transaction.

    Raising the one counter row locks it until that transaction commits, so sequence order is
    commit order: a reader paging by sequence never skips a change that commits later.
    """
    if not ChangeSequence.objects.filter(pk=1).update(last=F("last") + 1):
        ChangeSequence.objects.get_or_create(pk=1)
        ChangeSequence.objects.filter(pk=1).update(last=F("last") + 1)
    seq = ChangeSequence.objects.values_list("last", flat=True).get(pk=1)
    change = ClaimChange.objects.create(seq=seq, claim_id=claim_id, kind=kind, status=status)
    webhooks.record_event(change=change)  # the outbox: in this same transaction


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
    _refuse_nul(url=url, title=title, text=text, byline=byline, language=language)
    limits.refuse_long_article(text)
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


def _refuse_nul(**fields: str) -> None:
    """Refuse, by field, text PostgreSQL cannot store rather than fail on the write: NUL, and a
    lone surrogate (JSON can spell one, "\\ud800"; UTF-8 cannot encode it)."""
    errors = {}
    for name, value in fields.items():
        if not value:
            continue
        if "\x00" in value:
            errors[name] = "The text holds NUL bytes: give it as plain text."
        elif not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[name] = "The text holds a lone surrogate, which is not a character: give it as plain text."
    if errors:
        raise ValidationError(errors)


def save_document(*, document: Document, user, reason: str = "document edited") -> Document:
    """Save an edited document, re-hashing its text so the snapshot and its hash never disagree."""
    _refuse_nul(url=document.url, title=document.title, text=document.text, byline=document.byline)
    sha256 = text_sha256(document.text)
    if sha256 != document.text_sha256:  # a changed text; one kept from before a lower limit may stay
        limits.refuse_long_article(document.text)
    document.text_sha256 = sha256
    document.full_clean()
    with transaction.atomic():
        _audit(document, user, reason).save()
        refresh_independence_around(documents=[document])  # wire copy is judged by text and origin
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
    machine_suggested: bool = False,
) -> Claim:
    """Record a claim as made, unreviewed, with its figures and where it appears.

    `figures` are dicts of Figure fields; `appearances` are dicts of the keyword arguments of
    `record_appearance` without `claim` and `user`.
    """
    _refuse_nul(text=text, quote=quote, described_as=described_as)
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
    )
    claim.full_clean()
    with transaction.atomic():
        _audit(claim, user, "claim recorded").save()
        for number, fields in enumerate(figures, start=1):
            with _errors_under("figures", number):
                _save_figure(Figure(claim=claim, **fields), user, "figure recorded")
        recorded = []
        for number, fields in enumerate(appearances, start=1):
            with _errors_under("appearances", number):
                recorded.append(_record_appearance(claim=claim, user=user, **fields))
        _record_change(claim.pk, ClaimChange.Kind.CREATED, claim.status)
        if recorded:  # the documents it stands in now rest on it too
            documents = [a.document_id for a in recorded]
            refresh_independence(Evidence.objects.filter(document__in=documents, attributed_to__isnull=True))
    return claim


@contextmanager
def _errors_under(field: str, number: int):
    """Report a nested object's errors under the caller's field: {"figures": ["Figure 2: low: …"]}."""
    try:
        yield
    except ValidationError as exc:
        label = f"{field[:-1].capitalize()} {number}"
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        messages = [
            f"{label}: {message}" if name == NON_FIELD_ERRORS else f"{label}: {name}: {message}"
            for name, items in errors.items()
            for item in items
            for message in item.messages
        ]
        raise ValidationError({field: messages}) from exc


def delete_claim(*, claim: Claim, user) -> None:
    """Delete a claim, leaving a tombstone in the change feed."""
    with transaction.atomic():
        locked = _locked_claim(claim)
        if locked.verdicts.exists():
            raise ValidationError(
                "This claim has verdicts, and verdicts are never deleted: record a retraction instead.",
                code="has_verdicts",
            )
        pk, status = locked.pk, locked.status
        _audit(locked, user, "claim deleted").delete()
        _record_change(pk, ClaimChange.Kind.DELETED, status)


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
    with transaction.atomic():
        locked = _locked_claim(claim, expected_version, and_citing=bool({"speaker", "said_on"} & set(changes)))
        if not changes:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()  # Claim.clean() keeps a reviewed status justified
        _bump(locked, user, reason, fields=list(changes))
        if {"speaker", "said_on"} & set(changes):
            refresh_independence(_evidence_resting_on(locked))
    return locked


def _evidence_resting_on(claim: Claim) -> QuerySet[Evidence]:
    """Evidence whose independence depends on this claim: its own, evidence citing it, and
    evidence citing a document it is recorded in (that document's support rests on it)."""
    documents = Appearance.objects.filter(claim=claim).values("document_id")
    return Evidence.objects.filter(
        Q(claim=claim) | Q(evidence_claim=claim) | Q(document__in=documents, attributed_to__isnull=True)
    )


def assign_claim(*, claim: Claim, assignee: AbstractBaseUser | None, by: AbstractBaseUser) -> Claim:
    """Give a claim to a reviewer (or take it back, with None)."""
    if assignee is not None and not (assignee.is_active and assignee.is_staff):
        raise ValidationError({"assigned_to": "Claims are assigned to active desk members only."})
    with transaction.atomic():
        locked = _locked_claim(claim)
        if locked.assigned_to_id == (assignee.pk if assignee else None):
            return locked
        locked.assigned_to = assignee
        reason = f"assigned to {assignee}" if assignee else "unassigned"
        _note(locked, by, reason, fields=["assigned_to"])
    return locked


def refresh_independence(evidence: QuerySet[Evidence]) -> int:
    """Recompute and store the independence of these evidence items; returns how many changed.

    A change that leaves a reviewed claim without what its published status needs is refused
    (ValidationError), so the caller's transaction rolls the whole edit back.
    """
    changed = _rejudge(evidence)
    _ensure_statuses_hold({e.claim_id for e in changed})
    _show_changed({e.claim_id for e in changed}, "evidence rejudged")
    return len(changed)


def _rejudge(evidence: QuerySet[Evidence], user=None) -> list[Evidence]:
    """Store the independence computed now; each changed item gets a history row."""
    changed = [e for e in evidence.select_related("claim__speaker") if e.store_independence()]
    bulk_update_with_history(
        changed,
        Evidence,
        ["independent", "independence_code", "independence_reason"],
        default_user=user,
        default_change_reason="independence rejudged",
    )
    return changed


def reassess_independence(*, user=None, batch_size: int = 500, progress=None) -> list[dict]:
    """Rejudge every evidence item under the rules as they stand, and put in the review queue
    each claim whose published confirmed or disputed verdict no longer stands, with the reason.

    A published verdict is never changed here: an editor decides. Returns what was flagged,
    one dict per claim ({"claim", "status", "reason"}). `progress(done, total)` is called
    after each batch.
    """
    ids = list(Evidence.objects.order_by("pk").values_list("pk", flat=True))
    touched: set[int] = set()
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            batch = Evidence.objects.filter(pk__in=ids[start : start + batch_size])
            changed = _rejudge(batch, user)
            touched |= {e.claim_id for e in changed}
            _show_changed({e.claim_id for e in changed}, "evidence rejudged")
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids))
    flagged = []
    reviewed = Claim.objects.filter(status__in=[Status.CONFIRMED, Status.DISPUTED]).order_by("pk")
    for claim in reviewed.iterator(chunk_size=500):
        try:
            claim.ensure_status_justified(claim.status)
        except ValidationError as exc:
            reason = f"Published {claim.status} no longer stands: {' '.join(exc.messages)}"
            flag_for_review(claim=claim, reason=reason, user=user)
            flagged.append({"claim": claim, "status": claim.status, "reason": reason})
    return flagged


def flag_for_review(*, claim: Claim, reason: str, user=None) -> Claim:
    """Put a reviewed claim back in the review queue, saying why; its published status stays
    until an editor publishes a new verdict, which clears the flag."""
    with transaction.atomic():
        locked = _locked_claim(claim)
        if locked.review_reason == reason[:1000]:
            return locked
        locked.review_reason = reason[:1000]
        _note(locked, user, "back in the review queue", fields=["review_reason"])
    return locked


def _show_changed(claim_ids: Iterable[int], reason: str) -> None:
    """Claims whose representation changed through something else (a source, a document,
    an evidence item's independence): raise their version and put them on the change feed."""
    for claim in Claim.objects.select_for_update(of=("self",)).filter(pk__in=set(claim_ids)).order_by("pk"):
        _bump(claim, None, reason)


def _ensure_statuses_hold(claim_ids: Iterable[int]) -> None:
    refusals = []
    for claim in Claim.objects.filter(pk__in=claim_ids).exclude(status__in=UNCONDITIONAL_STATUSES):
        try:
            claim.ensure_current_status_justified()
        except ValidationError as exc:
            refusals.append(f"“{claim}”: {' '.join(exc.messages)}")
    if refusals:
        raise ValidationError(
            ["This edit changes what published verdicts rest on. " + " ".join(refusals)], code="status_unjustified"
        )


def refresh_independence_around(*, sources: Iterable[Source] = (), documents: Iterable[Document] = ()) -> int:
    """Recompute the independence of every evidence item that an edit of these sources
    (their organization tree, affiliations) or documents (republication, text) could change."""
    related = set()
    for source in sources:
        related |= _tree_members(source)
    documents = list(documents)
    sources = [s.pk if isinstance(s, Source) else s for s in sources]
    shown = Claim.objects.filter(
        Q(speaker__in=sources) | Q(appearances__chain__source__in=sources) | Q(appearances__document__in=documents)
    ).values_list("pk", flat=True)
    _show_changed(shown, "source or document edited")  # names, roles and titles appear in claims
    affected = Evidence.objects.filter(
        Q(claim__speaker__in=related)
        | Q(source__in=related)
        | Q(attributed_to__in=related)
        | Q(document__appearances__claim__speaker__in=related)
        | Q(document__appearances__chain__source__in=related)
        | Q(evidence_claim__appearances__chain__source__in=related)
        | Q(evidence_claim__speaker__in=related)
        | Q(document__outlet__in=related)
        | Q(document__in=documents)
        | Q(claim__appearances__document__in=documents)
        | Q(evidence_claim__appearances__document__in=documents)
    ).distinct()
    return refresh_independence(affected)


def _tree_members(source: Source) -> set[int]:
    """Ids of everything in the organization trees `source` touches: organizations and their people."""
    roots = {source.tree_root().pk}
    roots |= {a.organization.tree_root().pk for a in source.affiliations.select_related("organization")}
    organizations, frontier = set(roots), set(roots)
    while frontier:
        frontier = set(Source.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - organizations
        organizations |= frontier
    people = set(Affiliation.objects.filter(organization__in=organizations).values_list("person", flat=True))
    return organizations | people | {source.pk}


def record_appearance(*, claim: Claim, user, **fields) -> Appearance:
    """Record where a claim appears, with its attribution chain from the speaker to the outlet.

    The excerpt must stand in the document's text (when a snapshot is kept): its offsets are
    located there when not given, and must point at it when they are. `relayed_by` lists the
    intermediaries in order, each a Source or a (Source, role) pair: the UN's figure relayed
    by Haimour is `relayed_by=[(haimour, "spokesman")]`. `speaker_role` is how the report
    describes the speaker in this place.
    """
    with transaction.atomic():
        locked = _locked_claim(claim, and_citing=True)
        appearance = _record_appearance(claim=locked, user=user, **fields)
        _bump(locked, user, "appearance recorded")
        # A new chain or report can make this claim's evidence, evidence citing it, or evidence
        # citing the document it now appears in, dependent.
        refresh_independence(_evidence_resting_on(locked))
    return appearance


def remove_appearance(*, appearance: Appearance, user) -> None:
    """Remove an appearance and its chain, unless a published status rests on them."""
    with transaction.atomic():
        locked = _locked_claim(appearance.claim, and_citing=True)
        current = locked.appearances.filter(pk=appearance.pk).first()
        if current is None:
            raise ValidationError("Someone else removed this appearance meanwhile.", code="deleted")
        resting = list(_evidence_resting_on(locked).values_list("pk", flat=True))
        _audit(current, user, "appearance removed").delete()
        _bump(locked, user, "appearance removed")
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
        if not figure._state.adding and not Figure.objects.filter(pk=figure.pk).exists():
            # Saving would write it back: someone deleted it while this edit was open.
            raise ValidationError("Someone else deleted this figure meanwhile.", code="deleted")
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
        current = locked.figures.filter(pk=figure.pk).first()
        if current is None:
            raise ValidationError("Someone else deleted this figure meanwhile.", code="deleted")
        _audit(current, user, "figure deleted").delete()
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
    attributed_to: Source | None = None,
    expected_version: int | None = None,
) -> Evidence:
    """Add supporting or contradicting evidence; its independence is computed, not given.

    For a document, `attributed_to` says whom its support rests on (its outlet for its own
    reporting); without it, the claims recorded in the document decide, and with none
    recorded the evidence's independence is unknown until someone says.
    """
    with transaction.atomic():
        locked = _locked_claim(claim, expected_version)
        evidence = Evidence(
            claim=locked,
            stance=stance,
            note=note.strip(),
            added_by=added_by,
            evidence_claim=evidence_claim,
            document=document,
            source=source,
            stated_on=stated_on,
            attributed_to=attributed_to,
        )
        evidence.full_clean()
        evidence.store_independence()
        _audit(evidence, added_by, "evidence added").save()
        _bump(locked, added_by, "evidence added")
    return evidence


def remove_evidence(*, evidence: Evidence, user) -> None:
    """Remove evidence, unless the claim's reviewed status rests on it."""
    with transaction.atomic():
        locked = _locked_claim(evidence.claim)
        # Delete a fresh copy, so a refusal leaves the caller's instance as it was.
        current = locked.evidence.filter(pk=evidence.pk).first()
        if current is None:
            raise ValidationError("Someone else removed this evidence meanwhile.", code="deleted")
        _audit(current, user, "evidence removed").delete()
        locked.ensure_current_status_justified()
        _bump(locked, user, "evidence removed")


def propose_verdict(
    *,
    claim: Claim,
    status: str,
    rationale: str,
    reviewer: AbstractBaseUser,
    superseded_by: Claim | None = None,
    expected_version: int | None = None,
) -> Verdict:
    """Append a proposed verdict to the claim's history; the status changes when an editor publishes it."""
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": ValidationError("Every verdict needs a rationale.", code="required")})
    with transaction.atomic():
        locked = _locked_claim(claim, expected_version)
        locked.ensure_status_justified(status, superseded_by=superseded_by)
        successor = superseded_by if status == Status.SUPERSEDED else None
        verdict = Verdict(
            claim=locked, status=status, rationale=rationale, proposed_by=reviewer, superseded_by=successor
        )
        verdict.full_clean()
        _audit(verdict, reviewer, "verdict proposed").save()
        _note(locked, reviewer, f"verdict proposed: {status}")  # unseen until published
    return verdict


def publish_verdict(*, verdict: Verdict, editor: AbstractBaseUser, expected_version: int | None = None) -> Verdict:
    """Publish a proposed verdict: its status becomes the claim's, the one newsrooms see.

    Needs the publish permission and, unless VERDICT_SELF_PUBLISH is set for a one-person
    desk, someone other than the proposer. The rule is checked again against the evidence as
    it stands now, and only the newest verdict of a claim can be published.
    """
    if not editor.has_perm("claims.publish_verdict"):
        raise PermissionDenied("Only an editor can publish a verdict.")
    with transaction.atomic():
        locked = _locked_claim(verdict.claim, expected_version)
        verdict = Verdict.objects.select_for_update().get(pk=verdict.pk)
        if verdict.is_published:
            raise ValidationError(
                f"This verdict was already published by {verdict.published_by}.", code="already_published"
            )
        if verdict.proposed_by_id == editor.pk and not settings.VERDICT_SELF_PUBLISH:
            raise ValidationError("Publishing needs a second person: you proposed this verdict.", code="same_person")
        if locked.verdicts.filter(pk__gt=verdict.pk).exists():
            raise ValidationError("A newer verdict has been proposed since; publish that one.", code="overtaken")
        locked.ensure_status_justified(verdict.status, superseded_by=verdict.superseded_by)
        verdict.published_by, verdict.published_at = editor, timezone.now()
        _audit(verdict, editor, "verdict published").save(update_fields=["published_by", "published_at"])
        locked.status = verdict.status
        locked.superseded_by = verdict.superseded_by
        locked.review_reason = ""
        _bump(
            locked,
            editor,
            f"verdict published: {verdict.status}",
            fields=["status", "superseded_by", "review_reason"],
            change=ClaimChange.Kind.STATUS_PUBLISHED,
        )
    return verdict


def import_article(
    *,
    url: str,
    outlet: Source,
    title: str,
    text: str,
    user,
    published_at: datetime | None = None,
    byline: str = "",
    language: str = "en",
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


def _relocate_appearances(document: Document, user) -> None:
    """After the text changed, point each recorded excerpt at where it stands now (or nowhere)."""
    for appearance in document.appearances.select_related("claim"):
        found = document.text.find(appearance.excerpt)
        start, end = (found, found + len(appearance.excerpt)) if found >= 0 else (None, None)
        if (start, end) != (appearance.start, appearance.end):
            appearance.start, appearance.end = start, end
            _audit(appearance, user, "text changed: excerpt relocated").save(update_fields=["start", "end"])


def _candidate(document: Document, found: dict) -> Candidate:
    speaker = found["speaker"]
    match, reason = intake.known_claim(
        text=found["text"],
        quote=found["quote"] or "",
        speaker_id=speaker["source_id"],
        figures=found["figures"],
        published=document.published_at.date() if document.published_at else None,
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


def accept_candidate(*, candidate: Candidate, user, edits: dict | None = None, as_new: bool = False) -> Claim:
    """Accept a candidate: a new appearance of the known claim it repeats, or a new claim
    (unreviewed, machine-suggested) with its figures, appearance and, if needed, its speaker."""
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().select_related("document").get(pk=candidate.pk)
        if candidate.state != Candidate.State.PENDING:
            raise ValidationError(f"This candidate was already {candidate.get_state_display()}.", code="reviewed")
        for field, value in (edits or {}).items():
            setattr(candidate, field, value)
        appearance = {
            "document": candidate.document,
            "excerpt": candidate.document.text[candidate.start : candidate.end],
            "start": candidate.start,
            "end": candidate.end,
            "speaker_role": candidate.speaker_mention,
        }
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
            )
        if candidate.match_claim_id and not as_new:
            claim = candidate.match_claim
            if not claim.appearances.filter(document=candidate.document, start=candidate.start).exists():
                record_appearance(claim=claim, user=user, **appearance)
            candidate.state = Candidate.State.MERGED
        else:
            speaker = candidate.speaker_source or _proposed_source(candidate)
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
            )
            candidate.state = Candidate.State.ACCEPTED
        candidate.claim, candidate.reviewed_by, candidate.reviewed_at = claim, user, timezone.now()
        _audit(candidate, user, candidate.state).save()
    return claim


def _proposed_source(candidate: Candidate) -> Source:
    """The speaker the reviewer accepts along with the claim."""
    source = Source(kind=_kind_of_new_speaker(candidate.speaker_name), name=candidate.speaker_name[:200])
    source.full_clean()
    source.save()
    return source


def _kind_of_new_speaker(name: str) -> str:
    """A proper name is a person, or an organization when it reads like one ("Red Crescent");
    a description ("a prison official") is an unnamed speaker."""
    if not attribution.is_name(name):
        return Source.Kind.UNNAMED
    return Source.Kind.ORGANIZATION if attribution.SPEAKER_NOUNS.search(name) else Source.Kind.PERSON


def reject_candidate(*, candidate: Candidate, user) -> Candidate:
    with transaction.atomic():
        candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.state != Candidate.State.PENDING:
            raise ValidationError(f"This candidate was already {candidate.get_state_display()}.", code="reviewed")
        candidate.state, candidate.reviewed_by, candidate.reviewed_at = Candidate.State.REJECTED, user, timezone.now()
        _audit(candidate, user, "rejected").save()
    return candidate


STANCE_OF = {
    Status.CONFIRMED: Evidence.Stance.SUPPORTS,
    Status.DISPUTED: Evidence.Stance.CONTRADICTS,
    Status.FALSE: Evidence.Stance.CONTRADICTS,
}


def import_claim_reviews(*, reviews: list[dict], user) -> dict:
    """Bring in other desks' fact-checks: each becomes a claim (the claimant its speaker), the
    external review a document and evidence, and its mapped rating a proposed verdict.

    Ratings not yet mapped are added to the rating map for a reviewer; their reviews are kept
    without evidence or verdict until then, and importing again completes them. Importing the
    same reviews twice changes nothing.
    """
    report = {"claims": 0, "evidence": 0, "verdicts": 0, "unmapped": set(), "skipped": [], "refused": []}
    for number, review in enumerate(reviews, start=1):
        if not review["text"] or not review["url"]:
            report["skipped"].append(f"review {number}: needs the claim's text and the review's URL")
            continue
        counted = {"claims": 0, "evidence": 0, "verdicts": 0, "unmapped": set(), "refused": []}
        try:
            with transaction.atomic():
                _import_review(review, user, counted)
        except ValidationError as exc:
            report["skipped"].append(f"review {number}: {' '.join(exc.messages)}")
            continue
        for key in ("claims", "evidence", "verdicts"):
            report[key] += counted[key]
        report["unmapped"] |= counted["unmapped"]
        report["refused"] += counted["refused"]
    report["unmapped"] = sorted(report["unmapped"])
    return report


def _import_review(review: dict, user, report: dict) -> None:
    speaker = _source_named(review["claimant"] or "unknown claimant", default_kind=Source.Kind.UNNAMED)
    claim = Claim.objects.filter(speaker=speaker, text=review["text"]).first()
    if claim is None and review["text"].endswith(("…", "...")):
        # ClaimReview shortens claimReviewed (under 75 characters for Google): match the start.
        claim = Claim.objects.filter(speaker=speaker, text__startswith=review["text"].rstrip("….").rstrip()).first()
    if claim is None:
        claim = record_claim(speaker=speaker, text=review["text"], said_on=review["claim_date"], user=user)
        report["claims"] += 1
    publisher = _source_named(
        review["publisher"] or review["site"] or "unknown publisher", default_kind=Source.Kind.OUTLET
    )
    if publisher.kind != Source.Kind.OUTLET:
        publisher = Source.objects.get_or_create(kind=Source.Kind.OUTLET, name=publisher.name)[0]
    document = Document.objects.for_url(review["url"]).first() or record_document(
        url=review["url"],
        outlet=publisher,
        title=review["title"] or review["text"][:500],
        language=review["language"],
        published_at=_midnight(review["review_date"]),
        user=user,
    )
    rating, _ = RatingMap.objects.get_or_create(rating=RatingMap.fold(review["rating"] or "(no rating)"))
    if not rating.status:
        report["unmapped"].add(rating.rating)
        return
    status = Status(rating.status)
    rationale = f"{publisher.name} rated it “{review['rating']}”: {document.url}"
    if status in STANCE_OF and not claim.evidence.filter(document=document).exists():
        add_evidence(
            claim=claim,
            stance=STANCE_OF[status],
            note=rationale,
            added_by=user,
            document=document,
            attributed_to=document.outlet,  # a review is its publisher's own reporting
        )
        report["evidence"] += 1
    if claim.verdicts.filter(rationale=rationale).exists():
        return
    if user is None:
        report["refused"].append(f"“{claim}”: a verdict needs a desk member to propose it")
        return
    try:
        with transaction.atomic():
            propose_verdict(claim=claim, status=status, rationale=rationale, reviewer=user)
        report["verdicts"] += 1
    except ValidationError as exc:
        report["refused"].append(f"“{claim}”: {' '.join(exc.messages)}")


def _source_named(name: str, default_kind: str) -> Source:
    found = Source.objects.matching(name).first()
    if found is not None:
        return found
    kind = _kind_of_new_speaker(name) if default_kind == Source.Kind.UNNAMED else default_kind
    source = Source(kind=kind, name=name[:200])
    source.full_clean()
    source.save()
    return source


def _midnight(day: date | None):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) if day else None
