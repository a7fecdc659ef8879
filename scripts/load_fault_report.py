"""docs/reliability.md's load-and-fault section as scripts/load_fault.py writes it."""

import os
import platform
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from scripts.load_client import KEEP_ALIVE, MIX, Phase, progress  # noqa: E402


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def phase_rows(result: dict, everything: list) -> list[str]:
    lines = [
        "| phase | requests | 2xx | errors | error kinds | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for phase in [*result["phases"], Phase("whole run", everything)]:
        kinds = Counter(s.outcome for s in phase.errors)
        top = max((s.latency for s in phase.samples), default=None)
        lines.append(
            f"| {phase.name} | {len(phase.samples):,} | {len(phase.samples) - len(phase.errors):,} "
            f"| {len(phase.errors):,} | {', '.join(f'{k}: {n}' for k, n in kinds.most_common()) or '–'} "
            f"| {fmt(phase.latency_ms(0.5))} | {fmt(phase.latency_ms(0.95))} | {fmt(phase.latency_ms(0.99))} "
            f"| {fmt(top * 1000 if top is not None else None)} |"
        )
    return lines


def error_bodies(samples: list) -> list[str]:
    found = Counter((s.outcome, s.body.decode("utf-8", "replace").strip()[:200]) for s in samples if not s.ok)
    return [f"| {outcome} | {n:,} | `{body or '(none)'}` |" for (outcome, body), n in found.most_common(8)]


def server_errors(log: Path) -> Counter:
    """What Django logged for its 500s: the exception class and the first words of its message."""
    found = Counter()
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("django.db.utils."):
            name, _, message = line.partition(": ")
            found[f"{name.removeprefix('django.db.utils.')}: {message.rpartition('failed: ')[2][:100]}"] += 1
    return found


def machine_load() -> str:
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def busiest_processes(exclude: set[int]) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,pcpu,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        pid, cpu, command = line.split(None, 2)
        if int(pid) not in exclude and float(cpu) >= 5:
            rows.append(f"{command} {cpu}%")
    return rows[:6]


def report(args, info: dict, peak: dict, rate: float, fault: dict, result: dict, samples: list, log: Path) -> str:
    passed = all(result["checks"].values())
    kinds = {}
    for sample in result["phases"][0].samples + result["phases"][2].samples:
        kinds.setdefault(sample.kind, []).append(sample.latency * 1000)
    lines = [
        "# PostgreSQL restart under load",
        "",
        f"Run {info['started']:%Y-%m-%d %H:%M} UTC: `{info['command']}`. "
        + ("**All checks passed.**" if passed else "**Some checks failed.**"),
        "",
        "| check | result |",
        "|---|---|",
        *(f"| {name} | {'passed' if ok else '**FAILED**'} |" for name, ok in result["checks"].items()),
        "",
        "## Setup",
        "",
        f"- Machine: {info['cpu']}, {platform.platform()}; load average (1, 5, 15 min) {info['load_start']} at the"
        f" start, {info['load_paced']} before the paced run, {info['load_end']} at the end. Other processes"
        f" busy at the start: {', '.join(info['others']) or 'none above 5% CPU'}.",
        f"- Server: {info['gunicorn']}, {args.workers} `gthread` workers × {args.threads} threads,"
        f" `--timeout 30 --keep-alive {KEEP_ALIVE}`, serving `config.wsgi`, DEBUG off, throttles out of the way.",
        f"- Database: {info['postgres']}, a cluster of its own on 127.0.0.1:{info['port']}, holding"
        f" {', '.join(f'{n:,} {t}' for t, n in info['counts'].items())}.",
        f"- App settings under test: CONN_MAX_AGE=600, CONN_HEALTH_CHECKS={'0' if args.no_health_checks else '1'},"
        f" DB_CONNECT_TIMEOUT={args.connect_timeout}, DB_STATEMENT_TIMEOUT_MS={args.statement_timeout_ms}.",
        f"- Client: Python http.client on the same machine, kept-alive connections, {args.client_timeout:g} s"
        f" timeout; it used {info['client_cpu']:.1f} s of CPU in the {args.seconds:g} s paced run."
        " The mix, by weight: " + ", ".join(f"{k} {w}" for k, w in MIX.items()) + ".",
        "",
        "## Run",
        "",
        f"- Peak, closed loop, {peak['concurrency']} connections for {peak['seconds']:.1f} s: **{peak['rps']:.0f}"
        f" requests/s** answered 2xx ({peak['errors']} errors), p50 {fmt(peak['p50'])} ms, p99 {fmt(peak['p99'])} ms.",
        f"- Paced: **{rate:.0f} requests/s**"
        + (f" ({args.load:.0%} of peak)" if not args.rate else " (--rate)")
        + f" for {args.seconds:g} s, open loop over {args.clients} connections:"
        f" {len(samples):,} requests, of them {sum(s.resent for s in samples)} sent again after gunicorn"
        f" closed an idle kept connection; {result['late']} sent more than 100 ms after their scheduled time"
        " (every client connection busy), the latest by"
        f" {max((s.sent - s.scheduled for s in samples), default=0) * 1000:.0f} ms.",
        f"- `pg_ctl restart -m fast` began at {fault['began']:.2f} s; the database accepted connections again"
        f" at {fault['back']:.2f} s (pg_ctl -w returned), {fault['back'] - fault['began']:.2f} s later.",
        "- Recovered (first whole second with no error and at least 80% of the paced rate answered) at "
        + (
            f"{result['recovered']:.2f} s, **{result['recovery']:.2f} s** after the database came back."
            if result["recovered"] is not None
            else "**never**."
        ),
        f"- Errors among the {len(result['once_back']):,} requests sent once the database was back:"
        f" **{sum(not s.ok for s in result['once_back'])}**.",
        f"- Requests unanswered after {args.client_timeout:g} s (hangs): **{len(result['hangs'])}**.",
        "",
        *phase_rows(result, samples),
        "",
        "The restart window runs from the restart's start to recovery; a request counts in it when it was"
        " in flight at any moment of it. Latency is from sending to the last byte of the answer.",
        "",
        "Errors, by answer:",
        "",
        "| answer | requests | body |",
        "|---|---:|---|",
        *(error_bodies(samples) or ["| – | 0 | |"]),
        "",
        "What Django logged for its errors (gunicorn's log):",
        "",
        *([f"- {n:,} × `{what}`" for what, n in server_errors(log).most_common(6)] or ["- nothing"]),
        "",
        "Outside the restart, by kind of request:",
        "",
        "| request | count | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
        *(
            f"| {kind} | {len(ms):,} | {percentile(ms, 0.5):.1f} | {percentile(ms, 0.99):.1f} |"
            for kind, ms in sorted(kinds.items())
        ),
        "",
        "<details><summary>Each second of the paced run</summary>",
        "",
        "| second | scheduled | answered 2xx | errors | p50 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        latencies = row["latencies"]
        mark = ""
        if int(fault["began"]) == row["second"]:
            mark += " restart"
        if int(fault["back"]) == row["second"]:
            mark += " back"
        lines.append(
            f"| {row['second']}{mark} | {row['scheduled']} | {row['ok']} | {row['errors']} "
            f"| {fmt(statistics.median(latencies) * 1000 if latencies else None)} "
            f"| {fmt(max(latencies) * 1000 if latencies else None)} |"
        )
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def summary(peak: dict, rate: float, fault: dict, result: dict, samples: list):
    progress("")
    progress(f"Peak {peak['rps']:.0f} requests/s; paced at {rate:.0f} requests/s.")
    progress(f"Restart began at {fault['began']:.2f} s, database back at {fault['back']:.2f} s.")
    if result["recovered"] is None:
        progress("The API did not recover before the run ended.")
    else:
        progress(f"Recovered at {result['recovered']:.2f} s: {result['recovery']:.2f} s after the database came back.")
    progress("")
    for line in phase_rows(result, samples):
        progress(line)
    progress("")
    for name, ok in result["checks"].items():
        progress(f"  {'PASS' if ok else 'FAIL'}  {name}")
