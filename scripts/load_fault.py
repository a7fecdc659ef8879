"""A PostgreSQL restart under load: does the newsroom API ride it out?

    .venv/bin/python scripts/load_fault.py [--seconds 60] [--restart-at 25] [--load 0.8]
        [--claims 20000] [--data DIR] [--port PORT] [--out docs/load_fault.md] [--csv FILE]

Start to finish:

1. It builds its OWN PostgreSQL cluster with the local PostgreSQL programs (initdb; PG_BIN or the
   newest /usr/lib/postgresql/*/bin), listening on 127.0.0.1 at the first free port from 5434 up,
   its data in a temporary directory that is deleted at the end. --data (or LOAD_FAULT_DATA) keeps
   the cluster there instead, and the next run reuses it and its data. The PostgreSQL that other
   tests use is never touched: the restart below is of this cluster alone.
2. It migrates it, loads the seed and `generate_claims --claims N`, and creates a newsroom key.
3. It serves the project under gunicorn, gthread workers, with the settings production would use
   and that this checks: CONN_MAX_AGE (kept connections), CONN_HEALTH_CHECKS (a dropped one is
   replaced before a request uses it), DB_CONNECT_TIMEOUT and DB_STATEMENT_TIMEOUT_MS.
4. It measures peak throughput of a newsroom's mix of API reads, closed loop (--peak-seconds).
5. It sends the same mix for --seconds, paced at --load of that peak (open loop: each request at
   its scheduled time, whatever the previous ones did), and restarts the cluster with
   `pg_ctl restart -m fast` at --restart-at, which ends every connection.
6. It checks: no error before the restart began nor after the API recovered; recovery (the first
   whole second after the database accepts connections again with no error and normal throughput)
   within --recovery-limit seconds; no error at all in requests sent once the database was back
   (what the health check buys); no request unanswered after --client-timeout. It prints a
   summary, writes a markdown record to --out (with every second's counts), optionally every
   request to --csv, and exits 1 when a check fails.
7. It stops gunicorn and the cluster by their PIDs, also on Ctrl-C or SIGTERM.

Run as root, the PostgreSQL programs run as the postgres user (they refuse root).
--no-health-checks serves with CONN_HEALTH_CHECKS=0, to see what the health check is for.
"""

import argparse
import contextlib
import csv
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import UNTHROTTLED, percentile  # noqa: E402
from bench.throughput import free_port  # noqa: E402
from scripts.load_client import KEEP_ALIVE, MIX, Phase, closed_loop, paced, progress  # noqa: E402
from scripts.load_fault_report import busiest_processes, machine_load, report, summary  # noqa: E402

MARK = "Written by scripts/load_fault.py"
DATABASE = "claims"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the paced run (60)")
    parser.add_argument("--restart-at", type=float, default=25, help="when the restart starts, in the run (25)")
    parser.add_argument("--load", type=float, default=0.8, help="paced rate as a fraction of measured peak (0.8)")
    parser.add_argument("--peak-seconds", type=float, default=10, help="length of the peak measurement (10)")
    parser.add_argument("--rate", type=float, help="paced rate in requests/s, instead of --load × peak")
    parser.add_argument("--claims", type=int, default=20_000, help="synthetic claims to generate (20000)")
    parser.add_argument("--data", default=os.environ.get("LOAD_FAULT_DATA"), help="keep the cluster here, reuse it")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("LOAD_FAULT_PORT", "0")) or None,
        help="the cluster's port (LOAD_FAULT_PORT; default: the first free from 5434, or a kept cluster's own)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4)")
    parser.add_argument("--clients", type=int, default=200, help="client connections in the paced run (200)")
    parser.add_argument("--client-timeout", type=float, default=10, help="a request unanswered this long hangs")
    parser.add_argument("--recovery-limit", type=float, default=5, help="seconds allowed to recover (5)")
    parser.add_argument("--statement-timeout-ms", type=int, default=5000, help="DB_STATEMENT_TIMEOUT_MS (5000)")
    parser.add_argument("--connect-timeout", type=int, default=5, help="DB_CONNECT_TIMEOUT (5)")
    parser.add_argument("--no-health-checks", action="store_true", help="serve with CONN_HEALTH_CHECKS=0")
    parser.add_argument("--out", default="docs/load_fault.md", help="markdown record of the run")
    parser.add_argument("--csv", help="also write every request of the paced run here")
    args = parser.parse_args()
    if not 0 < args.restart_at < args.seconds:
        parser.error("--restart-at must fall inside --seconds")
    if not 0 < args.load <= 1:
        parser.error("--load is a fraction of peak, above 0 and at most 1")
    return args


