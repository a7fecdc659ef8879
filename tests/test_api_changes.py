import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from claims import services
from claims.models import Claim
from tests.conftest import decide, source


def read_feed(api, cursor=None, page_size=100):
    params = {"page_size": page_size, **({"cursor": cursor} if cursor else {})}
    response = api.get("/api/v1/changes/", params)
    assert response.status_code == 200, response.content
    return response.json()


def walk(api, cursor=None, page_size=5):
    seen = []
    while True:
        page = read_feed(api, cursor, page_size)
        seen += page["results"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


def test_the_feed_starts_with_every_seed_claim_created(api, seed):
    changes, _ = walk(api)
    assert [c["kind"] for c in changes] == ["created"] * Claim.objects.count()
    assert sorted(c["claim"] for c in changes) == sorted(Claim.objects.values_list("pk", flat=True))
    assert [c["id"] for c in changes] == sorted(c["id"] for c in changes)


def test_the_feed_resumes_from_a_cursor_with_only_newer_changes(api, killed_500, reviewer):
    _, cursor = walk(api)
    assert read_feed(api, cursor)["results"] == []
    services.update_claim(claim=killed_500, user=reviewer, quote="We estimate that 500")
    decide(killed_500, reviewer, "unconfirmed", "As AP.")
    newer = read_feed(api, cursor)["results"]
    assert [(c["claim"], c["kind"], c["status"]) for c in newer] == [
        (killed_500.pk, "updated", "unreviewed"),
        (killed_500.pk, "status_published", "unconfirmed"),
    ]


def test_proposals_and_assignments_stay_off_the_feed(api, killed_500, reviewer):
    _, cursor = walk(api)
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=reviewer)
    services.assign_claim(claim=killed_500, assignee=reviewer, by=reviewer)
    assert read_feed(api, cursor)["results"] == []


def test_a_deleted_claim_leaves_a_tombstone(api, seed, reviewer):
    claim = services.record_claim(speaker=source("John Kerry"), text="To be deleted.", user=reviewer)
    _, cursor = walk(api)
    services.delete_claim(claim=claim, user=reviewer)
    (tombstone,) = read_feed(api, cursor)["results"]
    assert (tombstone["claim"], tombstone["kind"]) == (claim.pk, "deleted") and tombstone["at"]


def test_interleaved_writes_while_paging_skip_nothing(api, seed, reviewer):
    first = read_feed(api, page_size=5)
    writes = [
        services.record_claim(speaker=source("John Kerry"), text=f"Written while paging {n}.", user=reviewer)
        for n in range(7)
    ]
    rest, _ = walk(api, first["next_cursor"], page_size=4)
    seen = [c["claim"] for c in first["results"] + rest]
    assert len(seen) == len(set(seen)) == Claim.objects.count()
    assert {w.pk for w in writes} <= set(seen)


@pytest.mark.parametrize("cursor", ["garbage", "c2VxOmFiYw", "!!"])
def test_a_bad_cursor_is_a_400(api, seed, cursor):
    response = api.get("/api/v1/changes/", {"cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_is_never_skipped(client, newsroom_key, reviewer):
    """A writer that took its place in the feed and commits late blocks the writers after it,
    so a reader never sees a later change before an earlier one has committed."""
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent connections (PostgreSQL)")
    from sources.models import Source

    kerry = Source.objects.create(kind="person", name="John Kerry")
    client.defaults.update(newsroom_key[1])
    _, cursor = walk(client)  # past whatever the database already holds
    slow_started, order = threading.Event(), []

    def slow_writer():
        close_old_connections()
        with transaction.atomic():
            services.record_claim(speaker=kerry, text="Slow.", user=None)
            slow_started.set()
            time.sleep(1.0)
            order.append("slow committed")
        connection.close()

    def fast_writer():
        close_old_connections()
        slow_started.wait(5)
        services.record_claim(speaker=kerry, text="Fast.", user=None)
        order.append("fast committed")
        connection.close()

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for thread in threads:
        thread.start()
    slow_started.wait(5)
    time.sleep(0.3)
    assert client.get("/api/v1/changes/", {"cursor": cursor}).json()["results"] == []  # neither is visible yet
    for thread in threads:
        thread.join(10)
    assert order == ["slow committed", "fast committed"]
    feed = client.get("/api/v1/changes/", {"cursor": cursor}).json()["results"]
    texts = dict(Claim.objects.values_list("pk", "text"))
    assert [texts[c["claim"]] for c in feed] == ["Slow.", "Fast."]
