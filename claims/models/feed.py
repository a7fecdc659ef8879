"""The newsroom change feed and its counter."""

from django.db import models
from django.db.models import Q

from claims.models.status import Status


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
