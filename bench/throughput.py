"""Requests per second under gunicorn with wrk: a claim detail against a bare view."""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import CONNECTIONS, ROOT, THREADS, UNTHROTTLED, WORKERS, progress


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
