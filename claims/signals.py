"""What the domain tells the outer apps, so that it never imports them.

`claim_changed` is sent for every entry appended to the newsroom change feed, inside the
transaction that wrote it: a receiver that writes (the webhooks outbox) commits or rolls back
with the change itself.
"""

from django.dispatch import Signal

claim_changed = Signal()  # sender=ClaimChange, change=<ClaimChange>
