from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from sources.models import Document, Source, SourceAlias


class Status(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"
    FALSE = "false", "False"
    SUPERSEDED = "superseded", "Superseded"
    RETRACTED = "retracted", "Retracted"

    @property
    def definition(self) -> str:
        return STATUS_DEFINITIONS[self]


STATUS_DEFINITIONS = {
    Status.UNREVIEWED: "Recorded, not yet reviewed.",
    Status.UNCONFIRMED: "Reviewed; it rests on the speaker's word alone and could not be independently confirmed.",
    Status.CONFIRMED: "Independently confirmed by a source independent of the speaker.",
    Status.DISPUTED: "A source independent of the speaker contradicts it.",
    Status.FALSE: "Shown to be wrong.",
    Status.SUPERSEDED: "Replaced by a later figure or claim from the same speaker.",
    Status.RETRACTED: "Withdrawn by the speaker or the outlet.",
}


class Event(models.Model):
    """What claims are about, so figures for one event and metric can be compared across sources."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    place = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. IQ.")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_end_not_before_start",
                violation_error_message="An event cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return self.name


class ClaimQuerySet(models.QuerySet):
    SPEAKERS_PER_SEARCH = 50

    def search(self, words: str):
        """Claims whose text, quote or speaker holds `words`.

        On PostgreSQL the words are matched as a web search against the stored tsvector, and a
        speaker's name or alias also matches despite small misspellings ("Haimor"), by trigram
        word similarity. Elsewhere every part is matched by substring.
        """
        if connections[self.db].vendor != "postgresql":
            named = Q(name__icontains=words)
            return self.filter(
                Q(text__icontains=words)
                | Q(quote__icontains=words)
                | Q(speaker__in=Source.objects.filter(named))
                | Q(speaker__in=SourceAlias.objects.filter(named).values("source"))
            )
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

    def awaiting_review(self):
        """Claims never reviewed, and reviewed ones whose published verdict no longer stands."""
        return self.filter(Q(status=Status.UNREVIEWED) | ~Q(review_reason=""))

    def flagged_for_review(self):
        return self.exclude(review_reason="")

    def independently_supported(self):
        """Claims with a supporting evidence item from an independent origin (as last computed)."""
        return self.filter(
            models.Exists(
                Evidence.objects.filter(claim=models.OuterRef("pk"), stance=Evidence.Stance.SUPPORTS, independent=True)
            )
        )


class Claim(models.Model):
    class Kind(models.TextChoices):
        FIGURE = "figure", "Figure"
        STATEMENT = "statement", "Statement"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATEMENT)
    text = models.TextField(help_text="What was claimed, in the tracker's words.")
    quote = models.TextField(blank=True, help_text="The verbatim quote, where the report quotes.")
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
        limit_choices_to={"is_staff": True, "is_active": True},
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

    @property
    def status_definition(self) -> str:
        return Status(self.status).definition

    def pending_proposal(self) -> "Verdict | None":
        """The newest verdict, if it is a proposal still waiting for an editor."""
        latest = self.verdicts.order_by("-pk").first()
        return latest if latest is not None and not latest.is_published else None

    def first_appearance(self) -> "Appearance | None":
        return (
            self.appearances.select_related("document")
            .order_by(F("document__published_at").asc(nulls_last=True), "pk")
            .first()
        )

    def chain_sources(self) -> list[Source]:
        """Everyone in any of this claim's attribution chains: speaker, relayers and outlets."""
        links = ChainLink.objects.filter(appearance__claim=self).select_related("source")
        return list({link.source_id: link.source for link in links}.values())

    def original_reports(self) -> set[int]:
        """Ids of the original reports (wire copy followed back) this claim appears in."""
        return {a.document.original_report().pk for a in self.appearances.select_related("document")}

    def independent_evidence(self, stance: str) -> list["Evidence"]:
        """Evidence of this stance that is independent now; dependent and unknown items never count."""
        return [e for e in self.evidence.filter(stance=stance) if e.independence.independent is True]

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
        if status == Status.SUPERSEDED:
            self._ensure_successor(superseded_by)

    def ensure_current_status_justified(self) -> None:
        """Raise ValidationError if the claim's reviewed status no longer rests on what it needs.

        Edits that change what a status rests on (the speaker, the evidence) must keep it true.
        """
        if self.status in (Status.UNREVIEWED, Status.UNCONFIRMED, Status.RETRACTED):
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


class Appearance(models.Model):
    """Where a claim appears: a document, the excerpt, and the chain that carried it there."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="appearances")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="appearances")
    excerpt = models.TextField()
    start = models.PositiveIntegerField(null=True, blank=True, help_text="Character offset into the document's text.")
    end = models.PositiveIntegerField(null=True, blank=True)

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


class Figure(models.Model):
    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        AT_LEAST = "at_least", "at least"
        MORE_THAN = "more_than", "more than"
        AT_MOST = "at_most", "at most / as many as"
        APPROXIMATELY = "approximately", "approximately"
        RANGE = "range", "range"
        VAGUE = "vague", "vague"

    class Metric(models.TextChoices):
        KILLED = "killed", "killed"
        WOUNDED = "wounded", "wounded"
        DISPLACED = "displaced", "displaced"
        ARRESTED = "arrested", "arrested"
        MISSING = "missing", "missing"
        DEPLOYED = "deployed", "deployed / arrived"
        TERRITORY = "territory", "territory captured"
        OTHER = "other", "other"

    class Unit(models.TextChoices):
        PEOPLE = "people", "people"
        FRACTION = "fraction", "fraction of a whole"

    SYMBOLS = {
        "exact": "",
        "at_least": "≥ ",
        "more_than": "> ",
        "at_most": "≤ ",
        "approximately": "≈ ",
    }

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="figures")
    as_written = models.CharField(
        max_length=300, blank=True, help_text='The figure as the report gives it: "at least 500".'
    )
    metric = models.CharField(max_length=16, choices=Metric.choices)
    population = models.CharField(max_length=200, blank=True, help_text='Who was counted: "police", "residents".')
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices)
    low = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    vague_text = models.CharField(max_length=200, blank=True, help_text='For vague figures, the words: "hundreds".')
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.PEOPLE)
    unit_of = models.CharField(max_length=200, blank=True, help_text='For fractions, the whole: "the country".')
    period_start = models.DateField(null=True, blank=True, help_text="The period counted, not the date said.")
    period_end = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text="The earlier figure from the same speaker for the same metric that this one replaces.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["claim", "pk"]
        indexes = [models.Index(fields=["metric", "claim"], name="figure_metric_claim_idx")]  # the metric filter
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    qualifier__in=["exact", "at_least", "more_than", "at_most", "approximately", "range", "vague"]
                ),
                name="figure_valid_qualifier",
                violation_error_message="Choose a valid qualifier.",
            ),
            models.CheckConstraint(
                condition=Q(
                    metric__in=[
                        "killed",
                        "wounded",
                        "displaced",
                        "arrested",
                        "missing",
                        "deployed",
                        "territory",
                        "other",
                    ]
                ),
                name="figure_valid_metric",
                violation_error_message="Choose a valid metric.",
            ),
            models.CheckConstraint(
                condition=Q(unit__in=["people", "fraction"]),
                name="figure_valid_unit",
                violation_error_message="Choose a valid unit.",
            ),
            models.CheckConstraint(
                condition=(Q(low__isnull=True) | Q(low__gte=0)) & (Q(high__isnull=True) | Q(high__gte=0)),
                name="figure_bounds_not_negative",
                violation_error_message="A figure's bounds cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="figure_low_not_above_high",
                violation_error_message="The low bound cannot be above the high bound.",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="figure_period_end_not_before_start",
                violation_error_message="The period cannot end before it starts.",
            ),
            # What each qualifier means for the bounds: "at least 500" has no upper bound, "as many
            # as 114,000" no lower one, "approximately 8,000" is the stated value. NULLs are spelt
            # out because a CHECK passes when its condition is NULL.
            models.CheckConstraint(
                condition=~Q(qualifier__in=["exact", "approximately"])
                | (Q(low__isnull=False, high__isnull=False) & Q(high=F("low"))),
                name="figure_point_qualifier_has_one_value",
                violation_error_message="An exact or approximate figure has one value: set low and high to it.",
            ),
            models.CheckConstraint(
                condition=~Q(qualifier__in=["at_least", "more_than"]) | (Q(low__isnull=False) & Q(high__isnull=True)),
                name="figure_lower_bound_qualifier_has_only_low",
                violation_error_message="An 'at least' or 'more than' figure has a low bound and no high bound.",
            ),
            models.CheckConstraint(
                condition=~Q(qualifier="at_most") | (Q(low__isnull=True) & Q(high__isnull=False)),
                name="figure_at_most_has_only_high",
                violation_error_message="An 'at most' figure has a high bound and no low bound.",
            ),
            models.CheckConstraint(
                condition=~Q(qualifier="range") | (Q(low__isnull=False, high__isnull=False) & Q(high__gt=F("low"))),
                name="figure_range_has_both_bounds",
                violation_error_message="A range has a low and a higher high bound.",
            ),
            models.CheckConstraint(
                condition=~Q(qualifier="vague") | ~Q(vague_text=""),
                name="figure_vague_keeps_words",
                violation_error_message='A vague figure keeps the report\'s words ("hundreds").',
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=F("id")),
                name="figure_not_superseding_itself",
                violation_error_message="A figure cannot supersede itself.",
            ),
        ]

    def __str__(self):
        return self.summary()

    def amount(self) -> str:
        """The quantity alone: "≥ 500", "10–15", "≈ 8,000", "a large number"."""
        if self.qualifier == self.Qualifier.VAGUE:
            return self.vague_text
        if self.qualifier == self.Qualifier.RANGE:
            return f"{_number(self.low)}–{_number(self.high)}"
        return self.SYMBOLS.get(self.qualifier, "") + _number(self.low if self.low is not None else self.high)

    def summary(self, with_population: bool = True) -> str:
        """Compact reading of the figure: "≥ 500 killed (civilians and military)"."""
        amount = self.amount()
        if self.unit == self.Unit.FRACTION and self.unit_of:
            text = f"{amount} of {self.unit_of}: {self.get_metric_display()}"
        else:
            text = f"{amount} {self.get_metric_display()}"
        return f"{text} ({self.population})" if self.population and with_population else text

    @property
    def low_text(self) -> str:
        return _number(self.low) if self.low is not None else "–"

    @property
    def high_text(self) -> str:
        return _number(self.high) if self.high is not None else "–"

    def supersession_error(self) -> ValidationError | None:
        """Why `supersedes` cannot stand, or None: a toll series stays within one speaker and metric."""
        earlier = self.supersedes
        if earlier is None:
            return None
        if self.pk and earlier.pk == self.pk:
            return ValidationError({"supersedes": "A figure cannot supersede itself."})
        if earlier.metric != self.metric:
            return ValidationError({"supersedes": "A figure can only supersede one for the same metric."})
        if earlier.claim.speaker_id != self.claim.speaker_id:
            return ValidationError({"supersedes": "A figure can only supersede one from the same speaker."})
        if earlier.claim_id != self.claim_id:
            then, now = earlier.claim.said_on, self.claim.said_on
            if then is None or now is None:
                return ValidationError(
                    {"supersedes": "Say when both figures were said: a figure supersedes only one said before it."}
                )
            if now < then:
                return ValidationError(
                    {"supersedes": f"A figure said on {now} cannot supersede one said later, on {then}."}
                )
        return None


def _number(value: Decimal | None) -> str:
    if value is None:
        return "?"
    return f"{value.normalize():,f}"


class Evidence(models.Model):
    """Something that supports or contradicts a claim: another claim, a document, or a source's statement."""

    class Stance(models.TextChoices):
        SUPPORTS = "supports", "supports"
        PARTLY_SUPPORTS = "partly_supports", "partly supports"
        CONTRADICTS = "contradicts", "contradicts"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    evidence_claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="cited_as_evidence"
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
    note = models.TextField()
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
        return f"{self.origin} {self.get_stance_display()} claim {self.claim_id}"

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
        from claims.independence import assess

        return assess(self)

    def store_independence(self) -> bool:
        """Copy the computed independence into the stored fields; True if it changed."""
        found = self.independence
        stored = (self.independent, self.independence_code, self.independence_reason)
        self.independent, self.independence_code, self.independence_reason = found.independent, found.code, found.reason
        return stored != (found.independent, found.code, found.reason)


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

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="verdicts")  # never lose a verdict
    status = models.CharField(max_length=16, choices=Status.choices)
    rationale = models.TextField()
    superseded_by = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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


