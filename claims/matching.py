"""Claim matching: the known claims that say the same thing as a text, ranked, each with why.

`matches(text, ...)` reads a sentence, a candidate or a claim's text (with, when the caller
knows them, its speaker's name, its figures, when it was published and its event) and answers
at most `limit` Match objects, best first. A match at or above OFFER is close enough to offer
"add as a new appearance of claim N"; below it, a match is shown as a maybe.

The score adds what a reviewer would weigh: the same speaker (or one in the same organization
tree, or described alike: "a provincial spokesman"), the same event, a figure of the same metric
whose bounds and period overlap the text's, and how alike the wording is (trigram similarity).
A figure of the same metric that cannot be the same number counts against. When the caller
knows when the text was published, a claim said in the month before counts for (the nearer,
the more) and one said after counts against: the same speaker often says the same words again.

Candidates come from the database first. On PostgreSQL: the stored search vector (migration
0008) for the text's figures, with every nearby whole number a rounded report could stand for,
for its words, and for the claims of the speakers it names (found by trigram similarity), then
pg_trgm's similarity() on those candidates only. Elsewhere every claim sharing a word with the
text, scored by the same trigram similarity written in Python: slower, same answers on the seed.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connections, models, router
from django.db.models import Q, Value
from django.db.models.expressions import RawSQL

from claims.models import Claim, Figure
from sources.models import Affiliation, Source, SourceAlias, SourceKind

OFFER = 0.45  # a match at least this good is offered as "a new appearance of claim N"
MAX_TEXT = 10_000

WEIGHTS = {
    "text": 0.45,  # times the trigram similarity, 0 to 1
    "figure": 0.35,
    "period": 0.05,
    "other_figure": -0.30,
    "no_figure": -0.10,
    "speaker": 0.25,
    "tree": 0.15,
    "described": 0.10,
    "other_speaker": -0.15,
    "event": 0.10,
    "recent": 0.08,  # said in the weeks before the report that repeats it
    "after": -0.10,  # said after the report was published: it cannot be what the report repeats
}
RECENT_DAYS = 30
CANDIDATES_PER_PROBE = 100
PROLIFIC = 1_000  # a speaker with this many claims is probed by the places the text names
ROUNDED_VALUES = 120  # at most this many whole numbers stand for one rounded figure

# Words a report uses for each metric, as the english text search configuration stems them.
METRIC_WORDS = {
    Figure.Metric.KILLED: ["killed", "killing", "dead", "died", "deaths", "death", "lives", "kill"],
    Figure.Metric.WOUNDED: ["wounded", "wounding", "injured", "injuries", "hurt"],
    Figure.Metric.DISPLACED: ["displaced", "fled", "flee", "fleeing", "homeless", "uprooted"],
    Figure.Metric.ARRESTED: ["arrested", "detained", "arrests", "detentions"],
    Figure.Metric.MISSING: ["missing", "unaccounted"],
    Figure.Metric.DEPLOYED: ["arrived", "deployed", "reinforcements", "sent"],
}
_METRIC_OF_WORD = {word: metric for metric, words in METRIC_WORDS.items() for word in words}
LOW_WORDS = ("at least", "no fewer than", "more than", "over", "upwards of")
HIGH_WORDS = ("as many as", "up to", "at most", "no more than", "fewer than", "nearly", "almost")
ROUGH_WORDS = ("some", "about", "around", "roughly", "approximately", "an estimated", "estimated", "nearly", "almost")
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\w,]*\d)")
RANGE_END = re.compile(r"\s+(?:and|to)\s+(\d{1,3}(?:,\d{3})+|\d+)\b")
NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:[A-Z]\.|[A-Z][\w'’-]+|al-[\w'’-]+))+(?:\s+\d{1,6}\b)?")
WORD = re.compile(r"[^\W_]+")
PROPER = re.compile(r"\b[A-Z][^\W\d_]{2,}\b")
STOPWORDS = frozenset(
    """a an and the of in on at to for from by with as is was were be been has have had it its that this
    said says told according some about around over more than least up people""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Match:
    claim: Claim
    score: float
    reasons: tuple[str, ...]

    @property
    def offered(self) -> bool:
        return self.score >= OFFER


