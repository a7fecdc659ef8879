"""Figures in a stretch of news text: how many, counted how, of whom, and what happened to them."""

import itertools
import re
from dataclasses import dataclass, field

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"dozen": 12, "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
VAGUE = [
    "a large number", "a small number", "a number", "large numbers", "a handful", "dozens", "scores",
    "hundreds", "thousands", "tens of thousands", "hundreds of thousands", "millions", "several", "many",
    "a third", "a quarter", "half", "two thirds", "two-thirds", "a fifth", "a majority", "most",
]  # fmt: skip
FRACTIONS = {"a third", "a quarter", "half", "two thirds", "two-thirds", "a fifth", "a majority", "most"}
QUALIFIERS = [
    ("at least", "at_least"), ("no fewer than", "at_least"), ("a minimum of", "at_least"),
    ("more than", "more_than"), ("over", "more_than"), ("upwards of", "more_than"), ("in excess of", "more_than"),
    ("as many as", "at_most"), ("up to", "at_most"), ("at most", "at_most"), ("fewer than", "at_most"),
    ("less than", "at_most"), ("no more than", "at_most"),
    ("nearly", "approximately"), ("almost", "approximately"), ("about", "approximately"),
    ("around", "approximately"), ("approximately", "approximately"), ("roughly", "approximately"),
    ("some", "approximately"), ("an estimated", "approximately"), ("estimated", "approximately"),
    ("close to", "approximately"), ("some", "approximately"),
]  # fmt: skip
# What happened to the people counted: the word, and the metric it means.
METRICS = [
    (r"killed|killing|kills|dead|died|dying|deaths?|death toll|lives|slain|massacred|executed|perished|drowned|"
     r"lost their lives|were found dead|fatalities|shot dead|bodies", "killed"),
    (r"wounded|wounding|injured|injuring|injuries|hurt|wounds", "wounded"),
    (r"fled|flee|fleeing|displaced|displacing|evacuated|uprooted|homeless|refugees|forced to leave|left their homes",
     "displaced"),
    (r"arrested|arresting|detained|detaining|arrests|rounded up|taken into custody|taken prisoner", "arrested"),
    (r"missing|unaccounted for|disappeared", "missing"),
    (r"arrived|deployed|sent|massed|gathered|dispatched|mobilized|mobilised|amassed", "deployed"),
    (r"capture|captured|seized|controls?|controlled|took|overran", "territory"),
]  # fmt: skip
POPULATIONS = (
    r"people|persons|civilians|residents|inhabitants|soldiers|troops|servicemen|police(?:men|women| officers)?|"
    r"officers|security forces|members of the security forces|militants|fighters|insurgents|militiamen|gunmen|"
    r"rebels|children|women|men|students|workers|migrants|refugees|families|protesters|demonstrators|journalists|"
    r"prisoners|detainees|patients|passengers|villagers|pilgrims|worshippers|doctors|nurses|staff|guards|"
    r"suspects|members|volunteers|recruits|marines|sailors|personnel|bodies|corpses|victims|casualties|miners|"
    r"others"
)

NUMBER_WORD = "|".join(sorted([*UNITS, *SCALES], key=len, reverse=True))
DIGITS = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
AMOUNT = rf"(?:{DIGITS})(?:\s+(?:million|billion|thousand))?|(?:(?:{NUMBER_WORD})(?:[\s-]+(?:{NUMBER_WORD}|and))*)"
QUALIFIER = "|".join(sorted({re.escape(q) for q, _ in QUALIFIERS}, key=len, reverse=True))
VAGUE_WORDS = "|".join(sorted((re.escape(v) for v in VAGUE), key=len, reverse=True))

FIGURE = re.compile(
    rf"""
    (?<![\w.,])
    (?:(?P<between>between)\s+(?P<low>{AMOUNT})\s+and\s+(?P<high>{AMOUNT})
      |(?P<from>{DIGITS}|{AMOUNT}(?=\s+to\s))\s*(?:\s+to\s+|-|–)\s*(?P<to>{AMOUNT})
      |(?:(?P<qualifier>{QUALIFIER})\s+)?(?P<amount>(?:half\s+a|a)\s+(?:dozen|million|thousand|hundred)|{AMOUNT})
      |(?P<vague>{VAGUE_WORDS}))
    (?![\w])
    """,
    re.IGNORECASE | re.VERBOSE,
)
POPULATION = re.compile(
    rf"^\s*(?:(?:of|more|other|(?-i:[A-Z][\w-]+)|local|foreign|civilian|security|police|army|military|young|"
    rf"unarmed|innocent|armed|government|opposition)\s+){{0,3}}(?P<population>{POPULATIONS})\b",
    re.IGNORECASE,
)
NEXT_NUMBER = re.compile(rf"\d|\b(?:{NUMBER_WORD})\b", re.IGNORECASE)
METRIC_PATTERNS = [(re.compile(rf"\b(?:{words})\b", re.IGNORECASE), metric) for words, metric in METRICS]
MONEY_BEFORE = re.compile(r"[$€£#]\s*$")
NOT_A_COUNT = re.compile(
    r"^\s*(?:%|percent|per cent|years?|year-old|months?|weeks?|days?|hours?|minutes?|km|kilometers?|kilometres?|"
    r"miles?|meters?|metres?|dollars?|euros?|pounds?|times|o'clock|a\.m\.|p\.m\.|am\b|pm\b|st\b|nd\b|rd\b|th\b|"
    r"degrees|tons?|tonnes?|kg|feet|foot|inches|sq|square|acres|hectares|billion dollars|million dollars|"
    r"seats|votes|points|goals|-year|of them\b|of whom\b|of those\b|of the dead\b|of the wounded\b)",
    re.IGNORECASE,
)


