"""The figure comparison for an event: every figure reported for it, by source, as ranges.

For each metric, first by source: one row per source, every figure it gave drawn on one shared
horizontal scale (a bar between the bounds of a range, a bar running to the end of the scale
with an arrow for "at least" / "more than", a bar from zero for "as many as", a diamond for
"approximately", a dot for an exact figure), its readings in words in a column of their own so
no label runs into another. A figure given only in words ("dozens") has no place on a scale:
its words appear once, in its row's reading. A dashed arrow runs from a superseded figure to
its successor. Then, only when the figures were said on more than one day, the same marks over
the date said. The same data is given as a table, for those who would rather read.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from claims.models import Appearance, Event, Figure

WIDTH, HEIGHT = 680, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 24, 56
SPREAD = 16  # px between figures said on the same day
OPEN_END = 40  # px of arrow above an "at least" floor
PALETTE = ["#1d4ed8", "#b91c1c", "#047857", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f"]


@dataclass
class Mark:
    figure: Figure
    source: str
    colour: str
    said_on: date | None
    x: float = 0.0
    y_low: float | None = None
    y_high: float | None = None
    y_point: float | None = None
    kind: str = ""  # exact, approximate, range, open-ended, at-most
    url: str = ""
    svg: str = ""

    @property
    def anchor(self) -> tuple[float, float]:
        """Where a supersession arrow starts or ends on this mark."""
        for y in (self.y_point, self.y_low, self.y_high):
            if y is not None:
                return self.x, y
        return self.x, HEIGHT - BOTTOM


@dataclass
class Panel:
    metric: str
    label: str
    marks: list[Mark]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    links: list[dict] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT


def event_figures(event: Event) -> list[Figure]:
    appearances = Appearance.objects.select_related("document").order_by("document__published_at", "pk")
    return list(
        Figure.objects.filter(claim__event=event)
        .select_related("claim__speaker", "supersedes", "superseded_by")
        .prefetch_related(Prefetch("claim__appearances", queryset=appearances))
        .order_by("metric", "claim__said_on", "pk")
    )


def date_said(figure: Figure) -> date | None:
    """When the figure was said: the claim's date, else the date of its first report."""
    if figure.claim.said_on:
        return figure.claim.said_on
    published = [a.document.published_at for a in figure.claim.appearances.all() if a.document.published_at]
    return min(published).date() if published else None


def comparison(event: Event) -> dict:
    figures = event_figures(event)
    speakers = sorted({f.claim.speaker.name for f in figures})
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(speakers)}
    by_metric = defaultdict(list)
    for figure in figures:
        by_metric[figure.metric].append(figure)
    panels = []
    for metric, group in by_metric.items():
        strip = _strip(metric, group, colours)
        days = {date_said(f) for f in group}
        # Over time only when there is time to show: said on one day, a timeline is one column.
        strip.timeline = _panel(metric, group, colours) if len(days) > 1 else None
        panels.append(strip)
    rows = [
        {
            "figure": f,
            "source": f.claim.speaker.name,
            "colour": colours[f.claim.speaker.name],
            "said_on": date_said(f),
            "claim_url": reverse("admin:claims_claim_change", args=[f.claim_id]),
            "successor": getattr(f, "superseded_by", None),
        }
        for f in figures
    ]
    return {"panels": panels, "rows": rows, "legend": list(colours.items())}


ROW, LANE, STRIP_LABEL, STRIP_VALUE = 26, 14, 220, 150  # px: row, lane per figure, source and value columns


def _on_a_scale(figure: Figure) -> bool:
    """A figure given only in words (\"dozens\") has no bounds, so no place on a scale."""
    return figure.low is not None or figure.high is not None


@dataclass
class Strip:
    """One metric compared by source: a row per source, every figure it gave drawn on one scale
    (an interval for a range, an arrow for "at least", a bar from zero for "as many as"), its
    readings in words in a column of their own, so no label can run into another."""

    metric: str
    label: str
    rows: list[dict]
    x_ticks: list[tuple[float, str]]
    width: int = WIDTH
    height: int = 0
    plot_left: int = STRIP_LABEL
    plot_right: int = WIDTH - STRIP_VALUE
    plot_bottom: int = 0
    links: list[dict] = field(default_factory=list)
    timeline: Panel | None = None


