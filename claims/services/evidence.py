"""Evidence and its independence: adding and removing it, rejudging it after an edit, and
putting claims whose published verdict no longer stands back in the review queue."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from simple_history.utils import bulk_update_with_history

from claims.models import (
    UNCONDITIONAL_STATUSES,
    Appearance,
    ChainLink,
    Claim,
    Evidence,
    Status,
)
from claims.services.writes import (
    audit,
    bump,
    changing,
    locked_claim,
    note,
)
from sources.models import Affiliation, Document, Source


def evidence_resting_on(claim: Claim) -> QuerySet[Evidence]:
    """Evidence whose independence depends on this claim: its own, evidence citing it, and
    evidence citing a document it is recorded in (that document's support rests on it)."""
    documents = Appearance.objects.filter(claim=claim).values("document_id")
    return Evidence.objects.filter(
        Q(claim=claim) | Q(evidence_claim=claim) | Q(document__in=documents, attributed_to__isnull=True)
    )


def refresh_independence(evidence: QuerySet[Evidence]) -> int:
    """Recompute and store the independence of these evidence items; returns how many changed.

    A change that leaves a reviewed claim without what its published status needs is refused
    (ValidationError), so the caller's transaction rolls the whole edit back.
    """
    with changing():
        changed = _rejudge(evidence)
        ensure_statuses_hold({e.claim_id for e in changed})
        show_changed({e.claim_id for e in changed}, "evidence rejudged")
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
        with changing():
            batch = Evidence.objects.filter(pk__in=ids[start : start + batch_size])
            changed = _rejudge(batch, user)
            touched |= {e.claim_id for e in changed}
            show_changed({e.claim_id for e in changed}, "evidence rejudged")
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
    with changing():
        locked = locked_claim(claim)
        if locked.review_reason == reason[:1000]:
            return locked
        locked.review_reason = reason[:1000]
        note(locked, user, "back in the review queue", fields=["review_reason"])
    return locked


def show_changed(claim_ids: Iterable[int], reason: str) -> None:
    """Claims whose representation changed through something else (a source, a document,
    an evidence item's independence): raise their version and put them on the change feed."""
    for claim in Claim.objects.select_for_update(of=("self",)).filter(pk__in=set(claim_ids)).order_by("pk"):
        bump(claim, None, reason)


def ensure_statuses_hold(claim_ids: Iterable[int]) -> None:
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
    """After an edit of these sources (a name, their organization tree, affiliations) or
    documents (a title, republication, text): show the claims that print them changed, and
    recompute the independence of every evidence item the edit could change."""
    related = set()
    for source in sources:
        related |= _tree_members(source)
    documents = list(documents)
    sources = [s.pk if isinstance(s, Source) else s for s in sources]
    with changing():
        show_changed(claims_showing(sources=sources, documents=documents), "source or document edited")
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


def claims_showing(*, sources: Iterable[int] = (), documents: Iterable[int] = ()) -> set[int]:
    """Ids of the claims whose representation prints something of these sources or documents:
    as speaker, the speaker's organization, a link of a chain, an outlet, an evidence item's
    origin, or a document they appear in or cite."""
    sources, documents = list(sources), list(documents)
    ids: set[int] = set()
    if sources:
        people = Affiliation.objects.filter(organization__in=sources).values("person")
        ids |= set(Claim.objects.filter(Q(speaker__in=sources) | Q(speaker__in=people)).values_list("pk", flat=True))
        ids |= set(ChainLink.objects.filter(source__in=sources).values_list("appearance__claim_id", flat=True))
    if sources or documents:
        appearing = Q(document__outlet__in=sources) | Q(document__in=documents)
        ids |= set(Appearance.objects.filter(appearing).values_list("claim_id", flat=True))
        citing = appearing | Q(source__in=sources) | Q(evidence_claim__speaker__in=sources)
        ids |= set(Evidence.objects.filter(citing).values_list("claim_id", flat=True))
    return ids


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
    with changing():
        locked = locked_claim(claim, expected_version)
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
        audit(evidence, added_by, "evidence added").save()
        bump(locked, added_by, "evidence added")
    return evidence


def remove_evidence(*, evidence: Evidence, user) -> None:
    """Remove evidence, unless the claim's reviewed status rests on it."""
    with changing():
        locked = locked_claim(evidence.claim)
        # Delete a fresh copy, so a refusal leaves the caller's instance as it was.
        current = locked.evidence.filter(pk=evidence.pk).first()
        if current is None:
            raise ValidationError("Someone else removed this evidence meanwhile.", code="deleted")
        audit(current, user, "evidence removed").delete()
        locked.ensure_current_status_justified()
        bump(locked, user, "evidence removed")
