"""Claims the extractor suggests, waiting for a reviewer."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sources.models import Document, Source


class Candidate(models.Model):
    """A claim the extractor suggests from an imported article, waiting for a reviewer."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted as a new claim"
        MERGED = "merged", "accepted as a new appearance of a known claim"
        REJECTED = "rejected", "rejected"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="candidates")
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    cue = models.CharField(max_length=40, blank=True)
    quote = models.TextField(blank=True)
    said_on = models.DateField(null=True, blank=True)
    speaker_mention = models.CharField(max_length=300)
    speaker_name = models.CharField(
        max_length=200, help_text="The name to record; a new source is made if none matches."
    )
    speaker_source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The known source, if any.",
    )
    speaker_start = models.PositiveIntegerField()
    speaker_end = models.PositiveIntegerField()
    figures = models.JSONField(default=list, blank=True)
    match_claim = models.ForeignKey(
        "claims.Claim",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A known claim this repeats.",
    )
    match_reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "merged", "rejected"]),
                name="candidate_valid_state",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="candidate_span_ordered"),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(reviewed_at__isnull=False),
                name="candidate_reviewed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.speaker_name}: {self.text[:60]}"

    @property
    def is_pending(self) -> bool:
        """Waiting for review: the only state in which a reviewer may edit, accept or reject it."""
        return self.state == self.State.PENDING
