"""How webhooks hear of the domain's changes without the domain importing them."""

from webhooks.services import record_event


def owe_deliveries(sender, change, **kwargs):
    """Each change feed entry, in the transaction that wrote it: the outbox rows commit with it."""
    record_event(change=change)
