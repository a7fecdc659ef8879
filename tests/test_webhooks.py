"""Signed webhooks: written with the change they announce, sent by the task worker, retried for a day."""

import json
import random
import re
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from claims import services
from claims.models import ClaimChange, NewsroomKey
from sources.models import Source
from tests.conftest import decide
from webhooks import attempts as delivery_attempts
from webhooks import sending
from webhooks import services as webhook_services
from webhooks.models import Delivery, Subscription
from webhooks.tasks import deliver


@pytest.fixture(autouse=True)
def database_task_backend(settings):
    """The backend production runs, whatever TASKS_BACKEND the environment names."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}}


@pytest.fixture(autouse=True)
def receivers_on_loopback(settings):
    """The receivers here listen on 127.0.0.1, which webhooks reach only when allowed."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def documented_verify():
    """The verification snippet newsrooms are told to copy, exactly as documented."""
    snippet = re.search(r"```python\n(.*?)```", sending.__doc__, re.S).group(1)
    namespace = {}
    exec(snippet, namespace)
    return namespace["verify_signature"]


class Receiver:
    """A newsroom's endpoint on 127.0.0.1 that answers `status` and keeps every request."""

    def __init__(self):
        self.requests, self.status, self.answer = [], 200, b"ok"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                if receiver.status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/claims"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


@pytest.fixture
def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


@pytest.fixture
def clock(monkeypatch):
    """timezone.now(), under the test's control."""

    class Clock:
        now = timezone.now()

        def __call__(self):
            return self.now

    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def subscribe(key, url, **wants) -> Subscription:
    return Subscription.objects.create(newsroom_key=key, url=url, secret="s3cret-" * 5, **wants)


@pytest.fixture
def subscription(newsroom_key, receiver):
    return subscribe(newsroom_key[0], receiver.url)


def test_the_documented_snippet_verifies_a_signature():
    verify = documented_verify()
    body = sending.body_of({"id": "e1", "type": "verdict.published"})
    now = int(time.time())
    header = sending.signature("the-secret", body, now)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify("the-secret", header, body)
    assert not verify("the-secret", header, body.replace(b"e1", b"e2"))
    assert not verify("another-secret", header, body)
    assert not verify("the-secret", sending.signature("the-secret", body, now - 600), body)
    assert not verify("the-secret", "garbage", body)
    # A forged header with non-ASCII characters is refused, not an exception in the newsroom's code.
    assert not verify("the-secret", f"t={now},v1=é", body)


def test_a_published_verdict_reaches_the_newsroom_signed(
    killed_500, reviewer, subscription, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    assert delivery.task_id and DBTaskResult.objects.get(pk=delivery.task_id).queue_name == "webhooks"
    assert deliver.call(delivery.pk).startswith("delivered")

    ((headers, body),) = receiver.requests
    assert documented_verify()(subscription.secret, headers["X-Claims-Signature"], body)
    event = json.loads(body)
    assert headers["X-Claims-Event-Id"] == event["id"] == str(delivery.event_id)
    assert headers["X-Claims-Event-Type"] == event["type"] == "verdict.published"
    assert event["claim"]["id"] == killed_500.pk and event["claim"]["status"] == "unconfirmed"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.delivered_at and delivery.next_attempt_at is None
    assert list(delivery.log.values_list("status_code", "error")) == [(200, "")]


def test_the_event_says_what_the_change_feed_says_and_no_more(killed_500, reviewer, subscription, api):
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="Not yet published.", reviewer=reviewer)
    assert not Delivery.objects.exists()  # a proposal is desk-internal

    decide(killed_500, reviewer, "retracted", rationale="Secret desk reasoning.")
    delivery = Delivery.objects.get()
    feed = api.get("/api/v1/changes/", {"page_size": 500}).json()["results"]
    last = feed[-1]
    event = delivery.payload
    assert set(event) == {"id", "type", "occurred_at", "claim", "change"}
    assert event["claim"] == {
        "id": last["claim"],
        "status": last["status"],
        "url": f"http://127.0.0.1:8000/api/v1/claims/{killed_500.pk}/",
    }
    assert event["change"] == {"seq": last["id"], "kind": "status_published"}
    assert "Secret desk reasoning" not in json.dumps(event) and killed_500.text not in json.dumps(event)


