"""Events: what claims are about, so figures for one event can be compared across sources."""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


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
