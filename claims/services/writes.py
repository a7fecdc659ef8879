"""What every service does around its change: audit who and why, lock the claim, raise its
version, append to the newsroom change feed, store the claims' renderings before the change
commits, and refuse text the database cannot hold."""

import re
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F, Q

from claims import rendering
from claims.models import (
    ChangeSequence,
    Claim,
    ClaimChange,
    Evidence,
)
from claims.signals import claim_changed

CLAIM_FIELDS = ("kind", "text", "quote", "speaker", "described_as", "said_on", "event")
FIGURE_FIELDS = (
    "as_written",
    "metric",
    "population",
    "measure",
    "qualifier",
    "low",
    "high",
    "vague_text",
    "unit",
    "unit_of",
    "currency",
    "period_start",
    "period_end",
    "place",
    "note",
    "supersedes",
)


_pending = threading.local()


@contextmanager
def changing():
    """The transaction of one service call: every claim it shows changed (`shown`) is rendered
    again and stored at its end, still inside it, so the change and its renderings commit or
    roll back together. A service called inside another renders once, when the outer one ends."""
    if not hasattr(_pending, "depth"):
        _pending.depth, _pending.ids = 0, set()
    with transaction.atomic():
        _pending.depth += 1
        try:
            yield
            if _pending.depth == 1:
                while _pending.ids:  # a rendering never adds ids, but be exact about it
                    ids, _pending.ids = _pending.ids, set()
                    rendering.store(ids)
        finally:
            _pending.depth -= 1
            if _pending.depth == 0:
                _pending.ids = set()


def shown(claim_ids: Iterable[int]) -> None:
    """What newsrooms see of these claims changed in the current service call."""
    if not getattr(_pending, "depth", 0):
        raise RuntimeError("A claim changed outside claims.services.writes.changing(): its rendering would go stale.")
    _pending.ids.update(claim_ids)


_run_by = threading.local()


@contextmanager
def run_by(command: str):
    """Name the command making the changes inside, for the history of what no one signed in did:
    "loaded from the seed: claim recorded"."""
    outer = getattr(_run_by, "command", None)
    _run_by.command = command
    try:
        yield
    finally:
        _run_by.command = outer


def audit(instance, user, reason: str):
    """Tell django-simple-history who made the next save of `instance` and why."""
    command = getattr(_run_by, "command", None)
    if user is None and command and not reason.startswith(command):
        reason = f"{command}: {reason}"
    instance._history_user = user
    instance._change_reason = reason[:100]
    return instance


# How a caller names the version it last read: the admin posts the number ("7"), the API sends
# the claim's ETag back in If-Match ('"v7-<digest>"'; the digest covers what else shows in it).
_VERSION = re.compile(r'^(?:([0-9]{1,18})|"v([0-9]{1,18})-[0-9a-f]{16}")\Z', re.ASCII)


STALE_PAGE = "Send the claim's version (its ETag, in the API) as you last read it."


def parse_version(value: str | None, *, field: str = "version") -> int | None:
    """The claim version in `value` as the admin or the API sends it; None when not sent.
    Anything unreadable is refused as stale under `field`: it can never match."""
    if value is None or value == "":
        return None
    match = _VERSION.match(str(value).strip())
    if match is None:
        raise ValidationError({field: ValidationError(STALE_PAGE, code="stale")})
    return int(match.group(1) or match.group(2))


def refuse_stale(current: int | None, expected: int | None, *, field: str = "version") -> None:
    """The one version check: the caller's version must be the claim's (None: not checked)."""
    if expected is not None and current != expected:
        raise ValidationError(
            {
                field: ValidationError(
                    f"Someone else changed this claim while you were editing it. Nothing was saved (it is "
                    f"now version {current}, you had {expected}): reload it to see their change, then try again.",
                    code="stale",
                )
            }
        )


