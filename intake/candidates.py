"""Read rules of article intake: what the extractor found, and which known claim it repeats.

Wire copy reappears in many outlets, so a candidate that matches a known claim is offered as
a new appearance of that claim, never as a new claim. A match is the same speaker with the
same figure (metric, bounds and period), or near-identical text.
"""

from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher

from django.core.exceptions import ValidationError
from django.db.models import Q

from claims import matching
from claims.models import Appearance, Claim, Figure
from intake.extraction import extract
from sources.models import Document, Source

NEAR_IDENTICAL = 0.9


def resolve_source(name: str) -> tuple[int | None, str]:
    """A mention's Source, by name or alias, when exactly one matches."""
    matches = list(Source.objects.matching(name)[:2])
    if len(matches) == 1:
        return matches[0].pk, matches[0].name
    return None, name


def candidates_for(document: Document) -> list[dict]:
    published = document.published_at.date() if document.published_at else None
    return extract(document.text, published=published, resolve=resolve_source)


def figure_fields(found: dict) -> dict:
    """Figure model fields from one of the extractor's figures."""

    def bound(value):
        return None if value is None else Decimal(str(value))

    money = found.get("unit") == Figure.Unit.MONEY
    return {
        "as_written": found["text"][:300],
        "metric": found["metric"],
        "population": found.get("population", "")[:200],
        "measure": (found.get("measure") or "")[:200] if found["metric"] == Figure.Metric.OTHER else "",
        "qualifier": found["qualifier"],
        "low": bound(found["low"]),
        "high": bound(found["high"]),
        "vague_text": found.get("vague_text", "")[:200],
        "unit": Figure.Unit.MONEY if money else found.get("unit", Figure.Unit.PEOPLE),
        "currency": (found.get("currency") or "")[:3] if money else "",
        "period_start": found.get("period_start"),
        "period_end": found.get("period_end"),
    }


def figures_of(candidate) -> list[dict]:
    """The candidate's figures as Figure fields, each checked by the Figure model's own rules;
    a figure a reviewer's edit left unreadable or impossible is refused, numbered from 1."""
    figures = []
    for number, found in enumerate(candidate.figures or [], start=1):
        try:
            if not isinstance(found, dict):
                raise TypeError("not an object")
            fields = figure_fields({"text": "", "population": "", "vague_text": "", **found})
            Figure(**fields).full_clean(exclude=["claim", "supersedes"])
        except ValidationError as refusal:
            raise ValidationError({"figures": f"Figure {number}: {' '.join(refusal.messages)}"}) from refusal
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise ValidationError(
                {"figures": f"Figure {number} needs metric, qualifier, low and high ({exc!r} is wrong)."}
            ) from exc
        figures.append(fields)
    return figures


def known_claim(
    *,
    text: str,
    quote: str,
    speaker_id: int | None,
    figures: list[dict],
    published: date | None = None,
    speaker_name: str = "",
) -> tuple[Claim | None, str]:
    """The known claim a candidate repeats, and why it is taken for the same one.

    The same figure means the same speaker, metric, qualifier, bounds and population (where
    both give one), and a claim made within a week of this article, where both dates are known:
    "five killed, the Interior Ministry said" in Mosul on 1 May is not the Basra toll of 20 May.
    Then near-identical wording (wire copy). Then claims.matching's ranked match, when it is
    good enough to offer (a paraphrase, a rounded figure, another outlet's wording), under the
    same week's rule.
    """
    found, reason = _same_figure_or_text(text, speaker_id, figures, published)
    if found is not None:
        return found, reason
    for match in matching.matches(text, speaker_name=speaker_name or None, figures=figures or None, limit=3):
        if match.offered and _close_in_time(match.claim, published):
            return match.claim, f"likely the same claim (score {match.score:.2f}): {'; '.join(match.reasons)}"
    return None, ""


def possible_matches(candidate, limit: int = 5) -> list:
    """The known claims the candidate may repeat, best first, for the reviewer to weigh."""
    published = candidate.document.published_at.date() if candidate.document.published_at else None
    return matching.matches(
        candidate.text, speaker_name=candidate.speaker_name or None, figures=candidate.figures or None,
        published=published, limit=limit,
    )  # fmt: skip


def _same_figure_or_text(
    text: str, speaker_id: int | None, figures: list[dict], published: date | None
) -> tuple[Claim | None, str]:
    if speaker_id is not None:
        for found in figures:
            fields = figure_fields(found)
            same = Figure.objects.filter(
                claim__speaker_id=speaker_id,
                metric=fields["metric"],
                qualifier=fields["qualifier"],
                low=fields["low"],
                high=fields["high"],
            ).select_related("claim")
            if fields["population"]:
                same = same.filter(Q(population__iexact=fields["population"]) | Q(population=""))
            if fields["period_start"]:
                same = same.filter(Q(period_start=fields["period_start"]) | Q(period_start__isnull=True))
            for figure in same[:20]:
                if not _close_in_time(figure.claim, published):
                    continue
                period = ""
                if figure.period_start and figure.period_end:
                    period = f", {figure.period_start:%-d %b %Y}–{figure.period_end:%-d %b %Y}"
                return figure.claim, f"same speaker and the same figure: {figure.summary()}{period}"
    # Wire copy repeats the report's own sentences: compare with the excerpts already recorded.
    words = text.split()
    probes = {" ".join(words[i : i + 3]) for i in range(0, max(1, len(words) - 2), max(1, len(words) // 3))}
    probes = {p for p in probes if len(p) >= 12}
    if not probes:
        return None, ""
    query = Q()
    for probe in probes:
        query |= Q(excerpt__icontains=probe)
    appearances = Appearance.objects.filter(query).select_related("claim")
    if speaker_id is not None:
        appearances = appearances.filter(claim__speaker_id=speaker_id)
    lowered = " ".join(text.lower().split())
    for appearance in appearances[:200]:
        excerpt = " ".join(appearance.excerpt.lower().split())
        similar = excerpt in lowered or lowered in excerpt
        if similar or SequenceMatcher(None, lowered, excerpt).ratio() >= NEAR_IDENTICAL:
            return appearance.claim, f"near-identical text: “{appearance.excerpt[:80]}”"
    return None, ""


def _close_in_time(claim: Claim, published: date | None, days: int = 7) -> bool:
    if published is None:
        return True
    dates = [claim.said_on] if claim.said_on else []
    dates += [
        a.document.published_at.date() for a in claim.appearances.select_related("document") if a.document.published_at
    ]
    return not dates or min(abs((d - published).days) for d in dates) <= days
