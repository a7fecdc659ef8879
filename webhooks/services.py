"""Every change of a webhook delivery's state, one function each; the task and the admin call these.

The life of a delivery:

    record_event       written with the claim change, in its transaction; handed to the worker on commit
    take_lease         a worker claims it for one attempt (at most one sender at a time)
    mark_delivered     a 2xx answer
    record_failure     anything else: retried after an exponential, fully jittered delay, or given
                       up once `retry_until` (WEBHOOK_RETRY_FOR_SECONDS after queueing) has passed
    give_up            stopped without retrying (the subscription was switched off, the key revoked)
    replay             an operator sends it again, with a fresh retry window
    requeue_lost       the sweep: a due delivery whose task is gone (a worker killed mid-delivery,
                       a process that died between commit and enqueue) is handed to the worker again

Delivery is at least once: a worker killed after the receiver answered but before the answer
was recorded sends the event again, with the same X-Claims-Event-Id.
"""

import logging
import random
import uuid
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from claims.models import ClaimChange
from webhooks.models import Delivery, DeliveryAttempt, EventType, Subscription, new_secret
from webhooks.sending import Answer

logger = logging.getLogger(__name__)

# What a newsroom hears of each change feed entry. A new claim is news to a subscriber of
# claim.updated (the feed shows it too); `change.kind` in the payload tells the two apart.
EVENT_OF_CHANGE = {
    ClaimChange.Kind.CREATED: EventType.CLAIM_UPDATED,
    ClaimChange.Kind.UPDATED: EventType.CLAIM_UPDATED,
    ClaimChange.Kind.STATUS_PUBLISHED: EventType.VERDICT_PUBLISHED,
    ClaimChange.Kind.DELETED: EventType.CLAIM_DELETED,
}


def save_subscription(*, subscription: Subscription, user, reason: str) -> Subscription:
    """Add or change where a newsroom's events go, recording who did it and why."""
    subscription.full_clean()
    subscription._history_user, subscription._change_reason = user, reason[:100]
    subscription.save()
    return subscription


def rotate_secret(*, subscription: Subscription, user) -> str:
    """Give the subscription a new signing secret and return it: it is shown this once."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.secret = new_secret()
        subscription._history_user, subscription._change_reason = user, "secret rotated"
        subscription.save(update_fields=["secret"])
    return subscription.secret


def lease_seconds() -> float:
    # Longer than one request can take (connect and read timeouts), so a live sender keeps it.
    return max(settings.WEBHOOK_LEASE_SECONDS, 3 * settings.WEBHOOK_TIMEOUT_SECONDS)


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure: full jitter, uniform in [0, ceiling],
    the ceiling doubling from WEBHOOK_RETRY_BASE_SECONDS up to WEBHOOK_RETRY_MAX_SECONDS."""
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 60))
    return (rng or random).uniform(0, ceiling)


def payload_of(change: ClaimChange, event_id: uuid.UUID, event_type: str) -> dict:
    """What the change feed shows of the change, and no more: the claim's published status."""
    claim = {"id": change.claim_id, "status": change.status}
    if change.kind != ClaimChange.Kind.DELETED:
        claim["url"] = settings.SITE_URL.rstrip("/") + reverse("api:claim-detail", args=[change.claim_id])
    return {
        "id": str(event_id),
        "type": event_type,
        "occurred_at": change.at.isoformat(),
        "claim": claim,
        "change": {"seq": change.seq, "kind": change.kind},
    }


def record_event(*, change: ClaimChange) -> list[Delivery]:
    """Owe the change to every subscription that wants its event type, in the caller's transaction.

    A committed change always has its deliveries and a rolled-back one never does. The worker
    hears of them only once the transaction commits.
    """
    event_type = EVENT_OF_CHANGE[change.kind]
    subscriptions = list(Subscription.objects.wanting(event_type).values_list("pk", flat=True))
    if not subscriptions:
        return []
    event_id = uuid.uuid4()
    payload = payload_of(change, event_id, event_type)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            subscription_id=subscription,
            event_id=event_id,
            event_type=event_type,
            claim_id=change.claim_id,
            change_seq=change.seq,
            payload=payload,
            next_attempt_at=now,
            retry_until=now + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS),
        )
        for subscription in subscriptions
    )
    for delivery in deliveries:
        transaction.on_commit(partial(hand_to_worker, delivery_id=delivery.pk), robust=True)
    return deliveries


def hand_to_worker(*, delivery_id: int, run_after: datetime | None = None) -> None:
    """Queue the task that sends the delivery, and note which task that is (for the sweep)."""
    from webhooks.tasks import deliver

    task = deliver
    if task.get_backend().supports_defer:
        # Always a time: django_tasks_db runs tasks in `run_after` order and puts those without
        # one after every deferred task, where a first try would wait behind all the retries.
        task = deliver.using(run_after=run_after or timezone.now())
    elif run_after is not None:
        return  # a backend that cannot wait (ImmediateBackend): the sweep sends it when due
    # The task and the note of it commit together: with the database backend no worker can run
    # the task, and queue its successor, before its id is noted here.
    with transaction.atomic():
        result = task.enqueue(delivery_id)
        Delivery.objects.filter(pk=delivery_id).update(task_id=result.id)


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


