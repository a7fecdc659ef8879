"""The matching gold set: generated claims reported again (paraphrased, by another outlet,
with rounded figures) and the seed's 500 killed re-reported, each of which must find its claim
first; and unrelated sentences, none of which may be offered as a match.

`python manage.py shell -c "from bench.matching_gold import main; main()"` scores it on the
database and times `matches` and the two endpoints' queries (bench/matching_bench.py writes
the numbers to docs/benchmarks.md)."""

import random
import re
import time
from datetime import date, timedelta

from claims import matching
from claims.models import Claim

SEED_REPORT = (
    "some 500 people were killed, a provincial spokesman said",
    "Islamic State militants killed at least 500",
)
VERBS = {
    "were killed": ["died", "were killed", "lost their lives"],
    "were wounded": ["were injured", "were wounded", "were hurt"],
    "were displaced": ["fled their homes", "were displaced"],
    "were arrested": ["were detained", "were arrested"],
}
OUTLETS = ["Reuters", "AFP", "the BBC", "Al Jazeera", "a local radio station"]
ROUGH = re.compile(r"\b(?:about |)(\d{1,3}(?:,\d{3})*)(?= )")


def _rounded(match: re.Match) -> str:
    value = int(match.group(1).replace(",", ""))
    if value < 100:
        return match.group(0)
    digits = len(str(value)) - 2
    rounded = round(value, -digits)
    return f"some {rounded:,}" if rounded != value or match.group(0).startswith("about") else f"{value:,}"


def re_report(text: str, speaker: str, variant: int) -> str:
    """Another outlet's report of the claim `text` by `speaker`: other verbs, rounded figures."""
    rng = random.Random(variant)
    out = text
    for verb, others in VERBS.items():
        out = out.replace(verb, rng.choice(others))
    if not re.search(r"\b(?:at least|more than|as many as|between) ", out, re.I):
        out = ROUGH.sub(_rounded, out[0].lower() + out[1:], count=1)
    out = out[0].upper() + out[1:]
    if variant % 2:
        return f"{out}, {speaker} told {rng.choice(OUTLETS)}."
    return f"{speaker} told {rng.choice(OUTLETS)} that {out[0].lower() + out[1:]}."


TOPICS = [
    "The central bank raised its main rate by {n} basis points on {day}",
    "The national team won {n} to {m} in the qualifier played in {city}",
    "Heavy rain is expected across {city} for the next {n} days",
    "The museum in {city} reopened after a renovation that took {n} months",
    "Exports of wheat rose {n} percent in the first quarter",
    "A new bridge over the river in {city} will carry {n},000 cars a day",
    "The festival in {city} drew {n},000 visitors over the weekend",
    "Parliament approved the budget by {n} votes to {m}",
    "The airline will add {n} flights a week between {city} and the capital",
    "Prices of bread in {city} climbed for the {n}th month in a row",
    "The university in {city} opened a new library with {n},000 books",
    "Unemployment fell to {n}.{m} percent last month, the statistics office said",
]
CITIES = "Lisbon Oslo Lima Quito Accra Hanoi Dakar Osaka Perth Leeds Porto Turin Bergen Cork Graz".split()  # noqa: SIM905
DAYS = "Monday Tuesday Wednesday Thursday Friday".split()  # noqa: SIM905


def unrelated_sentences(count: int, seed: int = 1) -> list[str]:
    """Sentences about other things than any tracked claim, numbers and all."""
    rng = random.Random(seed)
    return [
        rng.choice(TOPICS).format(
            n=rng.randrange(2, 99), m=rng.randrange(1, 9), city=rng.choice(CITIES), day=rng.choice(DAYS)
        )
        for _ in range(count)
    ]


def gold_reports(reports: int, seed: int = 1) -> list[tuple[str, int, date | None]]:
    """(re-report, claim id, the day the re-report was published) for generated claims spoken by
    people, and the seed's case. A report is published the day the claim was said or within the
    next three days, as another outlet's would be; the matching weighs that date, since the
    generator, like real speakers, has people say the same sentence on different days."""
    gold = []
    seed_claim = Claim.objects.filter(text__startswith=SEED_REPORT[1]).values_list("pk", "said_on").first()
    if seed_claim:
        gold.append((SEED_REPORT[0], seed_claim[0], seed_claim[1]))
    ids = list(
        Claim.objects.filter(speaker__kind="person", text__regex=r"^[A-Z]").order_by("pk").values_list("pk", flat=True)
    )
    rng = random.Random(seed)
    picked = rng.sample(ids, min(reports, len(ids)))
    rows = Claim.objects.filter(pk__in=picked).values_list("pk", "text", "speaker__name", "said_on").order_by("pk")
    for pk, text, speaker, said_on in rows:
        published = said_on + timedelta(days=random.Random(pk).randint(0, 3)) if said_on else None
        gold.append((re_report(text, speaker, pk), pk, published))
    return gold


def score_gold(reports: int = 200, unrelated: int = 1000, *, timings: list | None = None) -> dict:
    """Top-1 accuracy on the gold reports and the unrelated sentences offered."""
    right, misses = 0, []
    gold = gold_reports(reports)
    for text, pk, published in gold:
        started = time.perf_counter()
        found = matching.matches(text, published=published, limit=1)
        if timings is not None:
            timings.append(time.perf_counter() - started)
        if found and found[0].claim.pk == pk:
            right += 1
        else:
            misses.append((text, pk, found[0].claim.pk if found else None))
    false_offers = [s for s in unrelated_sentences(unrelated) if any(m.offered for m in matching.matches(s, limit=1))]
    return {
        "reports": len(gold),
        "top1": right / len(gold) if gold else 0.0,
        "misses": misses[:10],
        "unrelated": unrelated,
        "false_offers": len(false_offers),
    }
