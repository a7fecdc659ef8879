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
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "http://testserver"
UNTHROTTLED = "1000000000/s"
WORKERS, THREADS, CONNECTIONS = 2, 4, 8
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


def progress(message: str):
    print(message, flush=True)


# Timing.


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


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
    target: str = ""  # twice_floor (list, detail, lookup), search, admin, changes
    client: str = "api"  # or "admin"
    page_sizes: dict = field(default_factory=dict)  # page size → API query count, for lists
    results: dict = field(default_factory=lambda: {"api": Timing(), "floor": Timing(), "naive": Timing()})
    queries: dict = field(default_factory=dict)
    floor_matches: bool | None = None
    note: str = ""
    plans: list = field(default_factory=list)
    captured: list = field(default_factory=list)  # the API's statements on a warm request


def ms(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.1f}" if milliseconds < 100 else f"{milliseconds:.0f}"


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

    from bench import floor
    from claims.views import ChangesView

    def page(params, name, target="twice_floor"):
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
            target="twice_floor",
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
                target="twice_floor",
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
    endpoint.captured = list(captured.captured_queries)
    if endpoint.floor:
        ours = json.loads(floor.fetch(conn, *endpoint.floor))
        endpoint.floor_matches = json.dumps(ours) == json.dumps(response.json())
    if endpoint.naive:
        with CaptureQueriesContext(connection) as captured:
            naive = client.get(endpoint.naive)
        assert naive.status_code == 200, naive.content[:300]
        endpoint.queries["naive"] = len(captured)
    if endpoint.target in ("twice_floor", "search") and "page_size=50" in endpoint.path:
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def wrk(url: str, seconds: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{WORKERS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", out)
        if match:
            found[key] = float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    found["non_2xx"] = int(bad.group(1)) if bad else 0
    found["socket_errors"] = errors.group(0) if errors else ""
    return found


def http_throughput(targets: dict, args) -> dict:
    gunicorn = shutil.which("gunicorn", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    missing = [name for name, path in (("gunicorn", gunicorn), ("wrk", shutil.which("wrk"))) if not path]
    if missing:
        progress(f"HTTP: skipped, {' and '.join(missing)} not installed")
        return {"skipped": f"{' and '.join(missing)} not installed (pip install gunicorn; apt-get install wrk)"}
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "DATABASE_REPLICA_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_API": "1",  # anonymous reads of published data, so wrk needs no key
        "API_KEY_RATE": UNTHROTTLED,
        "API_PUBLIC_RATE": UNTHROTTLED,
        "CONN_MAX_AGE": "600",  # persistent connections, as in production; 0 would connect per request
    }
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        gunicorn, "bench.wsgi:application", "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS), "--log-level", "warning",
    ]  # fmt: skip
    progress(f"HTTP: gunicorn on 127.0.0.1:{port} ({WORKERS} gthread workers × {THREADS} threads), log {log.name}")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    urls = {"bare view": f"{base}/bench/bare/", "claim detail": f"{base}/api/v1/claims/{targets['claim']}/"}
    runs = {name: [] for name in urls}
    try:
        for url in urls.values():
            wait_for(url)
            wrk(url, 2)  # warm every worker and its database connection
        for round_ in range(args.http_rounds):
            for name, url in urls.items():
                progress(f"HTTP: wrk -t{WORKERS} -c{CONNECTIONS} -d{args.http_seconds}s {name}, round {round_ + 1}")
                runs[name].append(wrk(url, args.http_seconds))
                progress(f"      {runs[name][-1]['rps']:.0f} requests/s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    version = subprocess.run([gunicorn, "--version"], capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" Copyright")[0].strip()
    log.close()
    os.unlink(log.name)  # kept only when the run fails, to say why
    return {"runs": runs, "urls": urls, "gunicorn": version, "wrk": wrk_version}


# The machine and the data.


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


def verdict(met: bool | None) -> str:
    return "–" if met is None else ("met" if met else "**not met**")


def targets_table(found: list, http: dict) -> list[str]:
    rows = []

    def ratio(endpoint):
        return endpoint.results["api"].p50 / endpoint.results["floor"].p50

    for endpoint in found:
        api = endpoint.results["api"]
        if endpoint.target == "twice_floor":
            rows.append((f"{endpoint.name}: API p50 ≤ 2× floor p50", f"{ratio(endpoint):.2f}×", ratio(endpoint) <= 2))
        elif endpoint.target == "search":
            ok = ratio(endpoint) <= 2 and api.p50 <= 0.030
            rows.append(
                (f"{endpoint.name}: ≤ 2× floor and p50 ≤ 30 ms", f"{ratio(endpoint):.2f}×, {ms(api.p50)} ms", ok)
            )
        elif endpoint.target == "admin":
            rows.append(
                (f"{endpoint.name}: p50 ≤ 250 ms", f"{ms(api.p50)} ms (p95 {ms(api.p95)} ms)", api.p50 <= 0.250)
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