def test_a_rolled_back_change_owes_no_event(killed_500, reviewer, subscription):
    with pytest.raises(RuntimeError), transaction.atomic():
        decide(killed_500, reviewer, "unconfirmed")
        assert Delivery.objects.count() == 1  # written in the same transaction as the change
        raise RuntimeError("the request failed after publishing")
    assert not Delivery.objects.exists()
    assert not ClaimChange.objects.filter(kind="status_published").exists()


def test_only_subscriptions_wanting_the_event_get_it(killed_500, reviewer, newsroom_key, receiver):
    key = newsroom_key[0]
    verdicts = subscribe(key, receiver.url)
    updates = subscribe(key, receiver.url + "?u", on_verdict_published=False, on_claim_updated=True)
    deletions = subscribe(key, receiver.url + "?d", on_verdict_published=False, on_claim_deleted=True)
    subscribe(key, receiver.url + "?off", is_active=False, on_claim_updated=True, on_claim_deleted=True)
    revoked_key, _ = NewsroomKey.objects.create_key(name="Revoked Gazette", revoked=True)
    subscribe(revoked_key, receiver.url + "?revoked", on_claim_updated=True, on_claim_deleted=True)

    decide(killed_500, reviewer, "unconfirmed")
    services.update_claim(claim=killed_500, user=reviewer, described_as="a statement to AP")
    claim = services.record_claim(speaker=Source.objects.first(), text="A claim made and withdrawn.", user=reviewer)
    services.delete_claim(claim=claim, user=reviewer)

    sent = list(Delivery.objects.order_by("pk").values_list("subscription", "event_type", "payload__change__kind"))
    assert sent == [
        (verdicts.pk, "verdict.published", "status_published"),
        (updates.pk, "claim.updated", "updated"),
        (updates.pk, "claim.updated", "created"),
        (deletions.pk, "claim.deleted", "deleted"),
    ]


def test_without_subscriptions_a_change_queues_nothing(killed_500, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        decide(killed_500, reviewer, "unconfirmed")
    assert callbacks == [] and not Delivery.objects.exists() and not DBTaskResult.objects.exists()


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=10, WEBHOOK_RETRY_MAX_SECONDS=1000)
def test_retry_delays_grow_exponentially_with_full_jitter():
    rng = random.Random(7)
    ceilings = []
    for attempts in range(1, 11):
        delays = [delivery_attempts.retry_delay(attempts, rng) for _ in range(300)]
        ceiling = min(1000, 10 * 2 ** (attempts - 1))
        assert 0 <= min(delays) < 0.1 * ceiling and 0.9 * ceiling < max(delays) <= ceiling
        ceilings.append(ceiling)
    assert ceilings == [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000]