@dataclass
class Wanted:
    """One figure a text states, with the range of values it can stand for."""

    metric: str
    low: Decimal | None
    high: Decimal | None
    period_start: date | None = None
    period_end: date | None = None
    stated: list[Decimal] = field(default_factory=list)


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(): shared trigrams of the words, lower-cased and padded, over all."""
    first, second = _trigrams(a), _trigrams(b)
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def _trigrams(text: str) -> set[str]:
    grams = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def figures_in(text: str) -> list[Wanted]:
    """The counted figures a sentence states: a number, how it is qualified, and the metric of
    the nearest metric word after it (or anywhere in the sentence)."""
    text = NAME.sub(lambda name: " " * len(name.group(0)), text)  # "Ahmed A. Haddad 12" counts nobody
    lower = text.lower()
    found, skip = [], set()
    for number in NUMBER.finditer(text):
        if number.start() in skip:
            continue
        value = Decimal(number.group(1).replace(",", ""))
        upper = RANGE_END.match(text, number.end())
        if lower[max(0, number.start() - 8) : number.start()].endswith("between ") and upper:
            skip.add(upper.start(1))
            high = Decimal(upper.group(1).replace(",", ""))
            after = lower[upper.end() : upper.end() + 60]
            metric = next((_METRIC_OF_WORD[w] for w in WORD.findall(after) if w in _METRIC_OF_WORD), None)
            if metric:
                found.append(Wanted(metric=metric, low=value, high=high, stated=[value, high]))
            continue
        if 1900 <= value <= 2100 and "," not in number.group(1):
            continue  # a year
        before = lower[max(0, number.start() - 16) : number.start()].rstrip()
        after = lower[number.end() : number.end() + 60]
        metric = next((_METRIC_OF_WORD[w] for w in WORD.findall(after) if w in _METRIC_OF_WORD), None)
        metric = metric or next((_METRIC_OF_WORD[w] for w in WORD.findall(lower) if w in _METRIC_OF_WORD), None)
        if metric is None:
            continue
        slack = _rounding(value) if before.endswith(ROUGH_WORDS) or _rounding(value) >= 10 else Decimal(0)
        low, high = value - slack, value + slack
        if before.endswith(LOW_WORDS):
            high = None
        elif before.endswith(HIGH_WORDS):
            low = None
        found.append(Wanted(metric=metric, low=low, high=high, stated=[value]))
    return found


def _rounding(value: Decimal) -> Decimal:
    """Half the unit a round number is rounded to: 500 could stand for 450 to 550."""
    digits = str(int(value))
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0 or zeros == len(digits):
        return Decimal(0)
    return Decimal(10**zeros) / 2


def _given_figures(figures) -> list[Wanted]:
    """Figures as intake holds them (Candidate.figures or Figure fields): metric, low, high."""
    wanted = []
    for item in figures or ():
        get = item.get if isinstance(item, dict) else lambda name, default=None, item=item: getattr(item, name, default)
        metric = get("metric")
        if not metric:
            continue
        bounds = []
        for name in ("low", "high"):
            try:
                bounds.append(None if get(name) in (None, "") else Decimal(str(get(name))))
            except InvalidOperation:
                bounds.append(None)
        low, high = bounds
        wanted.append(
            Wanted(
                metric=metric,
                low=low,
                high=high,
                period_start=_day(get("period_start")),
                period_end=_day(get("period_end")),
                stated=[b for b in bounds if b is not None],
            )
        )
    return wanted


def _day(value) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def speakers_named(text: str, speaker_name: str | None = None, *, using: str) -> set[int]:
    """Sources the caller names, or whose names (or aliases) the text holds."""
    postgres = connections[using].vendor == "postgresql"
    names = [speaker_name.strip()] if speaker_name and speaker_name.strip() else NAME.findall(text)[:5]
    found: set[int] = set()
    if not postgres:
        lower = text.lower() if not speaker_name else speaker_name.strip().lower()
        for pk, name in Source.objects.using(using).values_list("pk", "name"):
            if len(name) > 3 and name.lower() in lower:
                found.add(pk)
        aliases = SourceAlias.objects.using(using).values_list("source_id", "name")
        found |= {pk for pk, name in aliases if len(name) > 3 and name.lower() in lower}
        return found
    for name in names:
        close = Source.objects.using(using).filter(name__trigram_similar=name)
        close = close.annotate(closeness=TrigramSimilarity("name", Value(name))).filter(closeness__gte=0.5)
        found |= set(close.order_by("-closeness").values_list("pk", flat=True)[:3])
        alias = SourceAlias.objects.using(using).filter(name__trigram_similar=name)
        alias = alias.annotate(closeness=TrigramSimilarity("name", Value(name))).filter(closeness__gte=0.5)
        found |= set(alias.order_by("-closeness").values_list("source_id", flat=True)[:3])
    return found


def speakers_described(text: str, *, using: str) -> set[int]:
    """People whose affiliation (role and organization) is described by two or more of the
    text's words: "a provincial spokesman" is Haimour, spokesman for the Anbar provincial
    government. Words are compared by their first seven letters ("provincial", "province")."""
    metric_words = set(_METRIC_OF_WORD)
    stems = sorted({w[:7] for w in _content_words(text) if len(w) >= 5 and w not in metric_words})[:8]
    if len(stems) < 2:
        return set()
    pattern = "|".join(re.escape(stem) for stem in stems)

    def described(words: str) -> set[str]:
        lowered = words.lower()
        return {stem for stem in stems if stem in lowered}

    organizations = Source.objects.using(using).filter(kind=SourceKind.ORGANIZATION, name__iregex=pattern)
    named = {pk: described(name) for pk, name in organizations.values_list("pk", "name")}
    affiliations = Affiliation.objects.using(using).filter(Q(role__iregex=pattern) | Q(organization__in=list(named)))
    people = set()
    for person, role, organization in affiliations.values_list("person_id", "role", "organization_id"):
        if len(described(role) | named.get(organization, set())) >= 2:
            people.add(person)
    return people


def _content_words(text: str) -> list[str]:
    words = []
    for word in WORD.findall(text.lower()):
        if word not in STOPWORDS and len(word) > 2 and not word.isdigit() and word not in words:
            words.append(word)
    return words[:30]


def _number_terms(wanted: list[Wanted]) -> list[str]:
    """tsquery terms for every whole number each figure can stand for ("8,000" is '8' <-> '000')."""
    terms = []
    for figure in wanted:
        low = figure.low if figure.low is not None else (figure.stated[0] if figure.stated else None)
        high = figure.high if figure.high is not None else (figure.stated[0] if figure.stated else None)
        if low is None or high is None:
            continue
        first, last = int(low), int(high)
        # "8,000" is a phrase of two common tokens, dearer to look up than one: fewer of them.
        most = ROUNDED_VALUES if last < 1000 else ROUNDED_VALUES // 6
        step = max(1, (last - first + 1) // most + 1)
        values = set(range(first, last + 1, step)) | {int(v) for v in figure.stated}
        for value in sorted(values):
            terms.append(" <-> ".join(f"'{part}'" for part in f"{value:,}".split(",")))
    return terms


def _candidate_ids(text: str, wanted: list[Wanted], speakers: set[int], *, using: str) -> list[int]:
    claims = Claim.objects.using(using)
    words = _content_words(text)
    if connections[using].vendor != "postgresql":
        condition = Q(speaker__in=speakers)
        for word in words:
            condition |= Q(text__icontains=word) | Q(quote__icontains=word)
        for figure in wanted:
            condition |= Q(figures__metric=figure.metric)
        return list(claims.filter(condition).values_list("pk", flat=True).distinct())
    ids: list[int] = []
    vector = "claims_claim.search_vector"
    any_word = " | ".join(f"'{w}'" for w in words)

    def probe(condition: str, params: list, *, rank: bool = True, among=None) -> int:
        found = (among if among is not None else claims).filter(
            RawSQL(condition, params, output_field=models.BooleanField())
        )
        if rank and any_word:
            order = RawSQL(f"ts_rank({vector}, to_tsquery('english', %s))", [any_word])
            found = found.annotate(rank=order).order_by("-rank", "-pk")
        else:
            found = found.order_by("-updated_at", "-pk")
        before = len(ids)
        ids.extend(found.values_list("pk", flat=True)[:CANDIDATES_PER_PROBE])
        return len(ids) - before

    numbers = _number_terms(wanted)
    metric_words = sorted({w for f in wanted for w in METRIC_WORDS.get(f.metric, [])})
    if numbers and metric_words:
        query = f"({' | '.join(numbers)}) & ({' | '.join(metric_words)})"
        # A rounded figure stands for a hundred numbers, common ones at 1M claims: when the text
        # names its speaker, their claims are where the figure is looked for (the words probe
        # below still finds the same wording from anyone).
        condition = f"{vector} @@ to_tsquery('english', %s)"
        if speakers:
            probe(condition, [query], among=claims.filter(speaker__in=speakers))
        else:
            # "a provincial spokesman said": the people so described are looked at first; all
            # claims (300 ms at 1M for a rounded figure) only when no one is described so.
            described = speakers_described(text, using=using)
            if not (described and probe(condition, [query], among=claims.filter(speaker__in=described))):
                probe(condition, [query])
    if words:
        probe(f"{vector} @@ plainto_tsquery('english', %s)", [" ".join(words)])
    if speakers and any_word:
        own = claims.filter(speaker__in=speakers)
        places = _proper_nouns(text)
        if places and own[:PROLIFIC].count() == PROLIFIC:
            # Ranking every claim of a prolific speaker that shares a word reads each one (250 ms
            # for 135,000 claims): only those naming every place the text names are ranked, or,
            # if none does, those naming any of them.
            condition = f"{vector} @@ to_tsquery('english', %s)"
            if len(places) < 2 or not probe(condition, [f"{' & '.join(places)} & ({any_word})"], among=own):
                probe(condition, [f"({' | '.join(places)}) & ({any_word})"], among=own)
        else:
            probe(f"{vector} @@ to_tsquery('english', %s)", [any_word], among=own)
    return list(dict.fromkeys(ids))


def _proper_nouns(text: str) -> list[str]:
    """The capitalised words of a text that are not its first word, part of a person's name or
    the outlet it was told to ("told the BBC"): mostly places and organizations ("Tripoli",
    "Kherson"), the words a speaker's own claims are told apart by, as tsquery terms."""
    names = [(m.start(), m.end()) for m in NAME.finditer(text)]
    found = []
    for word in PROPER.finditer(text):
        before = text[max(0, word.start() - 24) : word.start()].rstrip()  # enough for "according to the"
        if word.start() == 0 or before.endswith((".", "!", "?", '"', "“")):
            continue
        if re.search(r"\b(?:told|according to)(?: the| a)?$", before, re.I):
            continue
        if any(start <= word.start() < end for start, end in names):
            continue
        term = f"'{word.group(0).lower()}'"
        if term not in found and word.group(0).lower() not in STOPWORDS:
            found.append(term)
    return found[:8]


