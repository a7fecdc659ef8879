"""One delivery's attempts: the lease a worker takes, and what it records of each try.

Nothing here queues work; webhooks.tasks does, so the worker's side has no cycle.
"""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from webhooks.models import Delivery, DeliveryAttempt
from webhooks.sending import Answer

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    # Longer than one request can take (connect and read timeouts), so a live sender keeps it.
    return max(settings.WEBHOOK_LEASE_SECONDS, 3 * settings.WEBHOOK_TIMEOUT_SECONDS)


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure: full jitter, uniform in [0, ceiling],
    the ceiling doubling from WEBHOOK_RETRY_BASE_SECONDS up to WEBHOOK_RETRY_MAX_SECONDS."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 60))
    return (rng or random).uniform(0, ceiling)


def take_lease(*, delivery_id: int) -> Delivery | None:
    """Claim a due, pending delivery for one attempt; None if it is not due, done, or being sent."""
    now = timezone.now()
    taken = (
        Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=now + timedelta(seconds=lease_seconds()))
    )
    if not taken:
        return None
    return Delivery.objects.select_related("subscription__newsroom_key").get(pk=delivery_id)


def _log(delivery: Delivery, answer: Answer, at: datetime, lease: datetime | None) -> None:
    """Record the attempt, and let go of the lease if it is still this attempt's: a worker whose
    lease ran out while it waited on a slow receiver must not clear the lease another took."""
    delivery.attempts += 1
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    if delivery.leased_until == lease:
        delivery.leased_until = None
    DeliveryAttempt.objects.create(
        delivery=delivery, at=at, status_code=answer.status_code, error=answer.error, duration_ms=answer.duration_ms
    )


LOGGED = ["attempts", "last_status_code", "last_error", "leased_until"]


def mark_delivered(*, delivery: Delivery, answer: Answer) -> Delivery:
    """`delivery` as take_lease gave it: its `leased_until` is the lease this attempt holds."""
    lease = delivery.leased_until
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        _log(delivery, answer, now, lease)
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = Delivery.State.DELIVERED, now, None
        delivery.save(update_fields=[*LOGGED, "state", "delivered_at", "next_attempt_at"])
    return delivery


def record_failure(*, delivery: Delivery, answer: Answer) -> Delivery:
    """Log a failed attempt and set when to try again (a jittered, growing delay), or give up past
    `retry_until`. The caller queues the retry (webhooks.tasks.deliver does, once this commits)."""
    lease = delivery.leased_until
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        _log(delivery, answer, now, lease)
        if delivery.state == Delivery.State.PENDING:
            if now >= delivery.retry_until:
                delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
            else:
                # The last try falls on the deadline itself, so a late recovery still gets one.
                delay = timedelta(seconds=retry_delay(delivery.attempts))
                delivery.next_attempt_at = min(now + delay, delivery.retry_until)
        delivery.save(update_fields=[*LOGGED, "state", "next_attempt_at"])
    return delivery


def give_up(*, delivery: Delivery, reason: str) -> Delivery:
    lease = delivery.leased_until
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == Delivery.State.PENDING:
            delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
        delivery.last_error = reason
        if delivery.leased_until == lease:
            delivery.leased_until = None
        delivery.save(update_fields=["state", "next_attempt_at", "last_error", "leased_until"])
    return delivery
