"""Newsrooms' webhook subscriptions, and the outbox of deliveries owed to them.

A Delivery row is written in the same transaction as the change it announces, so it is the
durable truth: the task queue only carries a delivery's id, and a lost task is found again by
its row (webhooks.services.requeue_lost).
"""

import secrets

from django.conf import settings
from django.core.validators import MinLengthValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from claims.models import NewsroomKey
from webhooks.addresses import validate_public_url

SECRET_MIN_LENGTH = 24


class EventType(models.TextChoices):
    VERDICT_PUBLISHED = "verdict.published", "verdict published"
    CLAIM_UPDATED = "claim.updated", "claim created or updated"
    CLAIM_DELETED = "claim.deleted", "claim deleted"


# The subscription flag that asks for each event type.
WANTS = {
    EventType.VERDICT_PUBLISHED: "on_verdict_published",
    EventType.CLAIM_UPDATED: "on_claim_updated",
    EventType.CLAIM_DELETED: "on_claim_deleted",
}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet):
    def wanting(self, event_type: str) -> "SubscriptionQuerySet":
        """Active subscriptions of usable keys that asked for `event_type`."""
        now = timezone.now()
        return self.filter(
            Q(newsroom_key__expiry_date__isnull=True) | Q(newsroom_key__expiry_date__gt=now),
            is_active=True,
            newsroom_key__revoked=False,
            **{WANTS[event_type]: True},
        )


class Subscription(models.Model):
    """Where to POST one newsroom's events, and the secret that signs them."""

    newsroom_key = models.ForeignKey(NewsroomKey, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(
        "target URL",
        max_length=500,
        validators=[
            URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL."),
            validate_public_url,
        ],
        help_text="The newsroom's endpoint; events are POSTed to it as JSON.",
    )
    secret = models.CharField(
        max_length=128,
        default=new_secret,
        validators=[MinLengthValidator(SECRET_MIN_LENGTH)],
        help_text="Signs every request (HMAC-SHA256). Give it to the newsroom over a private channel.",
    )
    on_verdict_published = models.BooleanField("verdict.published", default=True)
    on_claim_updated = models.BooleanField("claim.updated", default=False)
    on_claim_deleted = models.BooleanField("claim.deleted", default=False)
    is_active = models.BooleanField("active", default=True, help_text="Untick to stop new events for now.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()
    # Who pointed a newsroom's feed where, and when; the secret itself stays out of the history.
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_verdict_published=True) | Q(on_claim_updated=True) | Q(on_claim_deleted=True),
                name="webhook_subscription_wants_an_event",
                violation_error_message="Choose at least one event type.",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("secret"), SECRET_MIN_LENGTH),
                name="webhook_subscription_secret_long_enough",
                violation_error_message=f"The secret needs at least {SECRET_MIN_LENGTH} characters.",
            ),
        ]

    def __str__(self):
        return f"{self.newsroom_key.name} → {self.url}"

    @property
    def events(self) -> list[str]:
        return [event for event, flag in WANTS.items() if getattr(self, flag)]

    @property
    def may_receive(self) -> bool:
        key = self.newsroom_key
        return self.is_active and not key.revoked and not key.has_expired


class Delivery(models.Model):
    """One event owed to one subscription: pending until a 2xx answer, or given up after the retry window."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        FAILED = "failed", "given up"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(db_index=True, help_text="Sent as X-Claims-Event-Id; the same on every retry.")
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    claim_id = models.BigIntegerField()
    change_seq = models.BigIntegerField(help_text="The change feed entry this event announces.")
    payload = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Attempts since the event was queued or replayed.")
    next_attempt_at = models.DateTimeField("next try", null=True, blank=True)
    retry_until = models.DateTimeField(help_text="Retries stop here and the delivery is given up.")
    leased_until = models.DateTimeField(null=True, blank=True, help_text="A worker is sending it until then.")
    task_id = models.CharField(max_length=64, blank=True, help_text="The queued task that will send it next.")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once_per_subscription"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "delivered", "failed"]), name="webhook_delivery_valid_state"
            ),
            models.CheckConstraint(
                condition=Q(state="pending", next_attempt_at__isnull=False)
                | (~Q(state="pending") & Q(next_attempt_at__isnull=True)),
                name="webhook_delivery_pending_has_next_try",
            ),
            models.CheckConstraint(
                condition=Q(state="delivered", delivered_at__isnull=False)
                | (~Q(state="delivered") & Q(delivered_at__isnull=True)),
                name="webhook_delivery_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="webhook_delivery_due_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery, as the delivery log shows it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"attempt at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error[:40]}"
