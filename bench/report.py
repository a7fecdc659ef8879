"""docs/benchmarks.md as bench/run.py writes it: each target with its verdict, and the runs behind them."""

import os
import re
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import CONNECTIONS, THREADS, WORKERS, ms


def verdict(met: bool | None) -> str:
    return "–" if met is None else ("met" if met else "**not met**")


def targets_table(found: list, http: dict) -> list[str]:
    rows = []

    def ratio(endpoint):
        return endpoint.results["api"].p50 / endpoint.results["floor"].p50

    for endpoint in found:
        api = endpoint.results["api"]
        if endpoint.target == "floor":
            rows.append((f"{endpoint.name}: API p50 ≤ 1.0× floor p50", f"{ratio(endpoint):.2f}×", ratio(endpoint) <= 1))
        elif endpoint.target == "search":
            ok = ratio(endpoint) <= 1.5 and api.p50 <= 0.030
            rows.append(
                (f"{endpoint.name}: ≤ 1.5× floor and p50 ≤ 30 ms", f"{ratio(endpoint):.2f}×, {ms(api.p50)} ms", ok)
            )
        elif endpoint.target == "admin":
            rows.append(
                (f"{endpoint.name}: p50 ≤ 150 ms", f"{ms(api.p50)} ms (p95 {ms(api.p95)} ms)", api.p50 <= 0.150)
            )
    if "runs" in http:
        detail = statistics.mean(run["rps"] for run in http["runs"]["claim detail"])
        bare = statistics.mean(run["rps"] for run in http["runs"]["bare view"])
        rows.append(("claim detail throughput ≥ 50% of the bare view", f"{detail / bare:.0%}", detail >= bare / 2))
    else:
        rows.append(("claim detail throughput ≥ 50% of the bare view", http.get("skipped", "not run"), None))
    constant = [e for e in found if e.page_sizes]
    counts = "; ".join(f"{e.name}: " + "/".join(str(n) for n in e.page_sizes.values()) for e in constant)
    rows.append(
        (
            "query count the same at page_size 5, 50 and 200",
            counts,
            all(len(set(e.page_sizes.values())) == 1 for e in constant),
        )
    )
    reads = [e for e in found if e.target in ("floor", "search")]
    most = max((e.queries.get("data", 99) for e in reads), default=0)
    rows.append(("≤ 3 data statements per read (beside the key and its throttle count)", str(most), most <= 3))
    rows.append(("the floor's JSON equals the API's at this size", "", all(e.floor_matches for e in found if e.floor)))
    return ["| target | measured | |", "|---|---|---|", *(f"| {a} | {b} | {verdict(c)} |" for a, b, c in rows)]


ANALYSIS_PLACEHOLDER = """## Analysis

(Written by hand after a run: why each target missed is missed, and by how much. bench/run.py
keeps this section when it rewrites the file.)"""


def kept_analysis(out) -> str | None:
    """The hand-written "## Analysis" section of the previous report, kept across runs."""
    try:
        text = Path(out).read_text()
    except (OSError, TypeError):
        return None
    match = re.search(r"^## Analysis\n.*?(?=^## )", text, re.S | re.M)
    return match.group(0).rstrip() if match else None