def matches(
    text: str,
    *,
    speaker_name: str | None = None,
    figures=None,
    published: date | None = None,
    event=None,
    limit: int = 10,
    exclude: int | None = None,
    using: str | None = None,
) -> list[Match]:
    """The known claims that say what `text` says, best first; see the module's docstring.

    `figures` are the text's figures as intake holds them (dicts or Figure-like objects with
    metric, low, high and optionally period_start/period_end); without them they are read from
    the text. `event` is an Event or its id; `exclude` a claim id to leave out (the claim itself).
    """
    using = using or router.db_for_read(Claim)
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return []
    wanted = _given_figures(figures) if figures else figures_in(text)
    speakers = speakers_named(text, speaker_name, using=using)
    ids = [pk for pk in _candidate_ids(text, wanted, speakers, using=using) if pk != exclude]
    if not ids:
        return []
    candidates = _candidates(ids, text, with_descriptions=not speakers, using=using)
    trees = _trees(speakers, candidates, using=using)
    event_id = getattr(event, "pk", event)
    attribution = set(_content_words(text))
    scored = []
    for claim in candidates:
        score, reasons = _score(claim, claim.likeness, wanted, speakers, trees, event_id, attribution)
        if published and claim.said_on:
            score += _timing(claim.said_on, published, reasons)
        scored.append((round(score, 4), claim.pk, tuple(reasons)))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    best = scored[:limit]
    claims = Claim.objects.using(using).select_related("speaker").in_bulk([pk for _, pk, _ in best])
    return [Match(claim=claims[pk], score=score, reasons=reasons) for score, pk, reasons in best if pk in claims]


