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
