"""How another desk's textual ratings read in our statuses."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models.status import Status


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