@dataclass
class _Candidate:
    """What the score reads of a known claim: plain columns, not a model instance (a match
    weighs a hundred or more of them and keeps `limit`)."""

    pk: int
    kind: str
    text: str
    speaker_id: int
    speaker_name: str
    described_as: str
    event_id: int | None
    said_on: date | None
    likeness: float
    figures: list = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)


class _Bounds(NamedTuple):
    metric: str
    low: Decimal | None
    high: Decimal | None
    period_start: date | None
    period_end: date | None


def _candidates(ids: list[int], text: str, *, with_descriptions: bool, using: str) -> list[_Candidate]:
    """The candidate claims with their figures (and, when the text names no speaker, how their
    speakers are described), in two or three queries."""
    rows = Claim.objects.using(using).filter(pk__in=ids)
    columns = ["pk", "kind", "text", "speaker_id", "speaker__name", "described_as", "event_id", "said_on"]
    postgres = connections[using].vendor == "postgresql"
    if postgres:
        rows = rows.annotate(likeness=TrigramSimilarity("text", Value(text)))
    found = {}
    for row in rows.values_list(*columns, *(["likeness"] if postgres else [])):
        likeness = row[8] if postgres else trigram_similarity(row[2], text)
        found[row[0]] = _Candidate(*row[:8], likeness=float(likeness))
    figures = Figure.objects.using(using).filter(claim_id__in=list(found)).order_by("claim_id", "pk")
    for claim_id, *bounds in figures.values_list("claim_id", "metric", "low", "high", "period_start", "period_end"):
        found[claim_id].figures.append(_Bounds(*bounds))
    if with_descriptions:
        by_speaker: dict[int, list[_Candidate]] = {}
        for claim in found.values():
            by_speaker.setdefault(claim.speaker_id, []).append(claim)
        affiliations = Affiliation.objects.using(using).filter(person_id__in=list(by_speaker)).order_by("pk")
        for person, role, organization in affiliations.values_list("person_id", "role", "organization__name"):
            for claim in by_speaker[person]:
                claim.descriptions.append(f"{role} {organization}")
    return list(found.values())


