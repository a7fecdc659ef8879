"""The newsroom API against PostgreSQL, at whatever size the database holds.

    DATABASE_URL=postgres://user@host:5432/name python bench/run.py [--requests 200]
        [--out docs/benchmarks.md] [--no-http]

For each endpoint it times, side by side and alternating (API, floor, naive, API, …):

- the API, in-process through django.test.Client (DEBUG off), wall clock around client.get;
- the floor: ONE SQL statement through a plain psycopg connection that returns the same JSON
  (bench/floor.py; tests/test_bench_floor.py holds it to the API's answer);
- the naive baseline: nested ModelSerializers with no prefetching (bench/naive.py), for context.

It counts each endpoint's queries (and checks they stay the same across page sizes), checks
the floor's JSON against the API's at this size, EXPLAINs the statements behind each
endpoint, then measures HTTP throughput of a claim detail against a bare view under
gunicorn with wrk. It writes everything to --out.

It only reads: the user and API key it needs live in a transaction that is rolled back, and
gunicorn reads published data through PUBLIC_API=1.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import UNTHROTTLED, ms, percentile, progress  # noqa: E402
from bench.report import report  # noqa: E402
from bench.throughput import http_throughput  # noqa: E402

HOST = "http://testserver"
MAIN_TABLES = [
    "claims_claim",
    "claims_appearance",
    "claims_chainlink",
    "claims_figure",
    "claims_evidence",
    "claims_verdict",
    "claims_claimchange",
    "claims_event",
    "sources_source",
    "sources_sourcealias",
    "sources_affiliation",
    "sources_document",
]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per measurement (at least 200)")
    parser.add_argument(
        "--naive-requests",
        type=int,
        help="timed requests of the naive baseline (default: --requests; it takes seconds a page at scale)",
    )
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds before each measurement")
    parser.add_argument("--out", default="docs/benchmarks.md", help="where to write the report")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn and wrk throughput run")
    parser.add_argument("--claim", type=int, help="claim id for the detail (default: a claim with verdicts)")
    parser.add_argument("--url", help="document URL for the lookup (default: the detail claim's first document)")
    parser.add_argument("--status", default="unconfirmed", help="status for the filtered list")
    parser.add_argument("--q", action="append", help="search words (repeatable; default: a word and a speaker)")
    parser.add_argument("--http-seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--http-rounds", type=int, default=2, help="wrk runs per target, alternating")
    args = parser.parse_args()
    if args.requests < 200:
        parser.error("--requests must be at least 200")
    args.naive_requests = min(args.naive_requests or args.requests, args.requests)
    return args


def refuse_sqlite():
    url = os.environ.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        sys.exit(
            "bench/run.py measures PostgreSQL and refuses SQLite (the floor is PostgreSQL SQL and SQLite "
            "says nothing about a million claims).\nSet DATABASE_URL=postgres://user@host:5432/name."
        )


def set_up_django():
    """Settings come from the environment, so set it before Django reads it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.pop("DATABASE_REPLICA_URL", None)  # the API, the floor and gunicorn all read DATABASE_URL's server
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["API_KEY_RATE"] = os.environ["API_PUBLIC_RATE"] = UNTHROTTLED  # measure the API, not a 429
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"bench/run.py needs PostgreSQL; DATABASE_URL gave {connection.vendor}.")
    assert not settings.DEBUG
    settings.ROOT_URLCONF = "bench.urls"  # the naive baseline lives there, beside the project's URLs


# Timing.


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


@dataclass
class Endpoint:
    name: str
    path: str  # the API request, with its query string
    floor: tuple[str, dict] | None = None  # the floor's statement
    naive: str | None = None  # the naive baseline's request
    target: str = ""  # floor (list, detail, lookup), search, admin, changes
    client: str = "api"  # or "admin"
    page_sizes: dict = field(default_factory=dict)  # page size → API query count, for lists
    results: dict = field(default_factory=lambda: {"api": Timing(), "floor": Timing(), "naive": Timing()})
    queries: dict = field(default_factory=dict)
    floor_matches: bool | None = None
    note: str = ""
    plans: list = field(default_factory=list)
    captured: list = field(default_factory=list)  # the API's statements on a warm request


# What to request.


