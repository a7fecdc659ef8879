"""A claim, who made it, and the read rules on it: search, outlet, queue, and what a status needs."""

from django.conf import settings
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from simple_history.models import HistoricalRecords

from claims.models.appearances import Appearance
from claims.models.events import Event
from claims.models.evidence import Evidence
from claims.models.lengths import CLAIM_TEXT, QUOTE, at_most
from claims.models.status import NEEDS_SUCCESSOR, UNCONDITIONAL_STATUSES, Status
from claims.models.verdicts import Verdict
from claims.roles import ASSIGNABLE
from sources.languages import validate_language_tag
from sources.models import Source, SourceAlias


class ClaimQuerySet(models.QuerySet):
    SPEAKERS_PER_SEARCH = 50

    def search(self, words: str):
        """Claims whose text, quote or speaker holds `words`.

        On PostgreSQL the words are matched as a web search against the stored tsvector, and a
        speaker's name or alias also matches despite small misspellings ("Haimor"), by trigram
        word similarity. Elsewhere each word must be found, by substring, in one of them.
        """
        if connections[self.db].vendor != "postgresql":
            found = self
            for word in words.split() or [words]:  # every word, each anywhere: "killed Ramadi"
                named = Q(name__icontains=word)
                found = found.filter(
                    Q(text__icontains=word)
                    | Q(quote__icontains=word)
                    | Q(speaker__in=Source.objects.filter(named))
                    | Q(speaker__in=SourceAlias.objects.filter(named).values("source"))
                )
            return found
        # The closest speakers by name and by alias, at most SPEAKERS_PER_SEARCH of each, as a
        # list: the planner can then use the speaker index when the words themselves are rare.
        closeness = TrigramWordSimilarity(Value(words), "name")
        similar = Q(name__trigram_word_similar=words)
        names = Source.objects.filter(similar).annotate(closeness=closeness).order_by("-closeness", "pk")
        aliases = SourceAlias.objects.filter(similar).annotate(closeness=closeness).order_by("-closeness", "source")
        speakers = {
            *names.values_list("pk", flat=True)[: self.SPEAKERS_PER_SEARCH],
            *aliases.values_list("source", flat=True)[: self.SPEAKERS_PER_SEARCH],
        }
        text = RawSQL(
            "claims_claim.search_vector @@ websearch_to_tsquery('english'::regconfig, %s)",
            [words],
            output_field=models.BooleanField(),
        )
        return self.filter(Q(text) | Q(speaker__in=sorted(speakers)))

    def with_published_verdict(self):
        """Claims a published verdict speaks for. A claim's status leaves "unreviewed" only when
        `publish_verdict` publishes one (a verdict cannot be "unreviewed": its constraint), so
        the status says it without a look at the verdicts, and the status index serves it."""
        return self.exclude(status=Status.UNREVIEWED)

    def in_outlet(self, outlet_id: int):
        """Claims that appear in a document of this outlet. On PostgreSQL a trigger keeps each
        claim's outlets on its row (migration 0009), so this is checked beside the list order."""
        if connections[self.db].vendor == "postgresql":
            return self.filter(
                RawSQL(
                    "claims_claim.outlet_ids @> ARRAY[%s]::bigint[]", [outlet_id], output_field=models.BooleanField()
                )
            )
        return self.filter(
            models.Exists(Appearance.objects.filter(claim=models.OuterRef("pk"), document__outlet_id=outlet_id))
        )

    def flagged_for_review(self):
        return self.exclude(review_reason="")

    def independently_supported(self, supported: bool = True):
        """Claims with a supporting evidence item from an independent origin (as last computed),
        or with `supported=False` those without one."""
        condition = models.Exists(
            Evidence.objects.filter(claim=models.OuterRef("pk"), stance=Evidence.Stance.SUPPORTS, independent=True)
        )
        return self.filter(condition if supported else ~condition)