def _score(claim, likeness, wanted, speakers, trees, event_id, attribution) -> tuple[float, list[str]]:
    score, reasons = WEIGHTS["text"] * float(likeness), []
    if likeness >= 0.2:
        reasons.append(f"similar wording ({likeness:.0%})")
    if speakers:
        if claim.speaker_id in speakers:
            score += WEIGHTS["speaker"]
            reasons.append(f"same speaker ({claim.speaker_name})")
        elif trees.get(claim.speaker_id) and trees[claim.speaker_id] & trees["wanted"]:
            score += WEIGHTS["tree"]
            reasons.append(f"same organization tree as the speaker named ({claim.speaker_name})")
        else:
            score += WEIGHTS["other_speaker"]
    else:
        described = _description_words(claim) & attribution
        if described:  # "provincial" alone is half of "provincial spokesman"
            score += WEIGHTS["described"] * min(1.0, len(described) / 2)
            reasons.append(f"speaker described alike ({', '.join(sorted(described))})")
    if event_id and claim.event_id == event_id:
        score += WEIGHTS["event"]
        reasons.append("same event")
    figures = list(claim.figures)
    for figure in wanted:
        same_metric = [f for f in figures if f.metric == figure.metric]
        if same_metric and all(f.low is None and f.high is None for f in same_metric):
            continue  # "hundreds": neither for nor against
        if not same_metric:
            if figures or claim.kind == Claim.Kind.FIGURE:
                score += WEIGHTS["no_figure"]
            continue
        overlapping = [f for f in same_metric if _overlap(figure.low, figure.high, f.low, f.high)]
        if not overlapping:
            score += WEIGHTS["other_figure"]
            reasons.append(f"same metric ({figure.metric}) but a different figure")
            continue
        best = overlapping[0]
        figures.remove(best)  # each of the claim's figures answers one of the text's
        score += WEIGHTS["figure"]
        reasons.append(f"same metric ({figure.metric}), overlapping figures ({_bounds(figure)} and {_bounds(best)})")
        if (
            figure.period_start
            and best.period_start
            and _dates_meet(figure.period_start, figure.period_end, best.period_start, best.period_end)
        ):
            score += WEIGHTS["period"]
            reasons.append("overlapping period")
    return score, reasons


