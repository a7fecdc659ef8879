"""Matching and the Fact Check search at scale: the gold set's score and the two endpoints' p50,
written to their own section of docs/benchmarks.md (bench/run.py leaves it alone only if run
after it; rerun this after a full benchmark).

    DATABASE_URL=postgres://…/claims_bench python manage.py shell -c \
        "from bench.matching_bench import main; main()"

Requests go through Django's test client in this process, with a read-only newsroom key and
the throttle lifted, so the times are the view's and the database's, not the network's.
"""

import re
import time

from django.db import connection
from django.test import Client, override_settings

from bench.common import ROOT, UNTHROTTLED, ms, percentile, progress
from bench.matching_gold import gold_reports, score_gold, unrelated_sentences
from claims.models import Claim, NewsroomKey

START, END = "<!-- matching:start -->", "<!-- matching:end -->"
SEARCHES = ["killed Ramadi", "Mosul displaced", "hospital medicine", "curfew", "road open", "wounded police"]


def main(reports: int = 200, unrelated: int = 1000, requests: int = 60) -> dict:
    claims = Claim.objects.count()
    progress(f"{claims:,} claims; scoring the gold set ({reports} reports, {unrelated} unrelated)")
    timings: list[float] = []
    result = score_gold(reports, unrelated, timings=timings)
    key, secret = NewsroomKey.objects.create_key(name="matching benchmark")
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    texts = [text for text, *_ in gold_reports(requests, seed=2)] + unrelated_sentences(requests // 4, seed=3)
    match_times, search_times = [], []
    rates = {"newsroom_key": UNTHROTTLED, "public": UNTHROTTLED}
    from django.conf import settings

    throttles = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=throttles, ALLOWED_HOSTS=["testserver"]):
        for text in texts:
            started = time.perf_counter()
            response = client.post("/api/v1/match/", {"text": text}, content_type="application/json")
            match_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
        for n in range(requests):
            started = time.perf_counter()
            response = client.get("/api/v1/factcheck/claims:search", {"query": SEARCHES[n % len(SEARCHES)]})
            search_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
    key.delete()
    numbers = {
        "claims": claims,
        **{k: result[k] for k in ("reports", "top1", "unrelated", "false_offers")},
        "matches_p50": percentile(timings, 0.5),
        "match_p50": percentile(match_times, 0.5),
        "match_p90": percentile(match_times, 0.9),
        "search_p50": percentile(search_times, 0.5),
        "search_p90": percentile(search_times, 0.9),
        "requests": len(match_times),
    }
    write_section(numbers)
    progress(str(numbers))
    for miss in result["misses"]:
        progress(f"miss: {miss}")
    return numbers


def write_section(n: dict) -> None:
    verdict = {True: "met", False: "**not met**"}
    rows = [
        (f"matching top-1 right ≥ 0.90 ({n['reports']} re-reports)", f"{n['top1']:.3f}", n["top1"] >= 0.9),
        (f"no unrelated sentence offered ({n['unrelated']:,})", f"{n['false_offers']} offered", not n["false_offers"]),
        (
            f"`POST /api/v1/match/` p50 ≤ 50 ms ({n['requests']} requests)",
            f"{ms(n['match_p50'])} ms (p90 {ms(n['match_p90'])} ms)",
            n["match_p50"] <= 0.05,
        ),
        (
            "`GET /api/v1/factcheck/claims:search` p50 ≤ 30 ms",
            f"{ms(n['search_p50'])} ms (p90 {ms(n['search_p90'])} ms)",
            n["search_p50"] <= 0.03,
        ),
    ]
    table = "\n".join(
        ["| Target | Measured | |", "|---|---|---|", *(f"| {a} | {b} | {verdict[c]} |" for a, b, c in rows)]
    )
    text = f"""{START}
## Claim matching and the Fact Check search (`bench/matching_bench.py`)

On {n["claims"]:,} claims ({connection.vendor}), in-process requests with a read-only key:

{table}

`claims.matching.matches` alone: p50 {ms(n["matches_p50"])} ms over the gold set.
{END}"""
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text(encoding="utf-8")
    if START in current:
        current = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: text, current, flags=re.S)
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(current, encoding="utf-8")