@override_settings(WEBHOOK_RETRY_BASE_SECONDS=60, WEBHOOK_RETRY_MAX_SECONDS=3600)
def test_a_receiver_that_stays_down_is_retried_for_a_day_then_given_up(
    killed_500, reviewer, newsroom_key, closed_port_url, clock, django_capture_on_commit_callbacks
):
    subscribe(newsroom_key[0], closed_port_url)
    decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    start, tried_at = delivery.created_at, []
    while delivery.state == "pending":
        clock.now = delivery.next_attempt_at
        tried_at.append(clock.now)
        with django_capture_on_commit_callbacks(execute=True):
            deliver.call(delivery.pk)
        delivery.refresh_from_db()
        if delivery.state == "pending":  # the retry waits in the queue until it is due
            queued = DBTaskResult.objects.get(pk=delivery.task_id)
            assert queued.run_after == delivery.next_attempt_at and queued.queue_name == "webhooks"
            assert not DBTaskResult.objects.ready().filter(pk=delivery.task_id).exists()

    assert delivery.state == "failed" and delivery.next_attempt_at is None
    assert delivery.attempts == len(tried_at) == delivery.log.count() > 10
    assert "ConnectionRefusedError" in delivery.last_error
    assert tried_at[-1] == start + timedelta(days=1)  # the last try is on the deadline, none after
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(tried_at)]
    for number, gap in enumerate(gaps[:6], start=1):
        assert gap <= 60 * 2 ** (number - 1)  # under a doubling ceiling...
    assert len(set(gaps)) == len(gaps) and max(gaps) <= 3600  # ...jittered, and capped


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [(503, b"busy", "HTTP 503: busy"), (302, b"", "HTTP 302"), (404, b"", "HTTP 404")],
)
def test_an_answer_other_than_2xx_is_logged_and_retried(
    killed_500, reviewer, subscription, receiver, clock, status, answer, error, django_capture_on_commit_callbacks
):
    receiver.status, receiver.answer = status, answer
    decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        deliver.call(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_status_code, delivery.last_error) == ("pending", status, error)
    assert delivery.next_attempt_at > clock.now and len(receiver.requests) == 1  # the redirect was not followed

    receiver.status, receiver.answer = 204, b""
    clock.now = delivery.next_attempt_at
    deliver.call(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 204)
    first, second = (json.loads(body)["id"] for _, body in receiver.requests)
    assert first == second == str(delivery.event_id)