def locked_claim(claim: Claim, expected_version: int | None = None, *, and_citing: bool = False) -> Claim:
    """Lock the claim for the caller's transaction, and with `and_citing` the claims whose
    evidence cites it: an edit that rejudges that evidence raises them too. Taking them now,
    before the change feed's counter, keeps one order (claims, then the counter), so a writer
    holding one of them never waits for the counter while this waits for it: a deadlock."""
    if and_citing:
        # One statement in id order: two claims citing each other, edited at once, then lock in
        # the same order instead of each holding one and waiting for the other.
        citing = Evidence.objects.filter(evidence_claim_id=claim.pk).values("claim_id")
        list(
            Claim.objects.select_for_update(of=("self",))
            .filter(Q(pk=claim.pk) | Q(pk__in=citing))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    # of=("self",): lock the claim row only, not its speaker's (PostgreSQL; SQLite ignores locks).
    locked = Claim.objects.select_for_update(of=("self",)).select_related("speaker").filter(pk=claim.pk).first()
    if locked is None:  # deleted by someone else since the caller read it
        raise ValidationError("Someone else deleted this claim meanwhile.", code="deleted")
    refuse_stale(locked.version, expected_version)
    return locked


def bump(
    claim: Claim, user, reason: str, fields: Sequence[str] = (), change: str | None = ClaimChange.Kind.UPDATED
) -> None:
    """Save the claim with its version raised; `change` is what newsrooms see of it (None: nothing)."""
    claim.version += 1
    audit(claim, user, reason).save(update_fields=[*fields, "version", "updated_at"])
    shown([claim.pk])
    if change:
        record_change(claim.pk, change, claim.status)


def note(claim: Claim, user, reason: str, fields: Sequence[str] = ()) -> None:
    """A desk-internal write (an assignment, a proposal): kept in the claim's history with who
    and why, but leaving its version, its last-update time and the change feed alone, so
    nothing a newsroom sees moves until a verdict is published."""
    audit(claim, user, reason).save(update_fields=list(fields) or ["status"])


def record_change(claim_id: int, kind: str, status: str) -> None:
    """Append to the newsroom change feed, inside the caller's transaction.

    Raising the one counter row locks it until that transaction commits, so sequence order is
    commit order: a reader paging by sequence never skips a change that commits later.
    """
    if not ChangeSequence.objects.filter(pk=1).update(last=F("last") + 1):
        ChangeSequence.objects.get_or_create(pk=1)
        ChangeSequence.objects.filter(pk=1).update(last=F("last") + 1)
    seq = ChangeSequence.objects.values_list("last", flat=True).get(pk=1)
    change = ClaimChange.objects.create(seq=seq, claim_id=claim_id, kind=kind, status=status)
    claim_changed.send(sender=ClaimChange, change=change)  # receivers write in this same transaction


def refuse_nul(**fields: str) -> None:
    """Refuse, by field, text PostgreSQL cannot store rather than fail on the write: NUL, and a
    lone surrogate (JSON can spell one, "\\ud800"; UTF-8 cannot encode it)."""
    errors = {}
    for name, value in fields.items():
        if not value:
            continue
        if "\x00" in value:
            errors[name] = "The text holds NUL bytes: give it as plain text."
        elif not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors[name] = "The text holds a lone surrogate, which is not a character: give it as plain text."
    if errors:
        raise ValidationError(errors)


class NestedValidationError(ValidationError):
    """A nested object's refusal, reported under the caller's field: its messages read
    "Figure 2: low: …" for a person (the admin shows them so), and `field`, `index` (counted
    from 0) and `errors` (the nested object's own, by its field name) say where it was, so the
    API can key it as the input nests without reading the words."""

    def __init__(self, field: str, index: int, refusal: ValidationError):
        self.field, self.index = field, index
        self.errors = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal.error_list}
        self.refusal = refusal
        label = f"{field[:-1].capitalize()} {index + 1}"
        super().__init__(
            {
                field: [
                    ValidationError(
                        f"{label}: {message}" if name == NON_FIELD_ERRORS else f"{label}: {name}: {message}",
                        code=item.code,
                    )
                    for name, items in self.errors.items()
                    for item in items
                    for message in item.messages
                ]
            }
        )
        self.args = (field, index, refusal)  # what copy and pickle rebuild it from


@contextmanager
def errors_under(field: str, number: int):
    """Report a nested object's errors under the caller's field, `number` counting from 1 as
    a person does: {"figures": ["Figure 2: low: …"]}, as a NestedValidationError."""
    try:
        yield
    except ValidationError as exc:
        raise NestedValidationError(field=field, index=number - 1, refusal=exc) from exc
