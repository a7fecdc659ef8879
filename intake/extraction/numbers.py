"""Figures in a stretch of news text: how many, counted how, of whom, and what happened to them."""

import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from intake.extraction.text import word_alternation

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {
    "dozen": 12, "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000, "m": 1_000_000, "bn": 1_000_000_000,
}  # fmt: skip
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
    ("close to", "approximately"), ("just over", "more_than"), ("just under", "at_most"), ("above", "more_than"),
    ("as much as", "at_most"), ("as high as", "at_most"),
    ("exactly", "exact"), ("precisely", "exact"), ("a total of", "exact"), ("well over", "more_than"),
]  # fmt: skip
# What happened to the people counted: the word, and the metric it means.
METRICS = [
    (r"killed|killing|kills|dead|died|dying|deaths?|death toll|lives|slain|massacred|executed|perished|drowned|"
     r"lost their lives|were found dead|fatalities|shot dead|bodies|"
     r"fatally (?:shot|wounded|stabbed|injured)", "killed"),
    (r"wounded|wounding|injured|injuring|injuries|hurt|wounds|hospitali[sz]ed|admitted to hospitals?", "wounded"),
    (r"fled|flee|fleeing|displaced|displacing|evacuated|evacuation|evacuate|uprooted|homeless|refugees|"
     r"forced to leave|to leave their homes|left their homes|to leave|to flee", "displaced"),
    (r"arrested|arresting|detained|detaining|arrests|rounded up|taken into custody|taken prisoner|in custody|"
     r"in detention", "arrested"),
    (r"missing|unaccounted for|disappeared|trapped", "missing"),
    (r"arrived|deployed|sent|massed|gathered|dispatched|mobilized|mobilised|amassed", "deployed"),
    (r"capture|captured|seized|controls?|controlled|took|overran", "territory"),
]  # fmt: skip
POPULATIONS = (
    r"people|persons|civilians|residents|inhabitants|soldiers|troops|servicemen|police(?:men|women| officers)?|"
    r"officers|security forces|members of the security forces|militants|fighters|insurgents|militiamen|gunmen|"
    r"rebels|children|women|men|students|workers|migrants|refugees|families|protesters|demonstrators|journalists|"
    r"prisoners|detainees|patients|passengers|villagers|pilgrims|worshippers|doctors|nurses|staff|guards|"
    r"suspects|members|volunteers|recruits|marines|sailors|personnel|bodies|corpses|victims|casualties|miners|"
    r"others|man|woman|child|boy|girl|person|baby|civilian|soldier|policeman|policewoman"
)

NUMBER_WORD = "|".join(sorted([*UNITS, *(k for k in SCALES if len(k) > 2)], key=len, reverse=True))
DIGITS = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?"
AMOUNT = (
    rf"(?:{DIGITS})(?:\s+(?:trillion|billion|million|thousand)|(?:bn|m)(?![\w]))?"
    rf"|(?:(?:{NUMBER_WORD})(?:[\s-]+(?:{NUMBER_WORD}|and)(?![\w]))*)"
)
SMALL = "one|two|three|four|five|six|seven|eight|nine|ten|\\d{1,2}"
FRACTION_WORDS = {"a third": 100 / 3, "one third": 100 / 3, "a quarter": 25, "one quarter": 25, "half": 50,
                  "two thirds": 200 / 3, "two-thirds": 200 / 3, "a fifth": 20, "one fifth": 20,
                  "three quarters": 75, "three-quarters": 75, "a tenth": 10}  # fmt: skip
QUALIFIER = "|".join(sorted({re.escape(q) for q, _ in QUALIFIERS}, key=len, reverse=True))
FRACTIONS_RE = "|".join(sorted((re.escape(f) for f in FRACTION_WORDS), key=len, reverse=True))
VAGUE_WORDS = "|".join(sorted((re.escape(v) for v in VAGUE), key=len, reverse=True))

