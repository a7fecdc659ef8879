'''Signing and POSTing one webhook request, with nothing but the standard library.

Every request carries

    Content-Type: application/json
    X-Claims-Event-Id: <uuid>            the same on every retry: de-duplicate on it
    X-Claims-Event-Type: verdict.published | claim.updated | claim.deleted
    X-Claims-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>

A newsroom checks a request with this (the README carries the same snippet):

```python
import hashlib
import hmac
import time


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True if `header` (X-Claims-Signature) signs `body` (the raw request body) under `secret`."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or too far ahead): a replayed request
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), fields.get("v1", "").encode("utf-8", "replace"))
```
'''

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from webhooks.addresses import RefusedAddress, checked_address

USER_AGENT = "claim-tracker-webhooks/1"
KEPT_RESPONSE_BYTES = 500


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Answer:
    """What one request got: a status code, or an error that kept it from getting one."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without its body, or send it somewhere unsigned-for.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Deadline:
    """Shuts the connection's socket when the whole request's time is up: a receiver that sends
    a byte a second never trips a per-read timeout, but it does trip this."""

    def __init__(self, sock, seconds: float):
        self.expired = False
        self._sock = sock
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self):
        self.expired = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self):
        self._timer.cancel()


_current = threading.local()  # the deadline of the request this thread is sending


def _connect(connection) -> socket.socket:
    """Connect to an address the host resolves to, refused if it is not public, under the deadline."""
    address = checked_address(connection.host, connection.port)
    sock = socket.create_connection((address, connection.port), connection.timeout, connection.source_address)
    remaining = _current.ends - time.monotonic()
    if remaining <= 0:
        sock.close()
        raise TimeoutError("deadline")
    _current.deadline = _Deadline(sock, remaining)
    return sock


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        self.sock = _connect(self)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        self.sock = self._context.wrap_socket(_connect(self), server_hostname=self.host)


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


# No proxies from the environment: the address checked must be the one connected to.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _CheckedHTTPHandler, _CheckedHTTPSHandler, _NoRedirects
)


def deadline_seconds() -> float:
    """The most one request may take, from connecting to the last byte read."""
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS


def post(*, url: str, secret: str, event_id: str, event_type: str, payload: dict) -> Answer:
    """POST the signed event once. Never raises for what the network or the receiver does."""
    started = time.monotonic()

    def answer(status_code: int | None, error: str = "") -> Answer:
        return Answer(status_code, error[:1000], int((time.monotonic() - started) * 1000))

    if not url.lower().startswith(("http://", "https://")):
        return answer(None, "Not an http:// or https:// URL.")
    body = body_of(payload)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Claims-Event-Id": event_id,
            "X-Claims-Event-Type": event_type,
            "X-Claims-Signature": signature(secret, body, int(time.time())),
        },
    )
    _current.ends, _current.deadline = time.monotonic() + deadline_seconds(), None
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(KEPT_RESPONSE_BYTES)
            if _expired():
                return answer(None, _late())
            return answer(response.status)
    except urllib.error.HTTPError as refusal:
        text = refusal.read(KEPT_RESPONSE_BYTES).decode("utf-8", "replace").strip()
        return answer(refusal.code, f"HTTP {refusal.code}: {text}" if text else f"HTTP {refusal.code}")
    except urllib.error.URLError as failure:
        if isinstance(failure.reason, RefusedAddress):
            return answer(None, str(failure.reason))
        if _expired():
            return answer(None, _late())
        return answer(None, f"{type(failure.reason).__name__}: {failure.reason}")
    except TimeoutError:
        return answer(None, _late() if _expired() else f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} s.")
    except (OSError, http.client.HTTPException, ValueError) as failure:
        if _expired():
            return answer(None, _late())
        return answer(None, f"{type(failure).__name__}: {failure}")
    finally:
        if _current.deadline is not None:
            _current.deadline.cancel()


def _expired() -> bool:
    return _current.deadline is not None and _current.deadline.expired


def _late() -> str:
    return f"No complete answer within {deadline_seconds():g} s (the whole request's deadline)."