def _timing(said_on: date, published: date, reasons: list[str]) -> float:
    days = (published - said_on).days
    if days < -1:  # a day's slack for time zones
        return WEIGHTS["after"]
    if days <= RECENT_DAYS:
        reasons.append(f"said {max(days, 0)} day(s) before this report")
        return WEIGHTS["recent"] * (1 - max(days, 0) / (RECENT_DAYS + 1))
    return 0.0


def _overlap(low_a, high_a, low_b, high_b) -> bool:
    """Whether two figures' bounds meet. "At least 500" reaches a quarter above 500 and "as many
    as 500" a quarter below, no further: a figure with no bounds (a vague one) meets none."""
    low_a, high_a = _closed(low_a, high_a)
    low_b, high_b = _closed(low_b, high_b)
    if None in (low_a, high_a, low_b, high_b):
        return False
    return low_a <= high_b and low_b <= high_a


def _closed(low, high):
    if low is not None and high is None:
        return low, low * Decimal("1.25")
    if high is not None and low is None:
        return high * Decimal("0.75"), high
    return low, high


def _dates_meet(start_a, end_a, start_b, end_b) -> bool:
    return start_a <= (end_b or start_b) and start_b <= (end_a or start_a)


def _bounds(figure) -> str:
    def number(value):
        return f"{value.normalize():,f}" if value is not None else "…"

    if figure.low == figure.high:
        return number(figure.low)
    return f"{number(figure.low)}–{number(figure.high)}"


def _description_words(claim) -> set[str]:
    words = set(_content_words(claim.described_as))
    for description in claim.descriptions:
        words |= set(_content_words(description))
    return words


def _trees(speakers: set[int], candidates: list[Claim], *, using: str) -> dict:
    """The organization-tree roots of the speakers named and of the candidates' speakers
    (organizations' own, people's through their affiliations), by source id; "wanted": the
    named speakers' roots together. Two queries, whatever the number of candidates."""
    if not speakers:
        return {"wanted": set()}
    ids = speakers | {c.speaker_id for c in candidates}
    parents = dict(
        Source.objects.using(using)
        .filter(kind__in=[SourceKind.ORGANIZATION, SourceKind.OUTLET])
        .values_list("pk", "parent_id")
    )
    links = Affiliation.objects.using(using).filter(person_id__in=ids).values_list("person_id", "organization_id")

    def root(pk):
        seen = set()
        while parents.get(pk) and pk not in seen:
            seen.add(pk)
            pk = parents[pk]
        return pk

    trees: dict = {pk: {root(pk)} for pk in ids if pk in parents}
    for person, organization in links:
        trees.setdefault(person, set()).add(root(organization))
    trees["wanted"] = set().union(*(trees.get(pk, set()) for pk in speakers))
    return trees
