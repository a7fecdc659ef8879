"""The read model: each claim's public representation, rendered once and stored."""

from django.db import models
from django.db.models import Q


class ClaimRendering(models.Model):
    """What GET /api/v1/claims/{id}/ answers for a claim, as stored JSON text.

    Only claims.rendering writes it, in the transaction of the change it shows. Its URLs are
    relative ("/api/v1/claims/1/"); the API makes them absolute for the request's host. A
    rendering whose `version` or `updated_at` is not the claim's is stale (a raw SQL update
    that touched the row), and a read renders it again.
    """

    claim = models.OneToOneField("claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="rendering")
    version = models.PositiveIntegerField(help_text="The claim's version this was rendered at.")
    updated_at = models.DateTimeField(help_text="The claim's last update this was rendered at.")
    body = models.TextField(help_text="The representation as JSON text, URLs relative.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="claim_rendering_version_positive",
                violation_error_message="A rendering shows a version of its claim.",
            ),
            models.CheckConstraint(
                condition=Q(body__startswith="{"),
                name="claim_rendering_body_is_object",
                violation_error_message="A rendering is a JSON object.",
            ),
        ]

    def __str__(self):
        return f"claim {self.claim_id} at version {self.version}"