class Stop(Exception):
    """SIGTERM: unwind like Ctrl-C, so the cluster and gunicorn are stopped."""


def stop_on_sigterm(signum, frame):
    raise Stop


# The throwaway cluster.


def postgres_bin() -> Path:
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        sys.exit("No PostgreSQL programs found under /usr/lib/postgresql; set PG_BIN to the directory of initdb.")
    return found[-1].parent


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Cluster:
    def __init__(self, data: Path, port: int, kept: bool):
        self.bin = postgres_bin()
        self.data, self.port, self.kept = data, port, kept
        self.url = f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"
        self.busy = threading.Lock()  # a stop on Ctrl-C waits for a restart under way, never races it

    def run(self, *command, check=True, timeout=120) -> subprocess.CompletedProcess:
        """A PostgreSQL program, as the postgres user when we are root, out of reach of Ctrl-C."""
        command = [str(self.bin / command[0]), *command[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, cwd="/", capture_output=True, text=True, check=check, timeout=timeout, start_new_session=True
        )

    def ours(self) -> bool:
        conf = self.data / "postgresql.conf"
        return conf.exists() and MARK in conf.read_text()

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        return (
            self.pid() is not None and self.run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0
        )

    def create(self):
        progress(f"Cluster: initdb {self.data} ({self.bin})")
        self.data.mkdir(mode=0o700, parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\n# {MARK}: a throwaway cluster for the restart-under-load run.\n"
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.data}'\n"
                "max_connections = 50\ncluster_name = 'claims_load_fault'\n"
            )

    def start(self):
        if self.running():
            progress(f"Cluster: already running on port {self.port} (pid {self.pid()})")
            return
        progress(f"Cluster: starting on 127.0.0.1:{self.port}")
        started = self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "60", "start", check=False
        )
        if started.returncode:
            sys.exit(f"The cluster did not start:\n{started.stdout}{started.stderr}\nSee {self.data / 'server.log'}")

    def restart(self) -> subprocess.CompletedProcess:
        log = str(self.data / "server.log")  # without -l the server would hold our pipe open
        with self.busy:
            return self.run(
                "pg_ctl", "-D", str(self.data), "-l", log, "-m", "fast", "-w", "-t", "60", "restart", check=False
            )

    def stop(self):
        with self.busy:
            pid = self.pid()
            if pid is None:
                return
            progress(f"Cluster: stopping (pid {pid})")
            stopped = self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop", check=False)
            if stopped.returncode and self.pid() == pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGQUIT)  # immediate shutdown of our postmaster only

    def version(self) -> str:
        return self.run("postgres", "--version").stdout.strip()


def prepare_cluster(args) -> Cluster:
    if args.data:
        data, kept = Path(args.data).resolve(), True
    else:
        work = Path(tempfile.mkdtemp(prefix="claims-load-fault-"))
        work.chmod(0o755)  # the postgres user reaches its data directory through it
        data, kept = work / "data", False
    port = args.port
    if (data / "postgresql.conf").exists():
        own = next((int(line.split("=")[1]) for line in (data / "postgresql.conf").read_text().splitlines()
                    if line.startswith("port = ")), None)  # fmt: skip
        if port is not None and own is not None and port != own:
            sys.exit(f"The cluster in {data} listens on port {own}; drop --port or give {own}.")
        port = own
    if port is None:
        port = next((p for p in range(5434, 5500) if port_is_free(p)), None) or sys.exit("No free port in 5434-5499.")
    cluster = Cluster(data, port, kept)
    if data.exists() and any(data.iterdir()):
        if not cluster.ours():
            sys.exit(f"{data} holds something this script did not make; give --data an empty or new directory.")
        progress(f"Cluster: reusing {data}")
    else:
        if data.exists():
            data.rmdir()
        cluster.create()
    return cluster