def pick_targets(args, cursor) -> dict:
    def one(sql, *params):
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None

    claim = args.claim or one(
        "SELECT v.claim_id FROM claims_verdict v WHERE v.published_at IS NOT NULL"
        " AND EXISTS (SELECT 1 FROM claims_evidence e WHERE e.claim_id = v.claim_id)"
        " AND EXISTS (SELECT 1 FROM claims_appearance a WHERE a.claim_id = v.claim_id) ORDER BY v.id LIMIT 1"
    )
    claim = claim or one("SELECT claim_id FROM claims_appearance ORDER BY id LIMIT 1")
    claim = claim or one("SELECT id FROM claims_claim ORDER BY id LIMIT 1")
    if claim is None:
        sys.exit("The database holds no claims: run `manage.py load_seed` (and generate_claims) first.")
    url = args.url or one(
        "SELECT d.url FROM claims_appearance a JOIN sources_document d ON d.id = a.document_id"
        " WHERE a.claim_id = %s ORDER BY d.published_at, a.id LIMIT 1",
        claim,
    )
    url = url or one("SELECT url FROM sources_document ORDER BY id LIMIT 1")
    outlet = one("SELECT outlet_id FROM sources_document WHERE url = %s", url)
    cursor.execute(
        "SELECT c.text, s.name FROM claims_claim c JOIN sources_source s ON s.id = c.speaker_id WHERE c.id = %s",
        [claim],
    )
    text, speaker = cursor.fetchone()
    # A newsroom searches a word of substance (not a stop word) and a speaker's surname.
    word = one(
        "SELECT w FROM unnest(%s::text[]) w WHERE to_tsvector('english', w) <> ''::tsvector"
        " ORDER BY length(w) DESC, w LIMIT 1",
        re.findall(r"[^\W\d_]{4,}", text),
    )
    surname = max(re.findall(r"[^\W\d_]{3,}", speaker), key=len, default=None)
    searches = args.q or [w for w in (word, surname) if w]
    middle = one(
        "SELECT seq FROM claims_claimchange ORDER BY seq OFFSET (SELECT count(*) / 2 FROM claims_claimchange) LIMIT 1"
    )
    return {"claim": claim, "url": url, "outlet": outlet, "status": args.status, "q": searches, "seq": middle}


def endpoints(targets: dict) -> list:
    from urllib.parse import urlencode

    from api.views import ChangesView
    from bench import floor

    def page(params, name, target="floor"):
        query = urlencode(params)
        return Endpoint(
            name=name,
            path=f"/api/v1/claims/?{query}",
            floor=floor.claims_page_statement(host=HOST, params=params),
            naive=f"/bench/naive/claims/?{query}",
            target=target,
        )

    found = [
        page({"page_size": "50"}, "claims, page of 50"),
        page({"page_size": "50", "status": targets["status"]}, f"claims, status={targets['status']}"),
    ]
    if targets["outlet"]:
        found.append(page({"page_size": "50", "outlet": str(targets["outlet"])}, f"claims, outlet={targets['outlet']}"))
    claim = targets["claim"]
    found.append(
        Endpoint(
            name=f"claim detail ({claim})",
            path=f"/api/v1/claims/{claim}/",
            floor=floor.claim_detail_statement(host=HOST, claim_id=claim),
            naive=f"/bench/naive/claims/{claim}/",
            target="floor",
        )
    )
    if targets["url"]:
        query = urlencode({"url": targets["url"]})
        found.append(
            Endpoint(
                name="lookup",
                path=f"/api/v1/lookup/?{query}",
                floor=floor.lookup_statement(host=HOST, url=targets["url"]),
                naive=f"/bench/naive/lookup/?{query}",
                target="floor",
            )
        )
    cursor = ChangesView._encode(targets["seq"]) if targets["seq"] else None
    found.append(
        Endpoint(
            name="changes, page of 100" + (" from the middle" if cursor else ""),
            path="/api/v1/changes/" + (f"?{urlencode({'cursor': cursor})}" if cursor else ""),
            floor=floor.changes_statement(cursor=cursor),
            target="changes",
        )
    )
    for words in targets["q"]:
        found.append(page({"page_size": "50", "q": words}, f"search q={words}", target="search"))
    found.append(
        Endpoint(
            name=f"admin changelist, status={targets['status']}",
            path=f"/admin/claims/claim/?status__exact={targets['status']}",
            target="admin",
            client="admin",
        )
    )
    found.append(
        Endpoint(
            name=f"admin changelist, searched q={targets['q'][0]}",
            path=f"/admin/claims/claim/?{urlencode({'q': targets['q'][0]})}",
            target="admin",
            client="admin",
        )
    )
    return found


# In-process measurement.