def _strip(metric: str, figures: list[Figure], colours: dict[str, str]) -> Strip:
    left, right = STRIP_LABEL, WIDTH - STRIP_VALUE
    bounds = [float(v) for f in figures for v in (f.low, f.high) if v is not None]
    ceiling = _nice_ceiling(max(bounds) * 1.1) if bounds else 1.0

    def x(value) -> float:
        return left + float(value) / ceiling * (right - left)

    by_source: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_source[figure.claim.speaker.name].append(figure)
    rows, top = [], TOP
    for name, given in sorted(by_source.items()):
        # One lane per figure the source gave, so two figures from one source never share a line.
        drawn = [f for f in given if _on_a_scale(f)]
        height = max(ROW, LANE * len(drawn) + ROW - LANE)
        y = top + height / 2
        marks = []
        for lane, figure in enumerate(drawn):
            at = y + (lane - (len(drawn) - 1) / 2) * LANE
            mark = Mark(
                figure=figure, source=name, colour=colours[name], said_on=date_said(figure),
                url=reverse("admin:claims_claim_change", args=[figure.claim_id]),
            )  # fmt: skip
            _place_across(mark, figure, x, left, right, at)
            mark.svg = across(mark, at)
            marks.append(mark)
        said = sorted({date_said(f) for f in given} - {None})
        words = dict.fromkeys(w for w in (f.amount() for f in given) if w)  # a vague figure's words, once
        rows.append({
            "source": name, "short": name if len(name) <= 30 else name[:29] + "…", "colour": colours[name],
            "y": y, "marks": marks, "reading": ", ".join(words), "said": said,
        })  # fmt: skip
        top += height
    placed = {m.figure.pk: m for row in rows for m in row["marks"]}
    links = []
    for mark in placed.values():
        earlier = placed.get(mark.figure.supersedes_id)
        if earlier is not None:
            (x1, y1), (x2, y2) = _along(earlier), _along(mark)
            links.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "url": mark.url, "from": earlier, "to": mark})
    bottom = top
    ticks = [(round(x(v), 1), _number(v)) for v in (0, ceiling / 4, ceiling / 2, 3 * ceiling / 4, ceiling)]
    return Strip(
        metric=metric, label=Figure.Metric(metric).label, rows=rows, x_ticks=ticks if bounds else [],
        height=bottom + 36, plot_bottom=bottom, links=links,
    )  # fmt: skip


def _along(mark: Mark) -> tuple[float, float]:
    """Where a supersession arrow meets a mark on a by-source row."""
    return (mark.y_point if mark.y_point is not None else mark.y_low), mark.x


def _place_across(mark: Mark, figure: Figure, x, left: float, right: float, y: float) -> None:
    """The same reading as `_place`, laid along a horizontal scale: y_low/y_high hold x here."""
    _place(mark, figure, x, left, right)
    mark.x = y
    if mark.kind == "open-ended":
        mark.y_high = right  # no upper bound: the arrow runs to the end of the scale


def across(mark: Mark, y: float) -> SafeString:
    y = round(y, 1)
    if mark.kind in ("exact", "approximate"):
        x = round(mark.y_point, 1)
        if mark.kind == "exact":
            return format_html('<circle class="mark" cx="{}" cy="{}" r="5"/>', x, y)
        return format_html(
            '<path class="mark" d="M{} {}L{} {}L{} {}L{} {}Z" fill-opacity="0.3" stroke-width="2"/>',
            x, y - 7, x + 7, y, x, y + 7, x - 7, y,
        )  # fmt: skip
    low, high = round(mark.y_low, 1), round(mark.y_high, 1)
    parts = [format_html('<line class="bar" x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="4"/>', low, y, high, y)]
    caps = {"range": (low, high), "open-ended": (low,), "at-most": (high,)}[mark.kind]
    for at in caps:
        parts.append(
            format_html('<line class="cap" x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="2"/>', at, y - 6, at, y + 6)
        )
    if mark.kind == "open-ended":
        parts.append(
            format_html('<path class="open-end" d="M{} {}L{} {}L{} {}Z"/>', high - 8, y - 6, high - 8, y + 6, high, y)
        )
    return mark_safe("".join(parts))


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _number(value: float) -> str:
    return f"{Decimal(str(value)).normalize():,f}"