def report(args, info: dict, counts: dict, targets: dict, found: list, filtered: dict, http: dict, started) -> str:
    elapsed = (datetime.now(UTC) - started).total_seconds()
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{' '.join(['python bench/run.py', *sys.argv[1:]])}` on {started:%Y-%m-%d %H:%M} UTC"
        f" ({elapsed:.0f} s). Run it again after any change to the API, the"
        " indexes or the data; every number below comes from that one run.",
        "",
        "## How it is measured",
        "",
        f"- **API**: the real views in-process through `django.test.Client` (DEBUG off, the PostgreSQL"
        f" database of `DATABASE_URL`, a newsroom API key, throttles set out of the way), wall clock around"
        f" `client.get` with `time.perf_counter`: routing, middleware, authentication, queries, serialization,"
        f" rendering and the ETag. {args.requests} timed requests each (the naive baseline {args.naive_requests}),"
        f" after {args.warmup} untimed rounds.",
        "- **Floor**: one SQL statement through a plain psycopg 3 connection (autocommit, no prepared"
        " statements, so it is parsed and planned per request as the ORM's are) that builds the same JSON with"
        " `json_agg`/`json_build_object`, timed from `execute` to the fetched JSON text (`bench/floor.py`)."
        " Its JSON is checked against the API's below at this size, and by `tests/test_bench_floor.py` on the"
        " seed with published verdicts, every kind of evidence, tied timestamps and pages walked both ways.",
        "- **Naive**: the same pages through plain nested `ModelSerializer`s with no `select_related` or"
        " `prefetch_related` (`bench/naive.py`), N+1 queries, for context.",
        "- The three are interleaved (API, floor, naive, API, floor, naive, …) so drift in the machine falls"
        " on all of them alike. Ratios are p50 ÷ p50.",
        "- **Queries** are counted with `CaptureQueriesContext` on one warm request; for list endpoints at"
        " page sizes 5, 50 and 200 too.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
        "## Data",
        "",
        "| table | rows |",
        "|---|---:|",
        *(f"| `{table}` | {count:,} |" for table, count in counts.items()),
        "",
        f"Requests: claim {targets['claim']} for the detail, `{targets['url']}` for the lookup"
        f" ({filtered.get('lookup', 0):,} claims), outlet {targets['outlet']}, searches "
        + ", ".join(f"`{w}`" for w in targets["q"])
        + ". Claims each filter finds: "
        + ", ".join(f"{k} {v:,}" for k, v in filtered.items() if k != "lookup")
        + ".",
        "",
        "## In-process server time",
        "",
        "| endpoint | API p50 / p95 ms | floor p50 / p95 ms | API ÷ floor | naive p50 / p95 ms | API ÷ naive"
        " | queries API (naive) | floor JSON = API |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for e in found:
        api, fl, nv = e.results["api"], e.results["floor"], e.results["naive"]
        floor_cell = f"{ms(fl.p50)} / {ms(fl.p95)}" if fl.samples else "–"
        naive_cell = f"{ms(nv.p50)} / {ms(nv.p95)}" if nv.samples else "–"
        queries = str(e.queries["api"]) + (f" ({e.queries['naive']})" if "naive" in e.queries else "")
        if e.page_sizes:
            queries += " · " + "/".join(f"{n}" for n in e.page_sizes.values()) + " at 5/50/200"
        lines.append(
            f"| {e.name} | {ms(api.p50)} / {ms(api.p95)} | {floor_cell}"
            f" | {f'{api.p50 / fl.p50:.2f}×' if fl.samples else '–'} | {naive_cell}"
            f" | {f'{api.p50 / nv.p50:.2f}×' if nv.samples else '–'} | {queries}"
            f" | {'–' if e.floor_matches is None else ('yes' if e.floor_matches else '**no**')} |"
        )
    lines += [
        "",
        "The admin changelist has no JSON floor; it is the reviewers' queue, logged in as a superuser.",
        "",
        "## HTTP throughput",
        "",
    ]
    if "runs" in http:
        lines += [
            f"{http['gunicorn']} with {WORKERS} workers of the `gthread` class, {THREADS} threads each, serving"
            " `bench.wsgi:application` (the project's settings and middleware, with `bench/urls.py` adding a bare"
            " view that returns constant JSON). `PUBLIC_API=1` so wrk needs no key, throttles out of the way,"
            " `CONN_MAX_AGE=600`. Load from"
            f" `wrk -t{WORKERS} -c{CONNECTIONS} -d{args.http_seconds}s` ({http['wrk']}) on the same machine,"
            f" {args.http_rounds} rounds alternating, after a warm-up.",
            "",
            f"Why gthread: {WORKERS} workers for {os.cpu_count()} cores, and threads keep wrk's {CONNECTIONS}"
            " keep-alive connections open, as a proxy in front would, while one thread's database wait overlaps"
            " another's Python. Sync workers close the connection after every response, so each request would"
            " also pay a TCP handshake: a fixed cost that weighs most on the bare view and would flatter the ratio.",
            "",
            "| target | requests/s per round | mean | latency p50 / p99 ms (last round) | non-2xx |",
            "|---|---|---:|---:|---:|",
        ]
        for name, runs in http["runs"].items():
            rates = [run["rps"] for run in runs]
            last = runs[-1]
            lines.append(
                f"| {name} (`{urlsplit(http['urls'][name]).path}`) | {', '.join(f'{r:.0f}' for r in rates)}"
                f" | {statistics.mean(rates):.0f} | {last.get('p50', 0):.1f} / {last.get('p99', 0):.1f}"
                f" | {sum(run['non_2xx'] for run in runs)} |"
            )
    else:
        lines.append(f"Not measured in this run: {http.get('skipped', 'skipped')}.")
    lines += ["", "## Targets", "", *targets_table(found, http), ""]
    lines += [kept_analysis(args.out) or ANALYSIS_PLACEHOLDER, "", "## Query plans", ""]
    lines.append(
        "`EXPLAIN (ANALYZE, BUFFERS)` after the timed runs (a warm cache): for each endpoint the API's main"
        " statement (the one that picks the claims, or the changes), its slowest other statement as captured,"
        " and the floor's statement."
    )
    for e in found:
        lines += ["", f"### {e.name}", "", f"`GET {e.path}`", ""]
        for label, sql, plan in e.plans:
            lines += [f"<details><summary>{label}</summary>", ""]
            if sql:
                lines += ["```sql", sql, "```", ""]
            lines += ["```", plan, "```", "", "</details>", ""]
    return "\n".join(lines).rstrip() + "\n"