class ClaimChange(models.Model):
    """One entry of the newsroom change feed: a claim created, updated, published or deleted.

    `seq` is taken under a lock held until the writing transaction commits, so feed order is
    commit order and a reader paging by `seq` never skips a change that commits later.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        STATUS_PUBLISHED = "status_published", "status published"
        DELETED = "deleted", "deleted"

    seq = models.BigIntegerField(unique=True)
    claim_id = models.BigIntegerField(db_index=True)  # no foreign key: a tombstone outlives its claim
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["created", "updated", "status_published", "deleted"]),
                name="claim_change_valid_kind",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} claim {self.claim_id} {self.kind}"


class ChangeSequence(models.Model):
    """The single counter row behind ClaimChange.seq."""

    last = models.BigIntegerField(default=0)

    def __str__(self):
        return f"change sequence at {self.last}"


class NewsroomKey(AbstractAPIKey):
    """A newsroom's API key: shown once, stored hashed, read-only unless it acts for a desk member."""

    acts_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_staff": True},
        help_text="Leave empty for a read-only key. Set to a desk member to let the key write with their role.",
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "newsroom API key"
        verbose_name_plural = "newsroom API keys"


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
        Claim,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="A known claim this repeats.",
    )
    match_reason = models.CharField(max_length=300, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates")
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


class RatingMap(models.Model):
    """How another desk's textual rating ("Mostly false", "زائف") reads in our statuses.

    A rating first seen on import is added unmapped, for a reviewer to map; it is never guessed.
    """

    rating = models.CharField(max_length=200, unique=True, help_text="The rating as published, folded to lower case.")
    status = models.CharField(
        max_length=16, choices=Status.choices, blank=True, help_text="Leave empty until someone decides."
    )
    first_seen = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "rating"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="") | (Q(status__in=Status.values) & ~Q(status=Status.UNREVIEWED)),
                name="rating_map_reviewed_status",
            ),
        ]

    def __str__(self):
        return f"{self.rating} → {self.status or 'unmapped'}"

    @staticmethod
    def fold(rating: str) -> str:
        return " ".join(rating.split()).casefold()[:200]