def _log(delivery: Delivery, answer: Answer, at: datetime) -> None:
    delivery.attempts += 1
    delivery.last_status_code = answer.status_code
    delivery.last_error = answer.error
    delivery.leased_until = None
    DeliveryAttempt.objects.create(
        delivery=delivery, at=at, status_code=answer.status_code, error=answer.error, duration_ms=answer.duration_ms
    )


LOGGED = ["attempts", "last_status_code", "last_error", "leased_until"]


def mark_delivered(*, delivery: Delivery, answer: Answer) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        _log(delivery, answer, now)
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = Delivery.State.DELIVERED, now, None
        delivery.save(update_fields=[*LOGGED, "state", "delivered_at", "next_attempt_at"])
    return delivery


def record_failure(*, delivery: Delivery, answer: Answer) -> Delivery:
    """Log a failed attempt; try again after a jittered, growing delay, or give up past `retry_until`."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        _log(delivery, answer, now)
        if delivery.state == Delivery.State.PENDING:
            if now >= delivery.retry_until:
                delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
            else:
                # The last try falls on the deadline itself, so a late recovery still gets one.
                delay = timedelta(seconds=retry_delay(delivery.attempts))
                delivery.next_attempt_at = min(now + delay, delivery.retry_until)
                transaction.on_commit(
                    partial(hand_to_worker, delivery_id=delivery.pk, run_after=delivery.next_attempt_at), robust=True
                )
        delivery.save(update_fields=[*LOGGED, "state", "next_attempt_at"])
    return delivery


def give_up(*, delivery: Delivery, reason: str) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == Delivery.State.PENDING:
            delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
        delivery.last_error, delivery.leased_until = reason, None
        delivery.save(update_fields=["state", "next_attempt_at", "last_error", "leased_until"])
    return delivery


def replay(*, delivery: Delivery, user) -> Delivery:
    """Send the event again now (same event id), with a fresh retry window."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        delivery.state, delivery.attempts = Delivery.State.PENDING, 0
        # A lease still held means a worker is sending it right now: that try stands, and the
        # new task waits for it (or, if that worker is dead, the sweep hands it on).
        delivery.next_attempt_at, delivery.delivered_at = now, None
        delivery.retry_until = now + timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS)
        delivery.replayed_at, delivery.replayed_by = now, user
        delivery.save(
            update_fields=[
                "state",
                "attempts",
                "next_attempt_at",
                "delivered_at",
                "retry_until",
                "replayed_at",
                "replayed_by",
            ]
        )
        transaction.on_commit(partial(hand_to_worker, delivery_id=delivery.pk), robust=True)
    return delivery


def requeue_lost() -> int:
    """Hand back to the worker every delivery that is overdue and whose task will not run it.

    A task is lost when its worker was killed (django_tasks_db leaves it RUNNING for good), when
    it failed, or when it was never queued (the process died between commit and enqueue). A task
    still waiting in the queue, or running for less than the lease, is left alone, so a worker
    that is merely behind is not given duplicates. Run it every minute (cron, or a scheduler).
    """
    now = timezone.now()
    overdue = Delivery.objects.filter(
        state=Delivery.State.PENDING, next_attempt_at__lte=now - timedelta(seconds=lease_seconds())
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
    handed = 0
    for delivery_id in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            # Again under a lock: a worker may have sent it, or queued its retry, since the list was read.
            delivery = overdue.select_for_update().filter(pk=delivery_id).only("task_id").first()
            if delivery is not None and not _task_will_run(delivery.task_id, now):
                hand_to_worker(delivery_id=delivery_id)
                handed += 1
    return handed


class WorkerLost(Exception):
    """Recorded on a task whose worker died while running it."""


def _task_will_run(task_id: str, now: datetime) -> bool:
    from webhooks.tasks import deliver

    backend = deliver.get_backend()
    if not task_id or not backend.supports_get_result:
        return False
    try:
        result = backend.get_result(task_id)
    except TaskResultDoesNotExist:
        return False
    if result.status == TaskResultStatus.READY:
        # Waiting its turn; unless it is an older retry set for later than the delivery is now due.
        return result.task.run_after is None or result.task.run_after <= now
    if result.status == TaskResultStatus.RUNNING:
        if result.started_at and result.started_at > now - timedelta(seconds=lease_seconds()):
            return True
        # Its worker is gone: close the task, so the queue's admin and pruning see it finished.
        db_result = getattr(result, "db_result", None)
        if db_result is not None:
            db_result.set_failed(WorkerLost(f"No word from the worker since {result.started_at:%H:%M:%S}."))
    return False
