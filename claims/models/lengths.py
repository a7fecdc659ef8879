"""The longest free text each field takes, in characters: enforced by full_clean (so by every
service), the admin's forms and the API's input, and named in the schema and in each refusal."""

from django.core.validators import MaxLengthValidator

CLAIM_TEXT = 4_000
QUOTE = 10_000
EXCERPT = 10_000
NOTE = 10_000
RATIONALE = 10_000


def at_most(length: int) -> dict:
    """The keyword arguments that limit a TextField to `length` characters."""
    return {"max_length": length, "validators": [MaxLengthValidator(length)]}
