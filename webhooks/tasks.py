"""The webhook task, run by `manage.py db_worker --queue-name webhooks` (the database backend)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

from webhooks import attempts
from webhooks.attempts import lease_seconds
from webhooks.models import Delivery
from webhooks.sending import post

logger = logging.getLogger(__name__)


@task(queue_name="webhooks")
def deliver(delivery_id: int) -> str:
    """Send one delivery once, and record what came of it; returns the outcome for the task log."""
    delivery = attempts.take_lease(delivery_id=delivery_id)
    if delivery is None:
        return "skipped: not due, already sent, or being sent"
    subscription = delivery.subscription
    if not subscription.may_receive:
        attempts.give_up(delivery=delivery, reason="Not sent: the subscription is off or its key revoked or expired.")
        return "given up"
    answer = post(
        url=subscription.url,
        secret=subscription.secret,
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        payload=delivery.payload,
    )
    if answer.ok:
        attempts.mark_delivered(delivery=delivery, answer=answer)
        return f"delivered: HTTP {answer.status_code}"
    delivery = attempts.record_failure(delivery=delivery, answer=answer)
    if delivery.state == delivery.State.PENDING and delivery.next_attempt_at:
        hand_to_worker(delivery_id=delivery.pk, run_after=delivery.next_attempt_at)
    return f"{delivery.get_state_display()}: {answer.error}"


def hand_to_worker(*, delivery_id: int, run_after: datetime | None = None) -> None:
    """Queue the task that sends the delivery, and note which task that is (for the sweep)."""
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


class WorkerLost(Exception):
    """Recorded on a task whose worker died while running it."""


def task_will_run(task_id: str, now: datetime) -> bool:
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
