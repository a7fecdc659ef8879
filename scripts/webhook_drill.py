"""The webhook drill: nothing is lost when the receiver is down, or when a worker is SIGKILLed mid-delivery.

    .venv/bin/python scripts/webhook_drill.py            # 1,000 events per round, two workers

On its own PostgreSQL database (DATABASE_URL's server, its name with "_webhook_drill" appended,
dropped and created afresh), with `manage.py db_worker --queue-name webhooks` subprocesses:

1. Receiver down: publishes 1,000 verdicts while a loopback receiver is not listening, so every
   delivery fails and is retried with backoff; brings the receiver up and waits until all are
   delivered. The receiver checks each signature and must end with exactly 1,000 unique event ids.
2. Workers killed: publishes 1,000 more while the receiver is up; three times the receiver holds a
   request unanswered and the drill SIGKILLs every worker mid-delivery, then starts new ones. The
   sweep (what `manage.py sweep_webhooks` does, run here every 5 s as cron would every minute) finds
   the deliveries the dead workers held; the receiver must again end with exactly 1,000 unique ids.

The backoff is shortened through the environment (WEBHOOK_RETRY_BASE_SECONDS=1,
WEBHOOK_RETRY_MAX_SECONDS=8, WEBHOOK_LEASE_SECONDS=10) so the drill takes a few minutes; set them
to try others. Exits 0 when both rounds lose nothing.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DRILL_ENV = {
    "WEBHOOK_RETRY_BASE_SECONDS": "1",
    "WEBHOOK_RETRY_MAX_SECONDS": "8",
    "WEBHOOK_LEASE_SECONDS": "10",
    "WEBHOOK_TIMEOUT_SECONDS": "5",
    "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",  # its receiver is on loopback
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    "DEBUG": "",
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def drill_database_url(name: str | None) -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/claims"
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        sys.exit("The drill runs on PostgreSQL: set DATABASE_URL to a postgres:// URL (its server is used).")
    name = name or (parts.path.lstrip("/") or "claims") + "_webhook_drill"
    return parts._replace(path=f"/{name}").geturl()


def recreate_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    params = dj_database_url.parse(url)
    connection = psycopg.connect(
        dbname="postgres",
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    )
    with connection:
        name = sql.Identifier(params["NAME"])
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))


class Receiver:
    """A newsroom endpoint on loopback that checks signatures and de-duplicates by event id."""

    def __init__(self, port: int, secret: str, verify):
        self.port, self.secret, self.verify = port, secret, verify
        self.lock = threading.Lock()
        self.server = None
        self.reset()

    def reset(self):
        with self.lock:
            self.unique, self.requests, self.duplicates, self.bad_signatures = set(), 0, 0, 0
            self.hold_at, self.holding, self.release = set(), threading.Event(), threading.Event()

    def up(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["X-Claims-Event-Id"]
                with receiver.lock:
                    receiver.requests += 1
                    number = receiver.requests
                    signed = receiver.verify(receiver.secret, self.headers["X-Claims-Signature"], body)
                    if not signed or json.loads(body)["id"] != event_id:
                        receiver.bad_signatures += 1
                    elif event_id in receiver.unique:
                        receiver.duplicates += 1
                    else:
                        receiver.unique.add(event_id)
                if number in receiver.hold_at:  # keep the worker waiting, mid-delivery, until it is killed
                    receiver.holding.set()
                    receiver.release.wait(60)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # its worker is dead

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Workers:
    def __init__(self, count: int, env: dict, log_dir: Path):
        self.count, self.env, self.log_dir = count, env, log_dir
        self.processes: list[subprocess.Popen] = []
        self.started = 0

    def start(self):
        for _ in range(self.count):
            self.started += 1
            log = open(self.log_dir / f"worker-{self.started}.log", "w")  # noqa: SIM115 (kept for the process)
            command = [sys.executable, "manage.py", "db_worker", "--queue-name", "webhooks", "--interval", "0.2"]
            command += ["--no-startup-delay", "--no-reload", "--worker-id", f"drill-{self.started}"]
            self.processes.append(
                subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
            )
        say(f"started {self.count} db_worker process(es): pids {[p.pid for p in self.processes]}")

    def kill(self):
        pids = [p.pid for p in self.processes]
        for process in self.processes:
            os.kill(process.pid, signal.SIGKILL)
        for process in self.processes:
            process.wait()
        self.processes = []
        say(f"SIGKILLed worker pids {pids}")

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="verdicts published per round (1000)")
    parser.add_argument("--workers", type=int, default=2, help="db_worker processes (2)")
    parser.add_argument("--kills", type=int, default=3, help="times every worker is SIGKILLed in round two (3)")
    parser.add_argument("--database", help="database name (DATABASE_URL's, with _webhook_drill appended)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each round may take to drain (600)")
    args = parser.parse_args()

    url = drill_database_url(args.database)
    for name, value in DRILL_ENV.items():
        os.environ.setdefault(name, value)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env = dict(os.environ)
    say(f"database {urlsplit(url).path.lstrip('/')}: dropping and creating it, then migrating")
    recreate_database(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    say(
        "backoff: base {WEBHOOK_RETRY_BASE_SECONDS} s, ceiling {WEBHOOK_RETRY_MAX_SECONDS} s, "
        "lease {WEBHOOK_LEASE_SECONDS} s".format(**os.environ)
    )

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count, Q
    from django_tasks_db.models import DBTaskResult

    from claims import services
    from claims.models import NewsroomKey
    from sources.models import Source
    from webhooks import sending
    from webhooks import services as webhook_services
    from webhooks.models import Delivery, Subscription

    namespace = {}
    exec(re.search(r"```python\n(.*?)```", sending.__doc__, re.S).group(1), namespace)  # the documented snippet
    verify = namespace["verify_signature"]

    users = get_user_model().objects
    reviewer = users.create_user("drill-reviewer", is_staff=True, is_superuser=True)
    editor = users.create_user("drill-editor", is_staff=True, is_superuser=True)
    speaker = Source.objects.create(kind="person", name="Drill Speaker")
    claims = [services.record_claim(speaker=speaker, text=f"Drill claim {n}.", user=reviewer) for n in range(1, 101)]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key, _ = NewsroomKey.objects.create_key(name="Drill Gazette")
    subscription = Subscription.objects.create(newsroom_key=key, url=f"http://127.0.0.1:{port}/hooks")
    receiver = Receiver(port, subscription.secret, verify)
    log_dir = Path(tempfile.mkdtemp(prefix="webhook-drill-"))
    workers = Workers(args.workers, env, log_dir)
    say(f"receiver will listen on 127.0.0.1:{port}; worker logs in {log_dir}")

    published = 0

    def publish(count: int) -> None:
        nonlocal published
        started = time.monotonic()
        for n in range(count):
            claim = claims[(published + n) % len(claims)]
            claim.refresh_from_db(fields=["status"])
            status = "retracted" if claim.status == "unconfirmed" else "unconfirmed"
            proposal = services.propose_verdict(claim=claim, status=status, rationale="Drill.", reviewer=reviewer)
            services.publish_verdict(verdict=proposal, editor=editor)
            if (n + 1) % 200 == 0:
                say(f"  published {n + 1}/{count} verdicts")
        published += count
        say(f"published {count} verdicts in {time.monotonic() - started:.1f} s")

    def states(since: int) -> dict:
        counts = Delivery.objects.filter(pk__gt=since).aggregate(
            pending=Count("pk", filter=Q(state="pending")),
            delivered=Count("pk", filter=Q(state="delivered")),
            failed=Count("pk", filter=Q(state="failed")),
        )
        return counts

    sweeps = {"handed": 0}
    stop = threading.Event()

    def cron():
        """What `* * * * * manage.py sweep_webhooks` does, every 5 s instead of every minute."""
        while not stop.wait(5):
            sweeps["handed"] += webhook_services.requeue_lost()
        connection.close()

    def drain(expected: int, since: int) -> bool:
        started = time.monotonic()
        while time.monotonic() - started < args.timeout:
            counts = states(since)
            say(
                f"  deliveries {counts}; receiver: {len(receiver.unique)} unique, {receiver.duplicates} duplicates, "
                f"{receiver.bad_signatures} bad signatures; the sweep has handed back {sweeps['handed']}"
            )
            if counts["delivered"] == expected and len(receiver.unique) >= expected:
                say(f"drained in {time.monotonic() - started:.1f} s")
                return True
            time.sleep(2)
        return False

    def verdict(name: str, expected: int, since: int) -> bool:
        ids = {str(i) for i in Delivery.objects.filter(pk__gt=since).values_list("event_id", flat=True)}
        counts = states(since)
        attempts = Delivery.objects.filter(pk__gt=since).values_list("log__pk", flat=True).count()
        ok = (
            len(ids) == expected
            and receiver.unique == ids
            and counts["delivered"] == expected
            and receiver.bad_signatures == 0
        )
        say(
            f"{name}: {'PASS' if ok else 'FAIL'} — {expected} events, {len(receiver.unique)} unique ids received "
            f"(same set as the outbox: {receiver.unique == ids}), {receiver.duplicates} duplicates dropped, "
            f"{receiver.bad_signatures} bad signatures, {attempts} attempts logged, deliveries {counts}"
        )
        return ok

    results = []
    threading.Thread(target=cron, daemon=True).start()
    try:
        # Round 1: the receiver is down while every event is published.
        say(f"ROUND 1: receiver DOWN while {args.events} verdicts are published")
        workers.start()
        since = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        publish(args.events)
        time.sleep(5)
        say(
            f"  while down: {states(since)}, {receiver.requests} requests received, "
            f"{Delivery.objects.filter(pk__gt=since).values_list('log__pk', flat=True).count()} attempts failed"
        )
        say("receiver UP")
        receiver.up()
        drained = drain(args.events, since)
        results.append(verdict("round 1 (receiver down)", args.events, since) and drained)
        say(f"the sweep handed back {sweeps['handed']} deliveries in round 1 (no worker died: expect 0)")
        sweeps["handed"] = 0

        # Round 2: workers are SIGKILLed mid-delivery, then replaced.
        say(f"ROUND 2: {args.events} more verdicts; every worker SIGKILLed mid-delivery {args.kills} times")
        receiver.reset()
        receiver.hold_at = {args.events * k // (args.kills + 1) for k in range(1, args.kills + 1)}
        since = Delivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        kills_done = threading.Event()

        def chaos():
            for _ in range(args.kills):
                if not receiver.holding.wait(args.timeout):
                    break
                say(f"  receiver is holding request #{receiver.requests} unanswered: killing the workers")
                workers.kill()
                receiver.holding.clear()
                receiver.release.set()
                time.sleep(0.2)
                receiver.release.clear()
                workers.start()
            kills_done.set()

        threading.Thread(target=chaos, daemon=True).start()
        publish(args.events)
        drained = drain(args.events, since)
        kills_done.wait(5)
        lost = DBTaskResult.objects.filter(exception_class_path__endswith="WorkerLost").count()
        running = DBTaskResult.objects.filter(status="RUNNING").count()
        say(
            f"the sweep handed back {sweeps['handed']} deliveries in round 2; tasks left RUNNING by killed workers "
            f"and closed by the sweep: {lost}; still RUNNING: {running}"
        )
        results.append(verdict("round 2 (workers SIGKILLed)", args.events, since) and drained and lost > 0)
    finally:
        stop.set()
        workers.stop()
        receiver.down()
    ok = all(results) and len(results) == 2
    say("DRILL " + ("PASSED: nothing lost" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
