"""The statuses a claim can have, and what each means to a newsroom."""

from django.db import models


class Status(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"
    FALSE = "false", "False"
    SUPERSEDED = "superseded", "Superseded"
    RETRACTED = "retracted", "Retracted"

    @property
    def definition(self) -> str:
        return STATUS_DEFINITIONS[self]


STATUS_DEFINITIONS = {
    Status.UNREVIEWED: "Recorded, not yet reviewed.",
    Status.UNCONFIRMED: "Reviewed; it rests on the speaker's word alone and could not be independently confirmed.",
    Status.CONFIRMED: "Independently confirmed by a source independent of the speaker.",
    Status.DISPUTED: "A source independent of the speaker contradicts it.",
    Status.FALSE: "Shown to be wrong.",
    Status.SUPERSEDED: "Replaced by a later figure or claim from the same speaker.",
    Status.RETRACTED: "Withdrawn by the speaker or the outlet.",
}


# The rules about statuses, stated once; the admin, the API and the services use these.
# What a verdict may give: every status but the one a claim starts with.
VERDICT_STATUSES = tuple(status for status in Status if status != Status.UNREVIEWED)
# Statuses that need nothing of the evidence: a claim may keep them whatever its evidence says.
UNCONDITIONAL_STATUSES = (Status.UNREVIEWED, Status.UNCONFIRMED, Status.RETRACTED)
# Statuses a verdict can give only by naming the claim that replaces this one.
NEEDS_SUCCESSOR = (Status.SUPERSEDED,)


def status_choices(statuses=VERDICT_STATUSES, *, blank: bool = False) -> list[tuple[str, str]]:
    """(value, label) pairs for a form or a serializer, optionally after a blank choice."""
    return [("", "---------")] * blank + [(status.value, status.label) for status in statuses]
