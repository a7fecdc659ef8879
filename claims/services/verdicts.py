"""Verdicts: a reviewer proposes, an editor (a second person) publishes."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims.models import (
    Claim,
    ClaimChange,
    Status,
    Verdict,
)
from claims.services.writes import (
    audit,
    bump,
    changing,
    locked_claim,
    note,
)


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
    with changing():
        locked = locked_claim(claim, expected_version)
        locked.ensure_status_justified(status, superseded_by=superseded_by)
        successor = superseded_by if status == Status.SUPERSEDED else None
        verdict = Verdict(
            claim=locked, status=status, rationale=rationale, proposed_by=reviewer, superseded_by=successor
        )
        verdict.full_clean()
        audit(verdict, reviewer, "verdict proposed").save()
        note(locked, reviewer, f"verdict proposed: {status}")  # unseen until published
    return verdict


def publish_verdict(*, verdict: Verdict, editor: AbstractBaseUser, expected_version: int | None = None) -> Verdict:
    """Publish a proposed verdict: its status becomes the claim's, the one newsrooms see.

    Needs the publish permission and, unless VERDICT_SELF_PUBLISH is set for a one-person
    desk, someone other than the proposer. The rule is checked again against the evidence as
    it stands now, and only the newest verdict of a claim can be published.
    """
    if not editor.has_perm("claims.publish_verdict"):
        raise PermissionDenied("Only an editor can publish a verdict.")
    with changing():
        locked = locked_claim(verdict.claim, expected_version)
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
        audit(verdict, editor, "verdict published").save(update_fields=["published_by", "published_at"])
        locked.status = verdict.status
        locked.superseded_by = verdict.superseded_by
        locked.review_reason = ""
        bump(
            locked,
            editor,
            f"verdict published: {verdict.status}",
            fields=["status", "superseded_by", "review_reason"],
            change=ClaimChange.Kind.STATUS_PUBLISHED,
        )
    return verdict
