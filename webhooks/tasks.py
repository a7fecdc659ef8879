"""The webhook task, run by `manage.py db_worker --queue-name webhooks` (the database backend)."""

from django_tasks import task

from webhooks import services
from webhooks.sending import post


@task(queue_name="webhooks")
def deliver(delivery_id: int) -> str:
    """Send one delivery once, and record what came of it; returns the outcome for the task log."""
    delivery = services.take_lease(delivery_id=delivery_id)
    if delivery is None:
        return "skipped: not due, already sent, or being sent"
    subscription = delivery.subscription
    if not subscription.may_receive:
        services.give_up(delivery=delivery, reason="Not sent: the subscription is off or its key revoked or expired.")
        return "given up"
    answer = post(
        url=subscription.url,
        secret=subscription.secret,
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        payload=delivery.payload,
    )
    if answer.ok:
        services.mark_delivered(delivery=delivery, answer=answer)
        return f"delivered: HTTP {answer.status_code}"
    delivery = services.record_failure(delivery=delivery, answer=answer)
    return f"{delivery.get_state_display()}: {answer.error}"