@dataclass
class Figure:
    text: str
    start: int
    end: int
    qualifier: str
    low: float | None
    high: float | None
    metric: str
    population: str = ""
    vague_text: str = ""
    unit: str = "people"
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "qualifier": self.qualifier,
            "low": _json_number(self.low),
            "high": _json_number(self.high),
            "metric": self.metric,
            "population": self.population,
            "vague_text": self.vague_text,
            "unit": self.unit,
        }


def _json_number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def parse_amount(words: str) -> float | None:
    words = words.lower().replace(",", "").strip()
    if words.startswith("half a "):
        scale = SCALES.get(words.split()[-1])
        return scale / 2 if scale else None
    if words.startswith("a "):
        words = "one " + words[2:]
    if re.fullmatch(r"\d+(?:\.\d+)?(?:\s+(?:million|billion|thousand))?", words):
        number, *scale = words.split()
        return float(number) * (SCALES[scale[0]] if scale else 1)
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words):
        if word == "and" or not word:
            continue
        if word in UNITS:
            current += UNITS[word]
        elif word in ("hundred", "dozen"):
            current = (current or 1) * SCALES[word]
        elif word in SCALES:
            total += (current or 1) * SCALES[word]
            current = 0
        else:
            return None
    return float(total + current)


def figures_in(text: str, start: int, end: int) -> list[Figure]:
    """Every counted figure in text[start:end] that says what happened to whom."""
    body = text[start:end]
    figures = []
    for match in FIGURE.finditer(body):
        figure = _figure(body, match, start)
        if figure is not None:
            figures.append(figure)
    # "killing at least 10 police and wounding 15": the second count is of the same people.
    for earlier, later in itertools.pairwise(figures):
        if not later.population and earlier.population and later.start - earlier.end < 30:
            later.population = earlier.population
    return figures


def _figure(body: str, match: re.Match, offset: int) -> Figure | None:
    after = body[match.end() : match.end() + 80]
    before = body[max(0, match.start() - 60) : match.start()]
    if NOT_A_COUNT.match(after) or MONEY_BEFORE.search(before):
        return None
    if match.group("vague"):
        words = match.group("vague")
        qualifier, low, high = "vague", None, None
        if words.lower() in FRACTIONS and not re.match(r"^\s*of\b", after, re.IGNORECASE):
            return None
    elif match.group("between") or match.group("from"):
        low = parse_amount(match.group("low") or match.group("from"))
        high = parse_amount(match.group("high") or match.group("to"))
        if low is None or high is None or low >= high:
            return None
        qualifier, words = "range", ""
    else:
        amount = parse_amount(match.group("amount"))
        if amount is None or amount == 0:
            return None
        if 1900 <= amount <= 2100 and "," not in match.group("amount"):
            return None  # a year, not a count
        qualifier = dict(QUALIFIERS).get((match.group("qualifier") or "").lower(), "exact")
        if qualifier == "exact" and re.search(r"\b(?:exceeded|exceeds|topped|tops|surpassed|passed)\s+$", before, re.I):
            qualifier = "more_than"  # "the number of wounded exceeded 50"
        (low, high), words = _bounds(qualifier, amount), ""
    population_match = POPULATION.match(after)
    population = population_match.group("population").lower() if population_match else ""
    metric = _metric(body, match, population_match)
    if metric is None and population in ("bodies", "corpses", "dead"):
        metric = "killed"  # "we have received 64 bodies"
    if metric is None:
        return None
    unit = "fraction" if words and words.lower() in FRACTIONS else "people"
    if unit == "fraction" and metric != "territory" and not population:
        return None
    return Figure(
        text=match.group().strip(),
        start=offset + match.start(),
        end=offset + match.end(),
        qualifier=qualifier,
        low=low,
        high=high,
        metric=metric,
        population=population,
        vague_text=words if qualifier == "vague" else "",
        unit=unit,
    )


def _bounds(qualifier: str, amount: float) -> tuple[float | None, float | None]:
    if qualifier in ("at_least", "more_than"):
        return amount, None
    if qualifier == "at_most":
        return None, amount
    return amount, amount


def _metric(body: str, match: re.Match, population_match) -> str | None:
    """What happened to the people counted: the verb just before the figure ("killing at least
    10"), else the nearest one after it ("500 people have been killed"), else one shortly before."""
    just_before = body[max(0, match.start() - 16) : match.start()]
    for pattern, metric in METRIC_PATTERNS:
        last = next(reversed(list(pattern.finditer(just_before))), None)
        if last and not just_before[last.end() :].strip() and metric != "territory":
            return metric
    tail_start = match.end() + (population_match.end() if population_match else 0)
    after = body[tail_start : tail_start + 70]
    another = NEXT_NUMBER.search(after)
    if another:
        after = after[: another.start()]  # "64 bodies and more than 200 wounded": "wounded" is the 200's
    best = None
    for pattern, metric in METRIC_PATTERNS:
        found = pattern.search(after)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), metric)
    if best is not None and best[0] < 45:
        if best[1] != "territory" or not population_match:
            return best[1]
        return "arrested"  # "40 fighters were captured": people captured are taken, not territory
    before = body[max(0, match.start() - 30) : match.start()]
    for pattern, metric in METRIC_PATTERNS:
        if pattern.search(before):
            return metric if metric != "territory" or not population_match else None
    return None