def measure(endpoint: Endpoint, clients: dict, conn, args):
    from bench import floor

    client = clients[endpoint.client]
    variants = [("api", lambda: client.get(endpoint.path))]
    if endpoint.floor:
        variants.append(("floor", lambda: floor.fetch(conn, *endpoint.floor)))
    if endpoint.naive:
        variants.append(("naive", lambda: client.get(endpoint.naive)))
    for round_ in range(args.warmup):
        for name, call in variants:
            if name != "naive" or round_ < 2:
                call()
    for round_ in range(args.requests):
        for name, call in variants:
            if name == "naive" and round_ >= args.naive_requests:
                continue
            start = time.perf_counter()
            call()
            endpoint.results[name].samples.append(time.perf_counter() - start)


def count_queries(endpoint: Endpoint, clients: dict, conn):
    """Queries per request on a warm request; for lists, at several page sizes; and the floor's answer checked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench import floor

    client = clients[endpoint.client]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(endpoint.path)
    if response.status_code != 200:
        sys.exit(f"{endpoint.path} answered {response.status_code}: {response.content[:300]!r}")
    endpoint.queries["api"] = len(captured)
    endpoint.queries["data"] = len(
        [
            q
            for q in captured.captured_queries
            if not any(t in q["sql"] for t in ("api_throttlecount", "claims_newsroomkey", "SAVEPOINT"))
        ]
    )
    endpoint.captured = list(captured.captured_queries)
    if endpoint.floor:
        ours = json.loads(floor.fetch(conn, *endpoint.floor))
        endpoint.floor_matches = json.dumps(ours) == json.dumps(response.json())
    if endpoint.naive:
        with CaptureQueriesContext(connection) as captured:
            naive = client.get(endpoint.naive)
        assert naive.status_code == 200, naive.content[:300]
        endpoint.queries["naive"] = len(captured)
    if endpoint.target in ("floor", "search") and "page_size=50" in endpoint.path:
        for size in (5, 50, 200):
            with CaptureQueriesContext(connection) as captured:
                client.get(endpoint.path.replace("page_size=50", f"page_size={size}"))
            endpoint.page_sizes[size] = len(captured)


def explain(endpoint: Endpoint, conn):
    """EXPLAIN (ANALYZE, BUFFERS) of the endpoint's main ORM statement, its slowest other one, and the floor's."""
    from django.db import connection

    selects = [q for q in endpoint.captured if q["sql"].lstrip().upper().startswith("SELECT")]
    main_table = "claims_claimchange" if endpoint.target == "changes" else "claims_claim"
    main = next((q for q in selects if f'FROM "{main_table}"' in q["sql"]), selects[0] if selects else None)
    data = [q for q in selects if q is not main and re.search(r'FROM "(claims|sources)_(?!newsroomkey)', q["sql"])]
    slowest = max(data, key=lambda q: float(q["time"]), default=None)
    chosen = [("main statement", main)] + ([("slowest other statement", slowest)] if slowest else [])
    with connection.cursor() as cursor:
        for label, query in chosen:
            if query is None:
                continue
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            endpoint.plans.append(
                (f"API, {label} ({float(query['time']) * 1000:.1f} ms when captured)", query["sql"], plan)
            )
    if endpoint.floor:
        sql, params = endpoint.floor
        with conn.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        endpoint.plans.append(("floor statement", None, plan))


# HTTP throughput.


def machine(cursor) -> dict:
    import django
    import psycopg
    import rest_framework

    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = next(
        (int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")),
        None,
    )  # fmt: skip
    cursor.execute("SHOW server_version")
    server = cursor.fetchone()[0]
    settings = {}
    for name in ("shared_buffers", "work_mem", "effective_cache_size", "jit", "random_page_cost"):
        cursor.execute(f"SHOW {name}")
        settings[name] = cursor.fetchone()[0]
    return {
        "cpu": f"{os.cpu_count()} cores, {model}",
        "memory": f"{memory} GiB" if memory else "unknown",
        "os": platform.platform(),
        "load average at the start (1, 5, 15 min)": ", ".join(f"{load:.2f}" for load in os.getloadavg()),
        "postgresql": f"{server} ({', '.join(f'{k} {v}' for k, v in settings.items())})",
        "python": platform.python_version(),
        "django": django.get_version(),
        "drf": rest_framework.VERSION,
        "psycopg": psycopg.__version__,
    }


def dataset(cursor) -> dict:
    counts = {}
    for table in MAIN_TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


def read_model_costs(cursor_for) -> dict:
    """The renderings' storage, and the time rendering adds to a verdict publish (one claim) and
    to a rename of the source with the most claims (10,000 of them), inside the caller's
    transaction, which is rolled back."""
    from claims import rendering

    with cursor_for.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('claims_claimrendering'), count(*) FROM claims_claimrendering")
        size, rows = cursor.fetchone()
        cursor.execute("SELECT speaker_id FROM claims_claim GROUP BY speaker_id ORDER BY count(*) DESC LIMIT 1")
        speaker = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM claims_claim WHERE speaker_id = %s ORDER BY id LIMIT 10000", [speaker])
        ids = [row[0] for row in cursor.fetchall()]
    one = []
    for pk in ids[:50]:
        started = time.perf_counter()
        rendering.store([pk])
        one.append(time.perf_counter() - started)
    started = time.perf_counter()
    rendering.store(ids)
    many = time.perf_counter() - started
    return {
        "renderings stored": f"{rows:,}, {size / 2**20:,.0f} MB with TOAST and index"
        f" ({size / max(rows, 1):,.0f} B each)",
        "rendering added to a verdict publish (one claim, p50 of 50)": f"{statistics.median(one) * 1000:.1f} ms",
        f"rendering added to a rename touching {len(ids):,} claims": f"{many:.1f} s",
    }


def matching(targets: dict, cursor) -> dict:
    """How many claims each filter finds, for the reader of a page of 50."""
    from bench import floor

    found = {}
    cursor.execute("SELECT count(*) FROM claims_claim WHERE status = %s", [targets["status"]])
    found[f"status={targets['status']}"] = cursor.fetchone()[0]
    if targets["outlet"]:
        cursor.execute(
            f"SELECT count(*) FROM claims_claim c WHERE {floor.outlet_condition('c')}", {"outlet": targets["outlet"]}
        )
        found[f"outlet={targets['outlet']}"] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT count(*) FROM claims_appearance a JOIN sources_document d ON d.id = a.document_id WHERE d.url = %s",
        [targets["url"]],
    )
    found["lookup"] = cursor.fetchone()[0]
    for words in targets["q"]:
        cursor.execute(
            f"SELECT count(*) FROM claims_claim c WHERE {floor.search_condition('c')}", floor.search_parameters(words)
        )
        found[f"q={words}"] = cursor.fetchone()[0]
    return found


# The report.


def main():
    args = arguments()
    refuse_sqlite()
    set_up_django()
    import psycopg
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client

    from claims.models import NewsroomKey

    started = datetime.now(UTC)
    params = connection.get_connection_params()
    conn = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")},
        autocommit=True,
        prepare_threshold=None,
    )
    with connection.cursor() as cursor:
        progress("Machine and data…")
        info = machine(cursor)
        counts = dataset(cursor)
        progress("  " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        targets = pick_targets(args, cursor)
        filtered = matching(targets, cursor)
    progress(f"  detail {targets['claim']}, lookup {targets['url']}, searches {targets['q']}")
    found = endpoints(targets)

    with transaction.atomic():  # the bench user and key go when it ends
        user = get_user_model().objects.create_superuser(f"bench-run-{os.getpid()}", None, None)
        _, key = NewsroomKey.objects.create_key(name="bench/run.py")
        clients = {"api": Client(HTTP_AUTHORIZATION=f"Api-Key {key}"), "admin": Client()}
        clients["admin"].force_login(user)
        for number, endpoint in enumerate(found, start=1):
            progress(f"[{number}/{len(found)}] {endpoint.name}: GET {endpoint.path}")
            count_queries(endpoint, clients, conn)
            measure(endpoint, clients, conn, args)
            api, fl, nv = (endpoint.results[k] for k in ("api", "floor", "naive"))
            progress(
                f"      API {ms(api.p50)}/{ms(api.p95)} ms"
                + (f", floor {ms(fl.p50)}/{ms(fl.p95)} ms ({api.p50 / fl.p50:.2f}×)" if fl.samples else "")
                + (f", naive {ms(nv.p50)}/{ms(nv.p95)} ms" if nv.samples else "")
                + f", {endpoint.queries['api']} queries"
                + ("" if endpoint.floor_matches in (None, True) else ", FLOOR JSON DIFFERS FROM THE API'S")
            )
        progress("Query plans…")
        for endpoint in found:
            explain(endpoint, conn)
        progress("What the read model costs a write…")
        info.update(read_model_costs(cursor_for=connection))
        transaction.set_rollback(True)
    conn.close()

    http = {"skipped": "--no-http"} if args.no_http else http_throughput(targets, args)
    out = Path(args.out)
    if not out.is_absolute():
        out = ROOT / out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(args, info, counts, targets, found, filtered, http, started))
    progress(f"Wrote {out}")


if __name__ == "__main__":
    main()
