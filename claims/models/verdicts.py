"""The append-only verdict history: proposed by a reviewer, published by an editor."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.lengths import RATIONALE, at_most
from claims.models.status import Status


class VerdictQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def proposed(self):
        """Proposals not yet published (including ones a newer verdict has overtaken)."""
        return self.filter(published_at__isnull=True)

    def awaiting_publication(self):
        """The proposals an editor can still publish: each claim's newest verdict, if unpublished."""
        newer = Verdict.objects.filter(claim=models.OuterRef("claim"), pk__gt=models.OuterRef("pk"))
        return self.proposed().filter(~models.Exists(newer))


class Verdict(models.Model):
    """One entry in a claim's append-only verdict history.

    A reviewer proposes a verdict; an editor, a different person, publishes it. Only a
    published verdict sets the claim's status, which is all a newsroom sees.
    """

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="verdicts")  # never lose a verdict
    status = models.CharField(max_length=16, choices=Status.choices)
    rationale = models.TextField(**at_most(RATIONALE))
    superseded_by = models.ForeignKey("claims.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposed_verdicts"
    )
    created_at = models.DateTimeField("proposed at", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="published_verdicts"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = VerdictQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "created_at", "pk"]
        get_latest_by = ["created_at", "pk"]
        permissions = [("publish_verdict", "Can publish a proposed verdict")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values) & ~Q(status=Status.UNREVIEWED),
                name="verdict_valid_status",
                violation_error_message="A verdict records a reviewed status.",
            ),
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="verdict_rationale_required",
                violation_error_message="Every verdict needs a rationale.",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SUPERSEDED) | Q(superseded_by__isnull=False),
                name="verdict_superseded_names_successor",
                violation_error_message="A superseded verdict must name the claim that supersedes it.",
            ),
            models.CheckConstraint(
                condition=Q(published_by__isnull=True, published_at__isnull=True)
                | Q(published_by__isnull=False, published_at__isnull=False),
                name="verdict_published_by_someone_at_a_time",
                violation_error_message="A published verdict records who published it and when.",
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} proposed by {self.proposed_by} on {self.created_at:%Y-%m-%d}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
