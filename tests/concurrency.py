"""What the concurrency tests share: writers on their own connections released together, a
held row lock, and the desk's clients. PostgreSQL only (see test_concurrency_api.py)."""

import itertools
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from claims.models import Claim, ClaimChange, Status, Verdict

# Every concurrency test: PostgreSQL's row locks, and writers that commit for real.
REAL_CONCURRENCY = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real concurrent connections and row locks (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 50
ROUNDS = 20
STALE = "Someone else changed this claim"
CONFLICT = 409  # refused for what the claim has become: a newer proposal, already published
# Statuses the seed's claims can take without evidence, so any writer's verdict is admissible.
STATUSES = [Status.UNCONFIRMED, Status.RETRACTED]


def run_writers(writers, go, started=None, before_join=None, on_failure=None, timeout: float = 120) -> list:
    """Run each writer in its own thread, so on its own database connection, passing it `go`
    to call just before its write. Returns what each returned; a writer that raised (a 500
    does: the test client re-raises it) fails the test."""
    results: list = [None] * len(writers)

    def run(number, writer):
        try:
            results[number] = writer(go)
        except BaseException as exc:
            results[number] = exc
            if on_failure:
                on_failure()
        finally:
            connection.close()

    threads = []
    for number, writer in enumerate(writers):
        threads.append(threading.Thread(target=run, args=(number, writer)))
        threads[-1].start()
        if started:
            started(number)
    if before_join:
        before_join()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} writer(s) failed, first: {failures[0]!r}"
    return results


def together(*writers, hold: Claim | None = None) -> list:
    """Release the writers at once. With `hold`, another connection also holds that claim's
    row lock until every writer waits on it, so their writes certainly overlap."""
    barrier = threading.Barrier(len(writers))
    go = lambda: barrier.wait(timeout=60)  # noqa: E731
    if hold is None:
        return run_writers(writers, go, on_failure=barrier.abort)
    with HeldLock(hold) as lock:
        results = run_writers(writers, go, on_failure=barrier.abort, before_join=lambda: lock.let_go(len(writers)))
    assert lock.waited >= len(writers), "the writers did not all wait on the claim"
    return results


def queued(claim: Claim, *writers) -> list:
    """Writers reach the claim's row lock in the order given, while another connection holds
    it; then it is let go, and each writes in that order, on what the one before left."""
    with HeldLock(claim) as lock:
        results = run_writers(writers, lambda: None, started=lambda n: lock.wait_for(n + 1), before_join=lock.let_go)
    assert lock.waited >= len(writers), "the writers did not all wait on the claim"
    return results


def waiting(waiters: int, timeout: float = 20) -> int:
    """How many connections wait for a lock, once `waiters` do (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            count = cursor.fetchone()[0]
            if count >= waiters or time.monotonic() > deadline:
                return count
            time.sleep(0.02)


class HeldLock:
    """Hold a claim's row lock on another connection, until let go."""

    def __init__(self, claim: Claim):
        self.claim = claim
        self.held, self.released = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.waited = 0

    def _hold(self):
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=self.claim.pk)
                self.held.set()
                self.released.wait(60)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def wait_for(self, waiters: int) -> None:
        self.waited = waiting(waiters)

    def let_go(self, waiters: int = 0) -> None:
        self.wait_for(waiters)
        self.released.set()

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join(30)


def desk_member(name: str):
    return get_user_model().objects.create_user(name, is_staff=True, is_superuser=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, path: str, data: dict | None = None, etag: str | None = None):
    headers = {"If-Match": etag} if etag else {}
    return client.post(path, data or {}, content_type="application/json", headers=headers)


def claim_url(claim: Claim) -> str:
    return f"/api/v1/claims/{claim.pk}/"


def publish_url(verdict_id: int) -> str:
    return f"/api/v1/verdicts/{verdict_id}/publish/"


def refusal(response) -> str:
    return " ".join(m for messages in response.json().values() for m in messages)


def assert_published_status_and_history_agree(claim: Claim) -> list[Verdict]:
    """The status newsrooms see, the verdict log, the change feed and the audit history tell one story."""
    claim.refresh_from_db()
    published = list(claim.verdicts.published().order_by("published_at", "pk"))
    # Only the newest verdict can be published, so publication order is proposal order.
    assert [v.pk for v in published] == sorted(v.pk for v in published)
    for verdict in published:
        assert not claim.verdicts.filter(pk__gt=verdict.pk, created_at__lt=verdict.published_at).exists(), (
            "a verdict was published after a newer one had been proposed"
        )
    assert claim.status == (published[-1].status if published else Status.UNREVIEWED)

    feed = ClaimChange.objects.filter(claim_id=claim.pk).order_by("seq")
    shown = [c.status for c in feed if c.kind == ClaimChange.Kind.STATUS_PUBLISHED]
    assert shown == [v.status for v in published]
    assert feed.last().status == claim.status

    history = list(claim.history.order_by("history_date", "history_id"))
    versions = [h.version for h in history]
    assert all(0 <= b - a <= 1 for a, b in itertools.pairwise(versions)), versions
    assert versions[-1] == claim.version and history[-1].status == claim.status
    reasons = [(h.history_change_reason or "", h.status) for h in history]
    assert [status for reason, status in reasons if reason.startswith("verdict published")] == [
        v.status for v in published
    ]
    return published


# 1. Verdicts through the API


def record_run(what: str, **counts) -> None:
    """Print what a race came to, for the reliability notes (pytest -s shows it)."""
    print(f"{what}: " + ", ".join(f"{k}={dict(v) if isinstance(v, Counter) else v}" for k, v in counts.items()))