class Claim(models.Model):
    class Kind(models.TextChoices):
        FIGURE = "figure", "Figure"
        STATEMENT = "statement", "Statement"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATEMENT)
    text = models.TextField(help_text="What was claimed, in the tracker's words.", **at_most(CLAIM_TEXT))
    quote = models.TextField(blank=True, help_text="The verbatim quote, where the report quotes.", **at_most(QUOTE))
    speaker = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="Who made the claim. For an outlet's own reporting, the outlet.",
    )
    described_as = models.CharField(
        max_length=300, blank=True, help_text='How the report described the speaker: "a provincial official".'
    )
    said_on = models.DateField(null=True, blank=True, help_text="When the claim was made, where known.")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims")
    language = models.CharField(
        max_length=16,
        default="en",
        db_default="en",
        validators=[validate_language_tag],
        help_text="BCP 47 tag of the claim's wording, e.g. en, ar, pt-BR.",
    )
    # Status, successor and version change only through claims.services; the admin shows them
    # read-only. They stay model-editable so the audit history diffs them.
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNREVIEWED)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    machine_suggested = models.BooleanField(
        default=False, editable=False, help_text="Accepted from the extractor's candidates, not typed by a reviewer."
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_claims",
        limit_choices_to=ASSIGNABLE,
        help_text="The reviewer working on this claim.",
    )
    review_reason = models.CharField(
        max_length=1000,
        blank=True,
        db_default="",
        default="",
        editable=False,
        help_text="Why a reviewed claim is back in the queue: its published verdict no longer stands.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # On PostgreSQL the table also has two columns kept by triggers: `search_vector`, from the
    # text, the quote and the speaker's name (migration 0008), and `outlet_ids`, the outlets the
    # claim appears in (0009). They are not model fields, so no query loads them;
    # ClaimQuerySet.search and in_outlet read them. SQLite has neither.

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        # Every list is newest first (-updated_at, -id), so each filter's index ends in that order
        # and a page is read straight off the index; docs/benchmarks.md holds the plans.
        indexes = [
            models.Index(F("updated_at").desc(), F("id").desc(), name="claim_updated_idx"),
            models.Index(F("status"), F("updated_at").desc(), F("id").desc(), name="claim_status_updated_idx"),
            models.Index(F("speaker"), F("updated_at").desc(), F("id").desc(), name="claim_speaker_updated_idx"),
            models.Index(F("event"), F("updated_at").desc(), F("id").desc(), name="claim_event_updated_idx"),
            models.Index(F("kind"), F("updated_at").desc(), F("id").desc(), name="claim_kind_updated_idx"),
            models.Index(F("assigned_to"), F("updated_at").desc(), F("id").desc(), name="claim_assignee_updated_idx"),
            models.Index(F("created_at").desc(), F("id").desc(), name="claim_created_idx"),
            models.Index(F("said_on").desc(), F("id").desc(), name="claim_said_on_idx"),
            models.Index(
                F("updated_at").desc(),
                F("id").desc(),
                condition=Q(machine_suggested=True),
                name="claim_machine_suggested_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="claim_valid_status",
                violation_error_message="Choose a valid status.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["figure", "statement"]),
                name="claim_valid_kind",
                violation_error_message="A claim is a figure or a statement.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="claim_text_not_blank", violation_error_message="Give the claim's text."
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="claim_version_positive", violation_error_message="Bad version."
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.SUPERSEDED) | Q(superseded_by__isnull=False),
                name="claim_superseded_names_successor",
                violation_error_message="A superseded claim must name the claim that supersedes it.",
            ),
            models.CheckConstraint(
                condition=~Q(superseded_by=F("id")),
                name="claim_not_superseded_by_itself",
                violation_error_message="A claim cannot supersede itself.",
            ),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    picker_related = ("speaker",)  # what picker_label reads, for the admin's search boxes

    @property
    def picker_label(self) -> str:
        """How a search box offers the claim: who said it, then what."""
        return f"{self.speaker.name}: {self}"

    @property
    def status_definition(self) -> str:
        return Status(self.status).definition

    def pending_proposal(self) -> "Verdict | None":
        """The newest verdict, if it is a proposal still waiting for an editor."""
        latest = self.verdicts.order_by("-pk").first()
        return latest if latest is not None and not latest.is_published else None

    def independent_evidence(self, stance: str) -> list["Evidence"]:
        """Evidence of this stance that is independent now; dependent and unknown items never count."""
        return [e for e in self.evidence.filter(stance=stance) if e.independence.independent is True]

    @property
    def independently_confirmed(self) -> bool:
        """Confirmed is the one status that rests on independent support (ensure_status_justified)."""
        return self.status == Status.CONFIRMED

    def independent_count(self, stance: str) -> int:
        """Evidence items of this stance judged independent when last computed (the stored flag, as
        newsrooms see it); reads the prefetched evidence when there is one."""
        return sum(1 for item in self.evidence.all() if item.stance == stance and item.independent is True)

    def has_independent_support(self) -> bool:
        return bool(self.independent_evidence(Evidence.Stance.SUPPORTS))

    def ensure_status_justified(self, status: str, *, superseded_by: "Claim | None" = None) -> None:
        """Raise ValidationError naming the field unless the evidence justifies `status` now.

        The single statement of the verdict rules: the verdict service applies it under a lock,
        and so do the services that change what a status rests on (the speaker, the evidence).
        """
        if status not in Status.values:
            raise ValidationError({"status": ValidationError(f"Unknown status {status!r}.", code="invalid_choice")})
        if status == Status.UNREVIEWED:
            raise ValidationError(
                {
                    "status": ValidationError(
                        "Every claim starts unreviewed; a verdict records a review.", code="invalid"
                    )
                }
            )
        if status == Status.CONFIRMED and not self.has_independent_support():
            raise ValidationError(
                {"status": ValidationError(self._refusal("confirm", "supporting"), code="not_independent")}
            )
        if status == Status.DISPUTED and not self.independent_evidence(Evidence.Stance.CONTRADICTS):
            raise ValidationError(
                {"status": ValidationError(self._refusal("mark disputed", "contradicting"), code="not_independent")}
            )
        if status == Status.FALSE and not self.evidence.filter(stance=Evidence.Stance.CONTRADICTS).exists():
            raise ValidationError(
                {
                    "status": ValidationError(
                        "Cannot mark false: add the contradicting evidence first.", code="no_evidence"
                    )
                }
            )
        if status in NEEDS_SUCCESSOR:
            self._ensure_successor(superseded_by)

    def ensure_current_status_justified(self) -> None:
        """Raise ValidationError if the claim's reviewed status no longer rests on what it needs.

        Edits that change what a status rests on (the speaker, the evidence) must keep it true.
        """
        if self.status in UNCONDITIONAL_STATUSES:
            return
        try:
            self.ensure_status_justified(self.status, superseded_by=self.superseded_by)
        except ValidationError as exc:
            raise ValidationError(
                f"This change would leave the claim {self.get_status_display().lower()} without what that "
                f"status needs: {' '.join(exc.messages)} Record a new verdict first.",
                code="status_unjustified",
            ) from exc

    def clean(self):
        if self.pk:
            self.ensure_current_status_justified()

    def _refusal(self, verb: str, stance: str) -> str:
        message = f"Cannot {verb}: needs {stance} evidence from a source independent of the speaker ({self.speaker})."
        wanted = Evidence.Stance.SUPPORTS if stance == "supporting" else Evidence.Stance.CONTRADICTS
        reasons = [f"{e.origin}: {e.independence.reason}" for e in self.evidence.filter(stance=wanted)]
        return " ".join([message, *(f"{r}." for r in reasons)])

    def _ensure_successor(self, successor: "Claim | None") -> None:
        def refuse(message, code):
            raise ValidationError({"superseded_by": ValidationError(message, code=code)})

        if successor is None:
            refuse("Cannot mark superseded: name the claim that supersedes it.", "required")
        if successor.pk == self.pk:
            refuse("A claim cannot supersede itself.", "invalid")
        if successor.speaker_id != self.speaker_id:
            refuse(f"The superseding claim must come from the same speaker ({self.speaker}).", "other_speaker")
        if self.said_on and successor.said_on and successor.said_on < self.said_on:
            refuse("The superseding claim must be made on or after this one.", "earlier")
