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

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

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


_opener = urllib.request.build_opener(_NoRedirects)


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
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(KEPT_RESPONSE_BYTES)
            return answer(response.status)
    except urllib.error.HTTPError as refusal:
        text = refusal.read(KEPT_RESPONSE_BYTES).decode("utf-8", "replace").strip()
        return answer(refusal.code, f"HTTP {refusal.code}: {text}" if text else f"HTTP {refusal.code}")
    except urllib.error.URLError as failure:
        return answer(None, f"{type(failure.reason).__name__}: {failure.reason}")
    except TimeoutError:
        return answer(None, f"No answer within {settings.WEBHOOK_TIMEOUT_SECONDS:g} s.")
    except (OSError, http.client.HTTPException, ValueError) as failure:
        return answer(None, f"{type(failure).__name__}: {failure}")