def test_a_first_try_is_not_queued_behind_retries_due_later(
    killed_500, displaced_114000, reviewer, subscription, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        decide(killed_500, reviewer, "unconfirmed")
    retried = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        deliver.call(retried.pk)
    retried.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        decide(displaced_114000, reviewer, "unconfirmed")
    first_try = Delivery.objects.exclude(pk=retried.pk).get()
    clock.now = retried.next_attempt_at + timedelta(seconds=1)
    # The worker takes ready tasks in this order: the new event's first, as it was queued before the retry came due.
    queue = DBTaskResult.objects.ready().filter(pk__in=[first_try.task_id, retried.task_id])
    assert [str(pk) for pk in queue.values_list("pk", flat=True)] == [first_try.task_id, retried.task_id]


def test_a_delivery_not_yet_due_or_already_sent_is_skipped(killed_500, reviewer, subscription, receiver, clock):
    decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    clock.now = delivery.next_attempt_at - timedelta(seconds=1)
    assert deliver.call(delivery.pk).startswith("skipped")
    clock.now += timedelta(seconds=1)
    assert deliver.call(delivery.pk).startswith("delivered")
    assert deliver.call(delivery.pk).startswith("skipped")
    assert len(receiver.requests) == 1


def test_a_delivery_to_a_switched_off_subscription_is_given_up(killed_500, reviewer, subscription, receiver):
    decide(killed_500, reviewer, "unconfirmed")
    subscription.is_active = False
    subscription.save()
    assert deliver.call(Delivery.objects.get().pk) == "given up"
    assert receiver.requests == [] and Delivery.objects.get().state == "failed"


@override_settings(WEBHOOK_LEASE_SECONDS=60)
def test_a_worker_killed_mid_delivery_is_swept_back_to_the_queue(
    killed_500, reviewer, subscription, receiver, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    lost_task = DBTaskResult.objects.get(pk=delivery.task_id)
    lost_task.claim("worker-that-gets-killed")  # what db_worker does before running it
    assert delivery_attempts.take_lease(delivery_id=delivery.pk)  # ...then SIGKILL mid-request

    clock.now += timedelta(seconds=30)
    assert webhook_services.requeue_lost() == 0  # still within the lease: perhaps only slow
    clock.now += timedelta(seconds=31)
    assert webhook_services.requeue_lost() == 1

    delivery.refresh_from_db()
    lost_task.refresh_from_db()
    assert lost_task.status == "FAILED" and lost_task.exception_class_path.endswith("WorkerLost")
    assert DBTaskResult.objects.ready().filter(pk=delivery.task_id).exists()
    assert webhook_services.requeue_lost() == 0  # the new task is waiting its turn: no duplicate
    assert deliver.call(delivery.pk).startswith("delivered") and len(receiver.requests) == 1


def test_a_delivery_whose_task_was_never_queued_is_swept(killed_500, reviewer, subscription, receiver, clock):
    decide(killed_500, reviewer, "unconfirmed")  # no commit hook ran: as if the process died right after commit
    delivery = Delivery.objects.get()
    assert delivery.task_id == "" and webhook_services.requeue_lost() == 0
    clock.now += timedelta(minutes=2)
    out = StringIO()
    call_command("sweep_webhooks", stdout=out)
    assert out.getvalue() == "Handed 1 lost deliveries back to the worker.\n"
    delivery.refresh_from_db()
    assert DBTaskResult.objects.get(pk=delivery.task_id).task_path == "webhooks.tasks.deliver"


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_a_committed_change(reviewer, newsroom_key, receiver):
    subscription = subscribe(newsroom_key[0], receiver.url)
    speaker = Source.objects.create(kind="person", name="Sabah Karhout")
    claim = services.record_claim(speaker=speaker, text="Ramadi has fallen.", user=reviewer)
    decide(claim, reviewer, "unconfirmed")  # commits; its hook queues the task

    worker = Worker(
        queue_names=["webhooks"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-test",
        excluded_queue_names=[],
    )
    worker.run()

    ((headers, body),) = receiver.requests
    assert documented_verify()(subscription.secret, headers["X-Claims-Signature"], body)
    assert json.loads(body)["claim"] == {
        "id": claim.pk,
        "status": "unconfirmed",
        "url": f"http://127.0.0.1:8000/api/v1/claims/{claim.pk}/",
    }
    delivery = Delivery.objects.get()
    assert delivery.state == "delivered"
    assert DBTaskResult.objects.get(pk=delivery.task_id).status == "SUCCESSFUL"


# --- The admin


def add_subscription(admin_client, newsroom_key, **changes):
    data = {"newsroom_key": newsroom_key[0].pk, "url": "https://news.example/hooks", "secret": "x" * 32}
    data |= {"events": ["verdict.published", "claim.deleted"], "is_active": "on"} | changes
    return admin_client.post("/admin/webhooks/subscription/add/", data)


def test_a_subscription_is_added_in_the_admin(admin_client, newsroom_key):
    assert admin_client.get("/admin/webhooks/subscription/add/").status_code == 200
    response = add_subscription(admin_client, newsroom_key)
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.url, subscription.events) == (
        "https://news.example/hooks",
        ["verdict.published", "claim.deleted"],
    )
    listing = admin_client.get("/admin/webhooks/subscription/").content.decode()
    assert "claim.deleted" in listing and "Daily Planet" in listing
    log = re.search(r'href="(/admin/webhooks/delivery/\?[^"]+)"', listing).group(1).replace("&amp;", "&")
    assert admin_client.get(log).context["cl"].result_count == 0


def test_the_secret_is_never_shown_again_and_rotating_it_shows_the_new_one_once(admin_client, subscription, reviewer):
    old = subscription.secret
    page = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert old not in page and old[:4] + "…" in page

    data = {"newsroom_key": subscription.newsroom_key_id, "url": "https://elsewhere.example/hooks"}
    data |= {"events": ["verdict.published"], "is_active": "on", "secret": "y" * 32}  # a posted secret is ignored
    assert admin_client.post(f"/admin/webhooks/subscription/{subscription.pk}/change/", data).status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.secret) == ("https://elsewhere.example/hooks", old)

    response = admin_client.post(
        "/admin/webhooks/subscription/",
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )
    subscription.refresh_from_db()
    assert subscription.secret != old
    assert any(subscription.secret in str(message) for message in response.context["messages"])
    assert subscription.secret not in admin_client.get("/admin/webhooks/subscription/").content.decode()

    # Who changed it and why, newest first; the history holds no secret at all.
    history = list(subscription.history.values("history_user__username", "history_change_reason"))
    assert history[:2] == [
        {"history_user__username": reviewer.username, "history_change_reason": "secret rotated"},
        {"history_user__username": reviewer.username, "history_change_reason": "subscription changed"},
    ]
    assert "secret" not in {field.name for field in subscription.history.model._meta.fields}


@pytest.mark.parametrize("url", ["ftp://news.example/hooks", "file:///etc/passwd", "javascript:alert(1)", "not a url"])
def test_a_subscription_url_must_be_http_or_https(admin_client, newsroom_key, url):
    response = add_subscription(admin_client, newsroom_key, url=url)
    assert response.status_code == 200 and not Subscription.objects.exists()
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["url"]
    assert errors["url"][0] in ("Enter an http:// or https:// URL.", "Enter a valid URL.")


def test_a_subscription_needs_an_event_type_and_a_long_secret(admin_client, newsroom_key):
    response = add_subscription(admin_client, newsroom_key, events=[], secret="short")
    errors = response.context["adminform"].form.errors
    assert errors["events"] == ["Choose at least one event type."]
    assert "at least 24 characters" in errors["secret"][0]
    assert not Subscription.objects.exists()


def test_the_delivery_log_shows_attempts_codes_errors_and_the_next_try(
    admin_client, killed_500, reviewer, subscription, receiver, clock, django_assert_max_num_queries
):
    receiver.status, receiver.answer = 500, b"database on fire"
    decide(killed_500, reviewer, "unconfirmed")
    delivery = Delivery.objects.get()
    deliver.call(delivery.pk)
    delivery.refresh_from_db()

    listing = admin_client.get("/admin/webhooks/delivery/").content.decode()
    assert "HTTP 500: database on fire" in listing and "verdict.published" in listing
    assert str(delivery.event_id) in listing and "pending" in listing
    page = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert "HTTP 500: database on fire" in page and "Next try" in page and "&quot;status&quot;" in page
    searched = admin_client.get("/admin/webhooks/delivery/", {"q": str(delivery.event_id)})
    assert searched.context["cl"].result_count == 1

    with django_assert_max_num_queries(12) as one_row:
        admin_client.get("/admin/webhooks/delivery/")
    for status in ("retracted", "unconfirmed"):
        decide(killed_500, reviewer, status)
    assert Delivery.objects.count() == 3
    with django_assert_max_num_queries(len(one_row.captured_queries)):
        admin_client.get("/admin/webhooks/delivery/")


def test_send_again_replays_a_given_up_delivery(
    admin_client, reviewer, killed_500, subscription, receiver, django_capture_on_commit_callbacks
):
    decide(killed_500, reviewer, "unconfirmed")
    delivery = delivery_attempts.give_up(delivery=Delivery.objects.get(), reason="Receiver gone for a day.")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/webhooks/delivery/", {"action": "send_again", "_selected_action": [delivery.pk]}, follow=True
        )
    assert "Queued 1 delivery(ies) to be sent again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.replayed_by) == ("pending", 0, reviewer)
    assert DBTaskResult.objects.ready().filter(pk=delivery.task_id).exists()
    deliver.call(delivery.pk)
    ((headers, _),) = receiver.requests
    assert headers["X-Claims-Event-Id"] == str(delivery.event_id)


def test_the_delivery_log_cannot_be_edited_or_replayed_without_permission(client, django_user_model, subscription):
    from django.contrib.auth.models import Permission

    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(clerk)
    page = client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200 and "send_again" not in page.content.decode()
    assert client.get("/admin/webhooks/delivery/add/").status_code == 403