def fill(cluster: Cluster, args, env: dict):
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE}")

    def manage(*command):
        progress(f"Data: manage.py {' '.join(command)}")
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)

    manage("migrate", "--noinput", "-v", "0")
    manage("load_seed")
    with psycopg.connect(cluster.url) as conn:
        have = conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
    if have < args.claims:
        manage("generate_claims", "--claims", str(args.claims - have))
    with psycopg.connect(cluster.url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def newsroom_and_mix(env: dict) -> tuple[str, dict, dict]:
    """A new newsroom key, and for each kind of read in MIX the requests it draws from."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from api.views import ChangesView
    from claims.models import Appearance, Claim, ClaimChange, Event, NewsroomKey, Status
    from sources.models import Document, Source

    _, key = NewsroomKey.objects.create_key(name=f"load_fault.py {datetime.now(UTC):%Y-%m-%d %H:%M}")

    def some(queryset, field, count=300):
        return list(queryset.order_by("?").values_list(field, flat=True)[:count])

    claims = some(Claim.objects.all(), "id")
    urls = some(Document.objects.filter(pk__in=Appearance.objects.values("document_id")), "url")
    outlets = some(Source.objects.filter(kind="outlet"), "id", 50)
    sources = some(Source.objects.all(), "id")
    events = some(Event.objects.all(), "id", 100)
    seqs = some(ClaimChange.objects.all(), "seq")
    words = [w for text in some(Claim.objects.all(), "text", 100) for w in text.split() if len(w) > 6 and w.isalpha()]
    counts = {
        "claims": Claim.objects.count(),
        "documents": Document.objects.count(),
        "sources": Source.objects.count(),
        "changes": ClaimChange.objects.count(),
    }
    connection.close()
    api = "/api/v1"
    draws = {
        "claim detail": [f"{api}/claims/{pk}/" for pk in claims],
        "lookup by url": [f"{api}/lookup/?{urlencode({'url': url})}" for url in urls],
        "claims, page of 50": [f"{api}/claims/?page_size=50"],
        "claims by status": [f"{api}/claims/?page_size=50&status={s}" for s in Status.values],
        "claims by outlet": [f"{api}/claims/?page_size=50&outlet={pk}" for pk in outlets],
        "claims search": [f"{api}/claims/?{urlencode({'q': w})}" for w in sorted(set(words))[:100]],
        "changes feed": [f"{api}/changes/?cursor={ChangesView._encode(seq)}" for seq in seqs],
        "event figures": [f"{api}/events/{pk}/figures/" for pk in events],
        "source detail": [f"{api}/sources/{pk}/" for pk in sources],
        "documents page": [f"{api}/documents/"],
    }
    empty = [name for name, paths in draws.items() if not paths]
    if empty:
        sys.exit(f"The data has nothing to request for: {', '.join(empty)}.")
    return key, draws, counts


def requests_in_mix(draws: dict, count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [(kind, rng.choice(draws[kind])) for kind in kinds]


# gunicorn.


def start_gunicorn(args, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    gunicorn = shutil.which("gunicorn", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not gunicorn:
        sys.exit("gunicorn is not installed: pip install -r requirements.txt")
    port = free_port()
    command = [
        gunicorn, "config.wsgi:application", "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
        "--timeout", "30", "--graceful-timeout", "10", "--keep-alive", KEEP_ALIVE, "--log-level", "warning",
    ]  # fmt: skip
    progress(f"gunicorn: 127.0.0.1:{port}, {args.workers} gthread workers × {args.threads} threads, log {log}")
    with log.open("w") as output:  # gunicorn writes through its own copy
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not listen within 60 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


def stop_process(process: subprocess.Popen | None, name: str):
    if process is None or process.poll() is not None:
        return
    progress(f"{name}: stopping (pid {process.pid})")
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The load.


# What the run shows.


def seconds_table(samples: list, seconds: float) -> list[dict]:
    rows = [{"second": i, "scheduled": 0, "ok": 0, "errors": 0, "latencies": []} for i in range(int(seconds) + 12)]
    for sample in samples:
        rows[int(sample.scheduled)]["scheduled"] += 1
        row = rows[min(int(sample.done), len(rows) - 1)]
        row["ok" if sample.ok else "errors"] += 1
        row["latencies"].append(sample.latency)
    while rows and not rows[-1]["ok"] + rows[-1]["errors"] + rows[-1]["scheduled"]:
        rows.pop()
    return rows


def judge(samples: list, fault: dict, rate: float, args) -> dict:
    """Before the restart, the restart window, after recovery; and whether each meets its bar."""
    rows = seconds_table(samples, args.seconds)
    back = fault["back"]
    recovered = None
    for row in rows:
        start = row["second"]
        if start + 1 <= back or start + 1 > args.seconds:
            continue  # a second wholly before the database came back, or past the schedule
        if row["errors"] == 0 and row["ok"] >= 0.8 * rate:
            recovered = max(start, back)
            break
    window_end = recovered if recovered is not None else float("inf")
    before = [s for s in samples if s.done < fault["began"]]
    after = [s for s in samples if s.sent >= window_end]
    window = [s for s in samples if s.done >= fault["began"] and s.sent < window_end]
    hangs = [s for s in samples if s.error == "timeout"]
    once_back = [s for s in samples if s.sent >= back]
    checks = {
        # Kept connections the restart ended are replaced before use (CONN_HEALTH_CHECKS).
        "no error in requests sent once the database was back": not [s for s in once_back if not s.ok],
        "no error before the restart": not [s for s in before if not s.ok],
        "no error after recovery": recovered is not None and not [s for s in after if not s.ok],
        f"recovered within {args.recovery_limit:g} s of the database coming back": recovered is not None
        and recovered - back <= args.recovery_limit,
        f"no request unanswered after {args.client_timeout:g} s": not hangs,
        "the restart itself succeeded": fault["returncode"] == 0,
    }
    return {
        "rows": rows,
        "recovered": recovered,
        "recovery": None if recovered is None else recovered - back,
        "phases": [
            Phase("before the restart", before),
            Phase("restart window", window),
            Phase("after recovery", after),
        ],
        "hangs": hangs,
        "once_back": once_back,
        "late": sum(s.sent - s.scheduled > 0.1 for s in samples),
        "checks": checks,
    }


def main():
    args = arguments()
    started = datetime.now(UTC)
    info = {
        "started": started,
        "command": " ".join([Path(sys.executable).name, "scripts/load_fault.py", *sys.argv[1:]]),
        "cpu": f"{os.cpu_count()} cores",
        "load_start": machine_load(),
        "others": busiest_processes({os.getpid()}),
    }
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    cluster = server = None
    work = Path(tempfile.mkdtemp(prefix="claims-load-fault-run-"))
    log = work / "gunicorn.log"
    passed = False
    try:
        cluster = prepare_cluster(args)
        cluster.start()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": cluster.url,
            "DATABASE_REPLICA_URL": "",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PUBLIC_API": "0",
            "API_KEY_RATE": UNTHROTTLED,
            "API_PUBLIC_RATE": UNTHROTTLED,
            "CONN_MAX_AGE": "600",
            "CONN_HEALTH_CHECKS": "0" if args.no_health_checks else "1",
            "DB_CONNECT_TIMEOUT": str(args.connect_timeout),
            "DB_STATEMENT_TIMEOUT_MS": str(args.statement_timeout_ms),
            "LOG_LEVEL": "ERROR",
        }
        fill(cluster, args, {**env, "DB_STATEMENT_TIMEOUT_MS": ""})  # building indexes may take longer
        key, draws, info["counts"] = newsroom_and_mix(env)
        headers = {"Authorization": f"Api-Key {key}", "Accept": "application/json", "Connection": "keep-alive"}
        info["postgres"], info["port"] = cluster.version(), cluster.port
        info["gunicorn"] = subprocess.run(
            [str(Path(sys.executable).parent / "gunicorn"), "--version"], capture_output=True, text=True
        ).stdout.strip()

        server, port = start_gunicorn(args, env, log)
        concurrency = 2 * args.workers * args.threads
        warm = requests_in_mix(draws, 2000, seed=1)
        progress(f"Warm-up: 3 s closed loop, {concurrency} connections")
        closed_loop(port, headers, warm, 3, concurrency, args.client_timeout)
        progress(f"Peak: {args.peak_seconds:g} s closed loop, {concurrency} connections")
        measured = closed_loop(
            port, headers, requests_in_mix(draws, 100_000, seed=2), args.peak_seconds, concurrency, args.client_timeout
        )
        # Answers within the period, over the period: the stragglers after it count for nothing.
        answered = [s.latency * 1000 for s in measured if s.ok and s.done <= args.peak_seconds]
        peak = {
            "concurrency": concurrency,
            "seconds": args.peak_seconds,
            "rps": len(answered) / args.peak_seconds,
            "errors": sum(not s.ok for s in measured),
            "p50": percentile(answered, 0.5) if answered else None,
            "p99": percentile(answered, 0.99) if answered else None,
        }
        if not answered:
            sys.exit(f"No request succeeded while measuring peak: {Counter(s.outcome for s in measured)}")
        rate = args.rate or args.load * peak["rps"]
        progress(f"  peak {peak['rps']:.0f} requests/s ({peak['errors']} errors), p50 {peak['p50']:.1f} ms")
        info["load_paced"] = machine_load()
        progress(
            f"Paced: {rate:.0f} requests/s for {args.seconds:g} s, restart of the cluster at {args.restart_at:g} s"
        )
        schedule = requests_in_mix(draws, int(rate * args.seconds) + 1, seed=3)
        client_cpu = time.process_time()
        samples, fault = paced(
            port, headers, schedule, rate, args.seconds, args.clients, args.client_timeout, args.restart_at,
            cluster.restart,
        )  # fmt: skip
        info["load_end"] = machine_load()
        info["client_cpu"] = time.process_time() - client_cpu
        if "back" not in fault:
            sys.exit("The restart did not finish.")
        result = judge(samples, fault, rate, args)
        summary(peak, rate, fault, result, samples)
        if args.csv:
            with open(args.csv, "w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["kind", "scheduled_s", "sent_s", "latency_ms", "status", "error", "resent"])
                for s in sorted(samples, key=lambda s: s.scheduled):
                    writer.writerow([s.kind, f"{s.scheduled:.4f}", f"{s.sent:.4f}", f"{s.latency * 1000:.2f}",
                                     s.status, s.error, int(s.resent)])  # fmt: skip
            progress(f"Wrote every request to {args.csv}")
        stop_process(server, "gunicorn")
        out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report(args, info, peak, rate, fault, result, samples, log))
        progress(f"Wrote {out}")
        passed = all(result["checks"].values())
    except (KeyboardInterrupt, Stop):
        progress("Interrupted.")
    finally:
        stop_process(server, "gunicorn")
        if cluster is not None:
            cluster.stop()
            if not cluster.kept:
                shutil.rmtree(cluster.data.parent, ignore_errors=True)
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        elif log.exists():
            progress(f"gunicorn's log is kept: {log}")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
