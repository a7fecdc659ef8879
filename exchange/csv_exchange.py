"""Claims as CSV, for spreadsheets: one row a claim, its figures as JSON in one column.

Export writes what a filtered queue shows; import records each good row through the claim
services and reports every bad row by its line number and reason, writing nothing from it.
"""

import csv
import io
import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import services
from claims.models import Claim, Event, Figure
from sources.models import Source

COLUMNS = [
    "id",
    "kind",
    "text",
    "quote",
    "speaker",
    "speaker_kind",
    "described_as",
    "said_on",
    "event",
    "status",
    "figures",
]
FIGURE_KEYS = [
    "metric", "qualifier", "low", "high", "population", "measure", "vague_text", "unit", "unit_of", "currency",
    "period_start", "period_end", "place", "note",
]  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 10_000


def export_csv(claims) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for claim in claims.select_related("speaker", "event").prefetch_related("figures"):
        figures = [
            {key: _plain(getattr(f, key)) for key in FIGURE_KEYS if getattr(f, key) not in (None, "")}
            for f in claim.figures.all()
        ]
        writer.writerow([_safe(value) for value in [
            claim.pk, claim.kind, claim.text, claim.quote, claim.speaker.name, claim.speaker.kind,
            claim.described_as, claim.said_on.isoformat() if claim.said_on else "",
            claim.event.name if claim.event else "", claim.status,
            json.dumps(figures, ensure_ascii=False) if figures else "",
        ]])  # fmt: skip
    return out.getvalue()


def _safe(value):
    """A cell a spreadsheet will not run as a formula: "=HYPERLINK(...)" is written as "'=HYPERLINK(...)"."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else value


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_START) else text


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def import_csv(text: str, user) -> dict:
    """Returns {"created": n, "duplicates": n, "errors": ["line 3: speaker: ...", ...]}."""
    report = {"created": 0, "duplicates": 0, "errors": []}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"text", "speaker"} - set(reader.fieldnames or [])
    if missing:
        report["errors"].append(f"line 1: the header needs the columns {', '.join(sorted(missing))}")
        return report
    for number, row in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            report["errors"].append(f"line {number}: more than {MAX_ROWS} rows; the rest were not read")
            break
        try:
            with transaction.atomic():
                if _import_row(row, user):
                    report["created"] += 1
                else:
                    report["duplicates"] += 1
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {"row": exc.messages}
            reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in problems.items())
            report["errors"].append(f"line {number}: {reasons}")
    return report


def _import_row(row: dict, user) -> bool:
    def cell(name):
        return _unsafe((row.get(name) or "").strip())

    if "\x00" in "".join(str(v) for v in row.values() if v):
        raise ValidationError({"row": "holds a NUL byte"})
    if not cell("text"):
        raise ValidationError({"text": "is empty"})
    if not cell("speaker"):
        raise ValidationError({"speaker": "is empty"})
    kind = cell("speaker_kind") or Source.Kind.PERSON
    if kind not in Source.Kind.values:
        raise ValidationError({"speaker_kind": f"must be one of {', '.join(Source.Kind.values)}"})
    speaker = Source.objects.matching(cell("speaker")).first()
    if speaker is None:
        speaker = services.save_source(source=Source(kind=kind, name=cell("speaker")), user=user, reason="CSV import")
    if Claim.objects.filter(speaker=speaker, text=cell("text")).exists():
        return False
    event = None
    if cell("event"):
        event = Event.objects.filter(name=cell("event")).first()
        if event is None:  # another desk's event: recorded by name, for a reviewer to complete
            event = Event(name=cell("event")[:200])
            event.full_clean()
            event.save()
    try:
        said_on = date.fromisoformat(cell("said_on")) if cell("said_on") else None
    except ValueError:
        raise ValidationError({"said_on": "use YYYY-MM-DD"}) from None
    services.record_claim(
        speaker=speaker,
        text=cell("text"),
        quote=cell("quote"),
        kind=cell("kind") or (Claim.Kind.FIGURE if cell("figures") else Claim.Kind.STATEMENT),
        described_as=cell("described_as"),
        said_on=said_on,
        event=event,
        figures=_figures(cell("figures")),
        user=user,
    )
    return True


def _figures(value: str) -> list[dict]:
    if not value:
        return []
    try:
        items = json.loads(value)
    except json.JSONDecodeError:
        raise ValidationError({"figures": "is not JSON: a list of {metric, qualifier, low, high, ...}"}) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError({"figures": "must be a JSON list of objects"})
    figures = []
    for item in items:
        unknown = set(item) - set(FIGURE_KEYS)
        if unknown:
            raise ValidationError({"figures": f"unknown keys {', '.join(sorted(unknown))}"})
        fields = dict(item)
        for bound in ("low", "high"):
            if fields.get(bound) not in (None, ""):
                try:
                    fields[bound] = Decimal(str(fields[bound]))
                except InvalidOperation:
                    raise ValidationError({"figures": f"{bound} is not a number"}) from None
        fields.setdefault("unit", Figure.Unit.PEOPLE)
        figures.append(fields)
    return figures
