"""A figure: one counted quantity of a claim, with its qualifier, bounds, population and period."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from claims.models.lengths import NOTE, at_most


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
        MONEY = "money", "money"

    SYMBOLS = {
        "exact": "",
        "at_least": "≥ ",
        "more_than": "> ",
        "at_most": "≤ ",
        "approximately": "≈ ",
    }

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="figures")
    as_written = models.CharField(
        max_length=300, blank=True, help_text='The figure as the report gives it: "at least 500".'
    )
    metric = models.CharField(max_length=16, choices=Metric.choices)
    population = models.CharField(max_length=200, blank=True, help_text='Who was counted: "police", "residents".')
    measure = models.CharField(
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text='What is counted, in the report\'s words, when no metric says it: "jobs added", "turnout".',
    )
    qualifier = models.CharField(max_length=16, choices=Qualifier.choices)
    low = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    vague_text = models.CharField(max_length=200, blank=True, help_text='For vague figures, the words: "hundreds".')
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.PEOPLE)
    unit_of = models.CharField(max_length=200, blank=True, help_text='For fractions, the whole: "the country".')
    currency = models.CharField(
        max_length=3,
        blank=True,
        default="",
        db_default="",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Give the currency as its ISO 4217 code: USD, EUR, GBP.")],
        help_text="For money, the currency's ISO 4217 code (USD, EUR); blank when the report does not say.",
    )
    period_start = models.DateField(null=True, blank=True, help_text="The period counted, not the date said.")
    period_end = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True, **at_most(NOTE))
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
                condition=Q(unit__in=["people", "fraction", "money"]),
                name="figure_valid_unit",
                violation_error_message="Choose a valid unit.",
            ),
            models.CheckConstraint(
                condition=Q(unit="money") | Q(currency=""),
                name="figure_currency_only_for_money",
                violation_error_message="Only money has a currency.",
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
        elif self.unit == self.Unit.MONEY:
            text = f"{amount} {self.currency or 'in money'} {self.get_metric_display()}"
        else:
            text = f"{amount} {self.get_metric_display()}"
        if self.metric == self.Metric.OTHER and self.measure:
            text = text.removesuffix(f" {self.get_metric_display()}") + f" {self.measure}"
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
