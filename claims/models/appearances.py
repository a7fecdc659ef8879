"""Where a claim appears, and the attribution chain that carried it there."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from claims.models.lengths import EXCERPT, NOTE, at_most
from sources.models import Document, Source


class Appearance(models.Model):
    """Where a claim appears: a document, the excerpt, and the chain that carried it there."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="appearances")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="appearances")
    excerpt = models.TextField(**at_most(EXCERPT))
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Character offset into the document's text.")
    end = models.PositiveIntegerField(null=True, blank=True)
    # The report's own hedge ("The figures could not be independently confirmed"): a fact about
    # the report, distinct from the desk's verdict, with where it stands in the document's text.
    verification_note = models.TextField(
        blank=True,
        db_default="",
        default="",
        help_text="What the report itself says about verifying this claim, as it says it.",
        **at_most(NOTE),
    )
    verification_note_start = models.PositiveIntegerField(null=True, blank=True)
    verification_note_end = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "document__published_at", "start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True))
                | (Q(start__isnull=False, end__isnull=False) & Q(end__gt=F("start"))),
                name="appearance_offsets_ordered",
                violation_error_message="Give both offsets, with the end after the start.",
            ),
            models.UniqueConstraint(
                fields=["claim", "document", "start"],
                name="appearance_unique_span",
                violation_error_message="This claim already appears at that place in the document.",
            ),
            models.CheckConstraint(
                condition=(Q(verification_note_start__isnull=True) & Q(verification_note_end__isnull=True))
                | (
                    Q(verification_note_start__isnull=False, verification_note_end__isnull=False)
                    & Q(verification_note_end__gt=F("verification_note_start"))
                ),
                name="appearance_note_offsets_ordered",
                violation_error_message="Give both offsets of the verification note, with the end after the start.",
            ),
            models.CheckConstraint(
                condition=~Q(excerpt=""),
                name="appearance_excerpt_not_blank",
                violation_error_message="Give the excerpt.",
            ),
        ]

    def __str__(self):
        return f"{self.claim} in {self.document}"

    def clean(self):
        """The excerpt must stand in the document's text: locate it, or check the offsets given."""
        if self.document_id is None or not self.excerpt:
            return
        text = self.document.text
        if self.start is None and self.end is None:
            found = text.find(self.excerpt)
            if found >= 0:
                self.start, self.end = found, found + len(self.excerpt)
            elif text:
                raise ValidationError({"excerpt": "This excerpt is not in the document's text; quote it as it stands."})
        elif self.start is None or self.end is None or text[self.start : self.end] != self.excerpt:
            raise ValidationError({"start": "The excerpt is not at these offsets in the document's text."})

    def chain_text(self) -> str:
        return " → ".join(str(link) for link in self.chain.all())


class ChainLink(models.Model):
    """One step of an attribution chain, from the origin (position 0) to the outlet."""

    appearance = models.ForeignKey(Appearance, on_delete=models.CASCADE, related_name="chain")
    position = models.PositiveSmallIntegerField()
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="chain_links")
    role = models.CharField(max_length=200, blank=True, help_text='As given in the report: "spokesman, Anbar".')

    history = HistoricalRecords()

    class Meta:
        ordering = ["appearance", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["appearance", "position"],
                name="chain_link_unique_position",
                violation_error_message="Each place in a chain holds one source.",
            ),
        ]

    def __str__(self):
        return f"{self.source} ({self.role})" if self.role else str(self.source)