SYMBOL = r"(?:US\$|[$€£¥₹])"
POINT_FRACTION_WORDS = {"a quarter": 0.25, "one quarter": 0.25, "three quarters": 0.75, "three-quarters": 0.75,
                        "half": 0.5, "a half": 0.5, "a third": 1 / 3, "a tenth": 0.1, "two thirds": 2 / 3}  # fmt: skip
POINT_FRACTIONS = "|".join(sorted((re.escape(f) for f in POINT_FRACTION_WORDS), key=len, reverse=True))
FIGURE = re.compile(
    rf"""
    (?<![\w.,])
    (?:(?P<between>between)\s+(?:{SYMBOL}\s?)?(?P<low>{AMOUNT})(?:\s*%|\s+percent)?\s+and\s+(?:{SYMBOL}\s?)?(?P<high>{AMOUNT})
      |(?P<from>{DIGITS}|{AMOUNT}(?=\s+to\s))(?P<from_percent>\s*%|\s+percent)?
       \s*(?:\s+to\s+|-|–)\s*(?:{SYMBOL}\s?)?(?P<to>{AMOUNT})(?(from_percent)(?=\s*%|\s+percent\b))
      |(?P<point_fraction>{POINT_FRACTIONS})\s+(?:of\s+)?an?\s+percentage\s+point(?![\w])
      |(?:(?P<qualifier>{QUALIFIER})\s+)?
       (?:(?P<ratio_n>{SMALL})\s+(?:in|out\s+of)\s+(?P<ratio_d>{SMALL})(?=\s+\w)
         |(?P<fraction>{FRACTIONS_RE})(?=\s+of\b(?!\s+an?\s+(?:percentage|point)))
         |(?:(?P<symbol>US\$|[$€£¥₹])\s?)?(?P<amount>(?:half\s+a|a)\s+(?:dozen|million|thousand|hundred)|{AMOUNT}))
      |(?P<vague>{VAGUE_WORDS}))
    (?![\w])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Where a FIGURE can begin: a digit, a currency sign, or the first word of one of its word
# alternatives (every such word is followed in FIGURE by a space, a hyphen or the end of the
# figure, so by no word character). A necessary condition only, far cheaper to search for
# than FIGURE itself: see _figure_matches.
_FIRST_WORDS = {
    re.split(r"[\s-]", phrase)[0].lower()
    for phrase in [*(q for q, _ in QUALIFIERS), *FRACTION_WORDS, *VAGUE, *UNITS, *(k for k in SCALES if len(k) > 2)]
} | {"between", "half", "a"}
FIGURE_START = re.compile(
    rf"(?<![\w.,])(?:\d|US\$|[$€£¥₹]|{word_alternation(_FIRST_WORDS)}(?!\w))",
    re.IGNORECASE,
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
            "kind": self.extra.get("kind", "count"),
            "currency": self.extra.get("currency", ""),
            "measure": self.extra.get("measure", ""),
        }


def _json_number(value):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# Compiled once here rather than looked up in re's cache on every figure.
PLAIN_DIGITS = re.compile(r"(\d+(?:\.\d+)?)\s*(trillion|billion|million|thousand|bn|m)?")
WORD_BREAK = re.compile(r"[\s-]+")
QUALIFIER_OF = dict(QUALIFIERS)


def parse_amount(words: str) -> float | None:
    words = words.lower().replace(",", "").strip()
    if words.startswith("half a "):
        scale = SCALES.get(words.split()[-1])
        return scale / 2 if scale else None
    if words.startswith("a "):
        words = "one " + words[2:]
    digits = PLAIN_DIGITS.fullmatch(words)
    if digits:
        number, scale = digits.groups()
        return round(float(number) * (SCALES[scale] if scale else 1), 6)
    total, current = 0, 0
    for word in WORD_BREAK.split(words):
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


COORDINATED = re.compile(r"\s*(?:[a-z]+\s+){0,2}(?:and|or)\s*", re.IGNORECASE)
SHARED = re.compile(
    r"\s*(?:[\w-]+\s+){0,3}?(?:[\w-]+)?\s*(?:,\s*)?(?:and|or|including|among them|of them|of whom)\s*", re.IGNORECASE
)
CHANGED_FROM = re.compile(r"[^,;.]{0,30},?\s*(?:up |down )?(?:from|compared with|against)\s+", re.IGNORECASE)
RUNNING_TOTAL = re.compile(r"\b(?:total|tally|toll|cumulative)\b[\w\s]{0,20}$", re.IGNORECASE)
TOLL_BEFORE = re.compile(
    r"\b(?:death\s+)?toll\b(?:[^.;,\d]|\d+(?:\.\d+)?-(?=[a-z]))*?\b"
    r"(?:at|as|to|above|over|past|of|reached|hit|topped|passed|risen|rose|climbed|jumped|stood|stands)\s+$",
    re.IGNORECASE,
)


def figures_in(text: str, start: int, end: int, context_start: int | None = None) -> list[Figure]:
    """Every figure in text[start:end] a claim rests on, read with the words from
    `context_start` on ("... detained, while a spokesman put the number at seven")."""
    context_start = start if context_start is None else min(start, context_start)
    body = text[context_start:end]
    figures = []
    for match in _figure_matches(body, start - context_start):
        figure = _figure(body, match, context_start)
        if figure is not None:
            figures.append(figure)
    for earlier, later in itertools.pairwise(figures):
        between = text[earlier.end : later.start]
        if earlier.metric == "other" and later.metric != "other" and COORDINATED.fullmatch(between):
            earlier.metric = later.metric  # "three children and three adults were killed"
        elif later.metric == "other" and earlier.metric != "other" and later.population and SHARED.fullmatch(between):
            later.metric = earlier.metric  # "killed 25 civilians and about 20 militants", "11, including 10 children"
        elif later.metric == "other" and earlier.metric == "other" and CHANGED_FROM.fullmatch(between):
            later.extra["measure"] = earlier.extra["measure"]  # "rose to 7.9 percent in January, from 7.8"
        elif later.metric == "other" and earlier.metric != "other" and RUNNING_TOTAL.search(between):
            later.metric = earlier.metric  # "439 people had died ..., bringing the total to 5,373"
            later.population = later.population or earlier.population
    # "killing at least 10 police and wounding 15": the second count is of the same people.
    for earlier, later in itertools.pairwise(figures):
        if not later.population and earlier.population and later.start - earlier.end < 30:
            later.population = earlier.population
    return figures


def _figure_matches(body: str, position: int):
    """What FIGURE.finditer(body, position) gives, faster: FIGURE is tried only where
    FIGURE_START says a figure can begin, and search goes on after each match as finditer's does."""
    while (start := FIGURE_START.search(body, position)) is not None:
        match = FIGURE.match(body, start.start())
        if match is None:
            position = start.start() + 1
        else:
            yield match
            position = match.end()


PERCENT_AFTER = re.compile(r"^\s*(?:%|percent\b|per cent\b|pc\b)", re.IGNORECASE)
POINTS_AFTER = re.compile(r"^\s*(?:of\s+a\s+)?(?:percentage\s+)?points?\b", re.IGNORECASE)
CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
CURRENCY_BEFORE = re.compile(r"(US\$|[$€£¥₹])\s*$")
SYMBOL_IN = re.compile(r"US\$|[$€£¥₹]")
CURRENCY_AFTER = re.compile(
    r"^\s*(dollars?|euros?|pounds?(?:\s+sterling)?|yen|yuan|renminbi|rupees?|roubles?|rubles?|pesos?|reais|real|"
    r"francs?|lira|naira|rand|won|dinars?|riyals?|dirhams?|shekels?)\b",
    re.IGNORECASE,
)
CURRENCY_WORDS = {
    "dollar": "USD", "euro": "EUR", "pound": "GBP", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rupee": "INR",
    "rouble": "RUB", "ruble": "RUB", "peso": "MXN", "reais": "BRL", "real": "BRL", "franc": "CHF", "lira": "TRY",
    "naira": "NGN", "rand": "ZAR", "won": "KRW", "dinar": "IQD", "riyal": "SAR", "dirham": "AED", "shekel": "ILS",
}  # fmt: skip
# What is counted is not a quantity a claim rests on: a time, a date, an age, a distance, a rank.
NOT_A_FIGURE = re.compile(
    r"^\s*(?:years?\b|year-old|-year|months?\b|weeks?\b|days?\b|hours?\b|minutes?\b|seconds?\b|a\.m\.|p\.m\.|"
    r"am\b|pm\b|o'clock|st\b|nd\b|rd\b|th\b|km\b|kilomet|miles?\b|met(?:er|re)s?\b|feet\b|foot\b|inch|"
    r"degrees|°|C\b|F\b|times\b|-|–|figures?\b|numbers?\b|estimates?\b|tolls?\b|magnitude\b|:\d|"
    r"of them\b|of whom\b|of those\b|of the dead\b|of the wounded\b)",
    re.IGNORECASE,
)
LONE_ONE_AFTER = re.compile(r"^\s*(?:[,.;:!?\"”]|$|of\b|another\b|who\b|that\b)", re.IGNORECASE)
MONTH_NAMES = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
MONTH_AFTER = re.compile(rf"^\s*(?:of\s+)?{MONTH_NAMES}\b")
MONTH_BEFORE = re.compile(rf"\b{MONTH_NAMES}\s+$")
WHOLE_BEFORE = re.compile(
    rf"(?:\d[\d,.]*%?|\b(?:{NUMBER_WORD}))\s+(?:out\s+)?of\s+(?:the\s+|its\s+|their\s+)?$", re.IGNORECASE
)
AGES_BEFORE = re.compile(r"\b(?:aged|ages|age)\s+(?:of\s+)?$", re.IGNORECASE)  # "ages 1 to 12"
AGE_BEFORE = re.compile(r"\b(?:aged|ages|age|born|in|since|by|until|from|of|between)\s+$", re.IGNORECASE)
STOP_WORDS = {
    "a", "about", "across", "added", "after", "against", "all", "almost", "also", "among", "an", "and", "any",
    "are", "around", "as", "at", "be", "been", "before", "being", "between", "both", "but", "by", "can", "cent",
    "compared", "could", "day", "days", "down", "during", "each", "estimate", "estimated", "few", "figure",
    "figures", "first", "for", "from", "had", "has", "have", "he", "her", "here", "his", "i", "in", "including",
    "into", "is", "it", "its", "just", "last", "least", "less", "many", "may", "might", "month", "months", "more",
    "most", "much", "must", "my", "nearly", "new", "no", "not", "now", "number", "of", "on", "only", "or", "other",
    "others", "our", "out", "over", "own", "per", "percent", "said", "same", "say", "says", "she", "should",
    "since", "so", "some", "still", "such", "than", "that", "the", "their", "then", "there", "these", "they",
    "this", "those", "through", "to", "told", "toll", "total", "under", "up", "very", "was", "we", "week", "weeks",
    "were", "what", "when", "where", "which", "while", "who", "will", "with", "within", "without", "would", "year",
    "years", "you", "your", "percentage", "point", "points", "quarter", "quarters", "third", "thirds", "half",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
OF_AFTER = re.compile(r"^\s*of\b", re.IGNORECASE)
ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+(?:\w+\s+)?$")
NO_BEFORE = re.compile(r"\b(?:no|any|every|each|the only|only)\s+$", re.IGNORECASE)
MOVED_BEFORE = re.compile(
    r"\b(?:ticked|ticks|tick|moved|moves|went|goes|gone|crept|creeps|edged|edges|inched|inches|shot|jumped|jumps|"
    r"climbed|climbs|revised|bumped|pushed|ratcheted|stepped|picked|spiked|spikes|rose|rises|risen|been)\s+$",
    re.IGNORECASE,
)
EXCEEDED_BEFORE = re.compile(r"\b(?:exceeded|exceeds|exceed|topped|tops|surpassed|passed|above)\s+$", re.I)
SCALE_SUFFIX = re.compile(r"\d(?:m|bn)$")
AGED_BEFORE = re.compile(r"\b(?:aged|age of|ages of)\s+$", re.IGNORECASE)
MEASURE_LEFT_BREAK = re.compile(r"[,;:]|\b(?:and|but|while|whereas)\b")
MEASURE_RIGHT_BREAK = re.compile(r"[,;:.!?]|\b(?:and|but|while|whereas)\b")
CLAUSE_COMMA = re.compile(r"[,;]")
PLACE_AFTER = re.compile(
    r"\s+(?:\w+\s+)?(?:villages?|towns?|cities|city|districts?|provinces?|regions?|settlements?|areas?|"
    r"neighbou?rhoods?|positions?|bases?|outposts?|square\s+(?:kilometres?|kilometers?|miles?)|km2?|sq\b|"
    r"hectares?|acres?|miles?|kilometres?|kilometers?|territor(?:y|ies)|hills?|islands?)\b",
    re.IGNORECASE,
)


def _figure(body: str, match: re.Match, offset: int) -> Figure | None:
    after = body[match.end() : match.end() + 80]
    before = body[max(0, match.start() - 60) : match.start()]
    kind, currency = "count", ""
    if match.group("ratio_n"):
        n, d = parse_amount(match.group("ratio_n")), parse_amount(match.group("ratio_d"))
        if not n or not d or n >= d:
            return None
        amount, kind = 100 * n / d, "ratio"
        qualifier = QUALIFIER_OF.get((match.group("qualifier") or "").lower(), "exact")
        (low, high), words = _bounds(qualifier, round(amount, 2)), ""
    elif match.group("fraction"):
        amount, kind = FRACTION_WORDS[match.group("fraction").lower()], "ratio"
        qualifier = QUALIFIER_OF.get((match.group("qualifier") or "").lower(), "exact")
        (low, high), words = _bounds(qualifier, round(amount, 2)), ""
    elif match.group("point_fraction"):
        amount, kind = POINT_FRACTION_WORDS[" ".join(match.group("point_fraction").lower().split())], "percent"
        qualifier, words = "exact", ""
        low = high = round(amount, 4)
    elif match.group("vague"):
        words = match.group("vague")
        qualifier, low, high = "vague", None, None
        if words.lower() in FRACTIONS and not OF_AFTER.match(after):
            return None
    elif match.group("between") or match.group("from"):
        low = parse_amount(match.group("low") or match.group("from"))
        high = parse_amount(match.group("high") or match.group("to"))
        if low is None or high is None or low >= high:
            return None
        if (1900 <= low <= 2100 and 1900 <= high <= 2100) or AGES_BEFORE.search(before):
            return None  # years, or ages
        qualifier, words = "range", ""
        symbol = SYMBOL_IN.search(match.group())
        if symbol:
            kind, currency = "money", CURRENCY_SYMBOLS[symbol.group()]
        elif match.group("from_percent") or PERCENT_AFTER.match(after):
            kind = "percent"
    else:
        raw = match.group("amount")
        amount = parse_amount(raw)
        if amount is None or amount == 0:
            return None
        if raw.lower() == "one" and (LONE_ONE_AFTER.match(after) or ARTICLE_BEFORE.search(before)):
            return None  # "a long one", "the one": a pronoun, not a count
        if MONTH_AFTER.match(after) or MONTH_BEFORE.search(before):
            return None  # "on 3 May", "May 17": a date
        if WHOLE_BEFORE.search(before):
            return None  # "186 of the 720 seats": the whole, not a second figure
        if 1900 <= amount <= 2100 and raw.isdigit() and not PERCENT_AFTER.match(after):
            return None  # a year, not a count
        qualifier = QUALIFIER_OF.get((match.group("qualifier") or "").lower(), "exact")
        if (match.group("qualifier") or "").lower() == "up to" and MOVED_BEFORE.search(before):
            qualifier = "exact"  # "the rate ticked up to 7.3 percent": where it went, not a bound
        if qualifier == "exact" and EXCEEDED_BEFORE.search(before):
            qualifier = "more_than"  # "the number of wounded exceeded 50"
        (low, high), words = _bounds(qualifier, amount), ""
    text = match.group().strip()
    if kind == "percent" and PERCENT_AFTER.match(after):
        text += PERCENT_AFTER.match(after).group().rstrip()
    if kind == "count":
        symbol = CURRENCY_BEFORE.search(before + (match.group("symbol") or ""))
        spelled = CURRENCY_AFTER.match(after)
        if PERCENT_AFTER.match(after):
            kind = "percent"
            text += PERCENT_AFTER.match(after).group().rstrip()
        elif symbol:
            kind, currency = "money", CURRENCY_SYMBOLS[symbol.group(1)]
        elif spelled:
            kind = "money"
            word = spelled.group(1).lower().split()[0]
            currency = CURRENCY_WORDS.get(word.rstrip("s"), CURRENCY_WORDS.get(word, ""))
        elif (
            SCALE_SUFFIX.search(text)
            or NOT_A_FIGURE.match(after)
            or POINTS_AFTER.match(after)
            or AGED_BEFORE.search(before)
        ):
            return None
    population_match = POPULATION.match(after) if kind in ("count", "ratio") else None
    population = population_match.group("population").lower() if population_match else ""
    metric = _metric(body, match, population_match) if kind in ("count",) else None
    if metric is None and population in ("bodies", "corpses", "dead"):
        metric = "killed"  # "we have received 64 bodies"
    measure = _measure(body, match)
    if metric is None:
        metric = "other"
        if not measure and kind == "count" and qualifier != "vague":
            return None  # a bare number with nothing said of what it counts
        if match.group("amount") and match.group("amount").lower() == "one" and not population:
            return None  # "no one should", "members of one family": one of a kind, not a count said
    elif match.group("amount") and match.group("amount").lower() == "one" and NO_BEFORE.search(before):
        return None
    unit = "fraction" if kind in ("percent", "ratio") or (words and words.lower() in FRACTIONS) else "people"
    unit = "money" if kind == "money" else unit
    if words and words.lower() in FRACTIONS and metric != "territory" and not population:
        return None
    figure = Figure(
        text=text,
        start=offset + match.start(),
        end=offset + match.start() + len(text) if kind == "percent" else offset + match.end(),
        qualifier=qualifier,
        low=low,
        high=high,
        metric=metric,
        population=population,
        vague_text=words if qualifier == "vague" else "",
        unit=unit,
    )
    figure.extra = {"kind": kind, "currency": currency, "measure": measure}
    return figure


def _measure(body: str, match: re.Match) -> str:
    """What the figure counts, in the sentence's own words: the content words of its clause
    just before and after it ("jobs added", "were being treated", "turnout")."""
    left = MEASURE_LEFT_BREAK.split(body[max(0, match.start() - 60) : match.start()])[-1]
    right = MEASURE_RIGHT_BREAK.split(body[match.end() : match.end() + 60])[0]
    before = [w for w in WORD.findall(left) if w.lower() not in STOP_WORDS and not NEXT_NUMBER.fullmatch(w)]
    after = [w for w in WORD.findall(right) if w.lower() not in STOP_WORDS and not NEXT_NUMBER.fullmatch(w)]
    words = before[-3:] + after[:3]
    return " ".join(w.lower() for w in words)


def _bounds(qualifier: str, amount: float) -> tuple[float | None, float | None]:
    if qualifier in ("at_least", "more_than"):
        return amount, None
    if qualifier == "at_most":
        return None, amount
    return amount, amount


def _metric(body: str, match: re.Match, population_match) -> str | None:
    """What happened to the people counted: the verb just before the figure ("killing at least
    10"), else the nearest one after it ("500 people have been killed"), else one shortly before."""
    # Each step reads only a short window of text, and the same windows ("killing at least ")
    # recur across a text: the steps are cached on their windows.
    metric = _metric_just_before(body[max(0, match.start() - 16) : match.start()])
    if metric is not None:
        return metric
    if TOLL_BEFORE.search(body[max(0, match.start() - 80) : match.start()]):
        return "killed"  # "put the death toll at 45", "the toll has risen above 11,000"
    tail_start = match.end() + (population_match.end() if population_match else 0)
    found, metric = _metric_after(body[tail_start : tail_start + 70], population_match is not None)
    if found:
        return metric
    place = PLACE_AFTER.match(body, match.end()) is not None
    if population_match is None and not place and _counts_things(body[match.end() : match.end() + 40]):
        return None  # "trapped alive in as many as 10 buildings": buildings, not people trapped
    return _metric_before(body[max(0, match.start() - 30) : match.start()], population_match is not None, place)


@lru_cache(maxsize=4096)
def _counts_things(after: str) -> bool:
    """A noun right after the figure that is not people: "10 buildings", "300 trucks"."""
    thing = THING_AFTER.match(after)
    if thing is None:
        return False
    noun = thing.group("noun").lower()
    if noun in STOP_WORDS or noun.endswith(("ed", "ing")) or noun in ("people", "others", "more", "dead"):
        return False
    return not any(pattern.fullmatch(noun) for pattern, _ in METRIC_PATTERNS)


@lru_cache(maxsize=4096)
def _metric_just_before(just_before: str) -> str | None:
    for pattern, metric in METRIC_PATTERNS:
        last = next(reversed(list(pattern.finditer(just_before))), None)
        if last and not just_before[last.end() :].strip() and metric != "territory":
            return metric
    return None


WHOLE_OF = re.compile(r"^\s*of\s+(?:the\s+|its\s+|their\s+)?$", re.IGNORECASE)
THING_AFTER = re.compile(r"\s+(?:[A-Z][\w-]*\s+){0,2}(?P<noun>[a-z][a-z-]+)")


@lru_cache(maxsize=4096)
def _metric_after(tail: str, has_population: bool) -> tuple[bool, str | None]:
    """(whether the words after the figure decide, and the metric they give)."""
    after = CLAUSE_COMMA.split(tail)[0]
    for another in NEXT_NUMBER.finditer(after):
        if WHOLE_OF.search(after, 0, another.start()):
            continue  # "Five of the six officers are in custody": the whole, not another count
        after = after[: another.start()]  # "64 bodies and more than 200 wounded": "wounded" is the 200's
        break
    best = None
    for pattern, metric in METRIC_PATTERNS:
        found = pattern.search(after)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), metric)
    if best is not None and best[0] < 45:
        if best[1] != "territory" or not has_population:
            return True, best[1]
        return True, "arrested"  # "40 fighters were captured": people captured are taken, not territory
    return False, None


@lru_cache(maxsize=4096)
def _metric_before(before: str, has_population: bool, place: bool) -> str | None:
    """A verb shortly before the figure. "Took" or "seized" means territory only when what follows
    is a place ("seized 40 villages"): "took 143 seats" is not ground, nor "captured 300 fighters"."""
    for pattern, metric in METRIC_PATTERNS:
        if pattern.search(before):
            return metric if metric != "territory" or (place and not has_population) else None
    return None


def last_metric(text: str) -> str | None:
    """The metric of the last word of what happened to people in `text`."""
    best = None
    for pattern, metric in METRIC_PATTERNS:
        for found in pattern.finditer(text):
            if metric != "territory" and (best is None or found.start() > best[0]):
                best = (found.start(), metric)
    return best[1] if best else None