def _panel(metric: str, figures: list[Figure], colours: dict[str, str]) -> Panel:
    bottom, top = HEIGHT - BOTTOM, TOP
    bounds = [float(v) for f in figures for v in (f.low, f.high) if v is not None]
    ceiling = _nice_ceiling(max(bounds) * 1.1) if bounds else 1.0

    def y(value) -> float:
        return bottom - float(value) / ceiling * (bottom - top)

    days = sorted({d for d in (date_said(f) for f in figures) if d is not None})
    undated = any(date_said(f) is None for f in figures)
    slots = [*days, None] if undated else days
    span = (WIDTH - RIGHT) - LEFT
    slot_x = {day: LEFT + span * (i + 0.5) / len(slots) for i, day in enumerate(slots)}

    marks, seen_on_day = [], defaultdict(int)
    # Figures said only in words have no height: the by-source rows give their words, once.
    figures = [f for f in figures if _on_a_scale(f)]
    for figure in figures:
        said = date_said(figure)
        nth = seen_on_day[said]
        seen_on_day[said] += 1
        same_day = sum(1 for f in figures if date_said(f) == said)
        mark = Mark(
            figure=figure,
            source=figure.claim.speaker.name,
            colour=colours[figure.claim.speaker.name],
            said_on=said,
            x=slot_x[said] + (nth - (same_day - 1) / 2) * SPREAD,
            url=reverse("admin:claims_claim_change", args=[figure.claim_id]),
        )
        _place(mark, figure, y, bottom, top)
        mark.svg = shape(mark)
        marks.append(mark)

    by_id = {m.figure.pk: m for m in marks}
    links = []
    for mark in marks:
        earlier = by_id.get(mark.figure.supersedes_id)
        if earlier is not None:
            (x1, y1), (x2, y2) = earlier.anchor, mark.anchor
            links.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "url": mark.url, "from": earlier, "to": mark})

    y_ticks = [(y(v), _number(v)) for v in (0, ceiling / 2, ceiling)] if bounds else []
    x_ticks = [(slot_x[d], d.strftime("%-d %b %Y") if d else "date unknown") for d in slots]
    return Panel(
        metric=metric,
        label=Figure.Metric(metric).label,
        marks=marks,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        links=links,
    )


def _place(mark: Mark, figure: Figure, y, bottom: float, top: float) -> None:
    q = Figure.Qualifier
    if figure.qualifier in (q.EXACT, q.APPROXIMATELY):
        mark.kind = "exact" if figure.qualifier == q.EXACT else "approximate"
        mark.y_point = y(figure.low)
    elif figure.qualifier == q.RANGE or (figure.low is not None and figure.high is not None):
        mark.kind, mark.y_low, mark.y_high = "range", y(figure.low), y(figure.high)
    elif figure.qualifier in (q.AT_LEAST, q.MORE_THAN) or (figure.qualifier == q.VAGUE and figure.low is not None):
        # No upper bound: a short arrow up from the floor, not a bar that looks like a value.
        mark.kind, mark.y_low = "open-ended", y(figure.low)
        mark.y_high = max(top, mark.y_low - OPEN_END)
    elif figure.qualifier == q.AT_MOST or (figure.qualifier == q.VAGUE and figure.high is not None):
        mark.kind, mark.y_low, mark.y_high = "at-most", bottom, y(figure.high)
    else:  # no bounds: callers draw only figures `_on_a_scale`
        raise ValueError(f"figure {figure.pk} has no bounds to draw")


def shape(mark: Mark) -> SafeString:
    """The SVG for one figure's mark, drawn in its source's colour."""
    x = round(mark.x, 1)
    if mark.kind == "exact":
        y = round(mark.y_point, 1)
        return format_html('<circle class="mark" cx="{}" cy="{}" r="5"/>', x, y)
    if mark.kind == "approximate":
        y = round(mark.y_point, 1)
        return format_html(
            '<path class="mark" d="M{} {}L{} {}L{} {}L{} {}Z" fill-opacity="0.3" stroke-width="2"/>',
            x, y - 7, x + 7, y, x, y + 7, x - 7, y,
        )  # fmt: skip
    low, high = round(mark.y_low, 1), round(mark.y_high, 1)
    parts = [format_html('<line class="bar" x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="4"/>', x, low, x, high)]
    if mark.kind == "range":
        parts += [_cap(x, low), _cap(x, high)]
    elif mark.kind == "open-ended":
        parts.append(_cap(x, low))
        parts.append(
            format_html('<path class="open-end" d="M{} {}L{} {}L{} {}Z"/>', x - 6, high + 8, x + 6, high + 8, x, high)
        )
    elif mark.kind == "at-most":
        parts.append(_cap(x, high))
    return mark_safe("".join(parts))


def _cap(x: float, y: float) -> SafeString:
    return format_html('<line class="cap" x1="{}" y1="{}" x2="{}" y2="{}" stroke-width="2"/>', x - 6, y, x + 6, y)
