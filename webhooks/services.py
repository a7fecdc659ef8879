"""Every change of a webhook delivery's state, one function each; the task and the admin call these.

Subscriptions, events and replays live here; one attempt's steps (take_lease, mark_delivered,
record_failure, give_up) in webhooks.attempts, and queueing in webhooks.tasks.

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
import uuid
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from claims.models import ClaimChange
from webhooks.attempts import lease_seconds
from webhooks.models import Delivery, EventType, Subscription, new_secret
from webhooks.tasks import hand_to_worker, task_will_run

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
            if delivery is not None and not task_will_run(delivery.task_id, now):
                hand_to_worker(delivery_id=delivery_id)
                handed += 1
    return handed
