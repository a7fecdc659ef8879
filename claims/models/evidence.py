"""Evidence for or against a claim, with its computed independence."""

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from claims.independence import assess
from claims.models.lengths import NOTE, at_most
from sources.models import Document, Source


class Evidence(models.Model):
    """Something that supports or contradicts a claim: another claim, a document, or a source's statement."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "supports"
        PARTLY_SUPPORTS = "partly_supports", "partly supports"
        CONTRADICTS = "contradicts", "contradicts"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="evidence")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    evidence_claim = models.ForeignKey(
        "claims.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="cited_as_evidence"
    )
    document = models.ForeignKey(
        Document, null=True, blank=True, on_delete=models.PROTECT, related_name="cited_as_evidence"
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements_as_evidence",
        help_text="For a source's own statement to the desk, e.g. a hospital director's count.",
    )
    stated_on = models.DateField(null=True, blank=True, help_text="When the source said it, for a statement.")
    attributed_to = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attributed_evidence",
        help_text="For a document: whom its supporting content rests on. Its outlet for the outlet's own "
        "reporting, or the source it quotes. Leave empty when the desk has recorded the document's claims.",
    )
    note = models.TextField(**at_most(NOTE))
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The last computed independence, kept for reads that must not recompute it per row (the
    # queue filter, the API): True, False, or NULL while unknown. Verdict rules always
    # recompute; claims.services keeps these fresh.
    independent = models.BooleanField(null=True, editable=False)
    independence_code = models.CharField(max_length=32, blank=True, editable=False)
    independence_reason = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["claim", "pk"]
        indexes = [
            # The queue's "independent support" filter.
            models.Index(
                fields=["claim"], condition=Q(stance="supports", independent=True), name="evidence_indep_support_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(stance__in=["supports", "partly_supports", "contradicts"]),
                name="evidence_valid_stance",
                violation_error_message="Choose a valid stance.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(evidence_claim__isnull=False, document__isnull=True, source__isnull=True)
                    | Q(evidence_claim__isnull=True, document__isnull=False, source__isnull=True)
                    | Q(evidence_claim__isnull=True, document__isnull=True, source__isnull=False)
                ),
                name="evidence_has_exactly_one_basis",
                violation_error_message="Evidence is one of: another claim, a document, or a source's statement.",
            ),
            models.CheckConstraint(
                condition=Q(attributed_to__isnull=True) | Q(document__isnull=False),
                name="evidence_attribution_only_for_documents",
                violation_error_message="Attribute only a document's support; a claim or statement has its speaker.",
            ),
            models.CheckConstraint(
                condition=~Q(evidence_claim=F("claim")),
                name="evidence_not_the_claim_itself",
                violation_error_message="A claim cannot be evidence for itself.",
            ),
            models.CheckConstraint(
                condition=~Q(note=""),
                name="evidence_note_not_blank",
                violation_error_message="Say what the evidence shows.",
            ),
        ]

    def __str__(self):
        """In words, as history and delete pages show it: "UN OCHA supports “at least 500 …”"."""
        claim = self.claim.text if self.claim_id else ""
        snippet = claim if len(claim) <= 60 else claim[:59] + "…"
        return f"{self.origin or 'An unnamed source'} {self.get_stance_display().lower()} “{snippet}”"

    @property
    def origin(self) -> Source | None:
        """The source the evidence ultimately comes from."""
        if self.evidence_claim_id:
            return self.evidence_claim.speaker
        if self.document_id:
            return self.document.outlet
        return self.source

    @property
    def basis(self) -> str:
        """What the evidence rests on: another claim, a document, or a source's statement."""
        return "claim" if self.evidence_claim_id else "document" if self.document_id else "statement"

    @property
    def origin_date(self):
        if self.evidence_claim_id:
            return self.evidence_claim.said_on
        if self.document_id:
            return self.document.published_at.date() if self.document.published_at else None
        return self.stated_on

    @cached_property
    def independence(self):
        """Independence computed now, from the sources, affiliations and chains as they stand."""
        return assess(self)

    def store_independence(self) -> bool:
        """Copy the computed independence into the stored fields; True if it changed."""
        found = self.independence
        stored = (self.independent, self.independence_code, self.independence_reason)
        self.independent, self.independence_code, self.independence_reason = found.independent, found.code, found.reason
        return stored != (found.independent, found.code, found.reason)
