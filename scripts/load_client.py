"""The load generator: the newsroom's request mix, keep-alive connections, one sample per
request, the closed-loop and paced schedules that send them, and the phases they are judged in."""

import http.client
import itertools
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402

# gunicorn keeps an idle connection open this long: longer than a load balancer keeps its own (60 s
# on the common ones), so a kept connection is never closed under a request.
KEEP_ALIVE = "75"
# A newsroom's reads, weighted: mostly single claims and article lookups, some pages and the feed.
MIX = {
    "claim detail": 30,
    "lookup by url": 20,
    "claims, page of 50": 10,
    "claims by status": 5,
    "claims by outlet": 5,
    "claims search": 5,
    "changes feed": 10,
    "event figures": 5,
    "source detail": 5,
    "documents page": 5,
}


def progress(message: str):
    print(message, flush=True)


@dataclass(slots=True)
class Sample:
    kind: str
    scheduled: float  # seconds into the phase; the send time in a closed loop
    sent: float
    done: float
    status: int  # 0: no HTTP answer
    error: str  # why there was no answer: timeout, refused, reset, …
    resent: bool  # sent again on a new connection after the server had closed the kept one
    body: bytes = b""  # the start of the body of a non-2xx answer

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def latency(self) -> float:
        return self.done - self.sent

    @property
    def outcome(self) -> str:
        return str(self.status) if self.status else self.error


class Connection:
    """One kept-alive connection, as a newsroom's HTTP client holds one."""

    def __init__(self, port: int, headers: dict, timeout: float):
        self.port, self.headers, self.timeout = port, headers, timeout
        self.http = None

    def close(self):
        if self.http is not None:
            self.http.close()
            self.http = None

    def get(self, path: str) -> tuple[int, bytes, bool]:
        resent = False
        while True:
            fresh = self.http is None
            if fresh:
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.http.request("GET", path, headers=self.headers)
                response = self.http.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh or resent:
                    raise
                # gunicorn closed a kept connection between requests (--keep-alive): every HTTP
                # client sends a GET again on a new one. Counted, never hidden.
                resent = True
                continue
            except BaseException:
                self.close()
                raise
            if response.will_close:
                self.close()
            return response.status, body, resent


def fetch(connection: Connection, kind: str, path: str, origin: float, scheduled: float) -> Sample:
    sent = time.monotonic() - origin
    status, body, resent, error = 0, b"", False, ""
    try:
        status, body, resent = connection.get(path)
    except TimeoutError:
        error = "timeout"
    except ConnectionRefusedError:
        error = "refused"
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        error = "reset"
    except (OSError, http.client.HTTPException) as exc:
        error = type(exc).__name__
    done = time.monotonic() - origin
    return Sample(kind, scheduled, sent, done, status, error, resent, b"" if 200 <= status < 300 else body[:300])


def closed_loop(port, headers, requests, seconds, concurrency, timeout) -> list[Sample]:
    """As many requests as `concurrency` connections get answered, each sent when the last returns."""
    samples: list[Sample] = []
    turn = itertools.count()
    origin = time.monotonic()

    def client():
        connection = Connection(port, headers, timeout)
        while (now := time.monotonic() - origin) < seconds:
            kind, path = requests[next(turn) % len(requests)]
            samples.append(fetch(connection, kind, path, origin, now))
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def paced(port, headers, requests, rate, seconds, clients, timeout, restart_at, restart) -> tuple[list, dict]:
    """Request i is sent at i / rate seconds, by whichever client connection is free."""
    samples: list[Sample] = []
    turn = itertools.count()
    fault: dict = {}
    origin = time.monotonic()

    def client():
        connection = Connection(port, headers, timeout)
        while (at := (i := next(turn)) / rate) < seconds:
            delay = origin + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            kind, path = requests[i % len(requests)]
            samples.append(fetch(connection, kind, path, origin, at))
        connection.close()

    def fault_at():
        time.sleep(max(0.0, origin + restart_at - time.monotonic()))
        fault["began"] = time.monotonic() - origin
        result = restart()
        fault["back"] = time.monotonic() - origin
        fault["returncode"], fault["output"] = result.returncode, (result.stdout + result.stderr).strip()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    threads.append(threading.Thread(target=fault_at, daemon=True))
    for thread in threads:
        thread.start()
    shown = 0
    while any(thread.is_alive() for thread in threads):
        time.sleep(0.5)
        now = time.monotonic() - origin
        if (
            now - shown >= 5
            or (fault.get("began") and "shown_began" not in fault)
            or (fault.get("back") and "shown_back" not in fault)
        ):
            seen = list(samples)
            errors = sum(not s.ok for s in seen)
            note = ""
            if fault.get("began") and "shown_began" not in fault:
                fault["shown_began"], note = True, f"  <- restart began at {fault['began']:.2f} s"
            if fault.get("back") and "shown_back" not in fault:
                fault["shown_back"], note = True, f"  <- database back at {fault['back']:.2f} s"
            progress(f"  t={now:5.1f} s  answered {len(seen):6,}  errors {errors:5,}{note}")
            shown = now
    return samples, fault


@dataclass
class Phase:
    name: str
    samples: list

    @property
    def errors(self) -> list:
        return [s for s in self.samples if not s.ok]

    def latency_ms(self, fraction: float) -> float | None:
        latencies = [s.latency for s in self.samples]
        return percentile(latencies, fraction) * 1000 if latencies else None
