"""Webhooks go to public addresses only, a slow receiver cannot hold a send past its deadline,
and a worker only lets go of its own lease."""

import re
import socket
import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from webhooks import addresses, sending
from webhooks import attempts as delivery_attempts
from webhooks.models import Delivery, Subscription
from webhooks.sending import Answer

PRIVATE = {
    "loopback.newsroom.example": "127.0.0.1",
    "six.newsroom.example": "::1",
    "metadata.newsroom.example": "169.254.169.254",
    "intranet.newsroom.example": "10.20.30.40",
}
PUBLIC = {"hooks.newsroom.example": "93.184.216.34"}


@pytest.fixture
def dns(monkeypatch):
    """Names resolving as the test says, the way getaddrinfo answers."""
    table = {**PRIVATE, **PUBLIC}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            address = table[host]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        if host in ("127.0.0.1", "::1"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
        raise socket.gaierror(f"unknown host {host}")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    return table


def subscription(newsroom_key, url) -> Subscription:
    return Subscription(newsroom_key=newsroom_key[0], url=url, secret="s3cret-" * 5)


@pytest.mark.parametrize(
    "url",
    [
        *(f"https://{name}/hooks" for name in PRIVATE),
        "http://127.0.0.1:8080/hooks",
        "http://[::1]/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hooks",
        "http://192.168.1.1/hooks",
        "http://localhost:8000/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
    ],
)
def test_a_subscription_to_a_private_address_is_refused_on_its_url(newsroom_key, dns, url):
    with pytest.raises(ValidationError) as refused:
        subscription(newsroom_key, url).full_clean()
    assert "url" in refused.value.message_dict
    assert "public addresses only" in " ".join(refused.value.message_dict["url"]) or "localhost" in str(refused.value)


def test_a_public_target_and_an_allowed_network_are_accepted(newsroom_key, dns, settings):
    subscription(newsroom_key, "https://hooks.newsroom.example/claims").full_clean()
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    subscription(newsroom_key, "https://intranet.newsroom.example/claims").full_clean()


def test_the_admin_refuses_a_private_target(admin_client, newsroom_key, dns):
    response = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {"newsroom_key": newsroom_key[0].pk, "url": "https://metadata.newsroom.example/x", "secret": "s3cret-" * 5,
         "on_verdict_published": "on", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200 and "public addresses only" in response.content.decode()
    assert not Subscription.objects.exists()


class Listener:
    """A loopback server that counts connections; `dribble` sends its answer a byte at a time."""

    def __init__(self, dribble: float | None = None):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.dribble = dribble
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            self._read_request(conn)  # all of it: closing on an unread body would reset the connection
            answer = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-Slow: " + b"x" * 40 + b"\r\n\r\n"
            try:
                for byte in answer:
                    conn.sendall(bytes([byte]))
                    if self.dribble:
                        time.sleep(self.dribble)
            except OSError:
                return

    @staticmethod
    def _read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1)) if b"ength:" in head else 0
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            body += chunk

    def close(self):
        self.sock.close()


def send(url) -> Answer:
    return sending.post(url=url, secret="s3cret-" * 5, event_id="e", event_type="claim.updated", payload={"a": 1})


def test_a_name_that_resolves_to_a_private_address_at_send_time_is_not_contacted(dns, settings):
    listener = Listener()
    try:
        dns["hooks.newsroom.example"] = "127.0.0.1"  # public when saved, loopback now
        answer = send(f"http://hooks.newsroom.example:{listener.port}/hooks")
        assert answer.status_code is None and "loopback" in answer.error
        assert listener.connections == 0
        settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
        assert send(f"http://hooks.newsroom.example:{listener.port}/hooks").status_code == 204
    finally:
        listener.close()


def test_a_receiver_that_dribbles_its_answer_is_cut_off_at_the_deadline(dns, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5  # every read gets a byte well within it
    listener = Listener(dribble=0.1)  # the whole answer would take about 8 s
    try:
        started = time.monotonic()
        answer = send(f"http://127.0.0.1:{listener.port}/hooks")
        took = time.monotonic() - started
    finally:
        listener.close()
    assert answer.status_code is None and "deadline" in answer.error
    assert took < sending.deadline_seconds() + 1


def test_a_worker_whose_lease_ran_out_leaves_the_next_workers_lease_alone(newsroom_key, dns, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    target = Subscription.objects.create(newsroom_key=newsroom_key[0], url="http://127.0.0.1:9/x", secret="s" * 40)
    delivery = Delivery.objects.create(
        subscription=target, event_id=uuid.uuid4(), event_type="claim.updated", claim_id=1, change_seq=1,
        payload={}, next_attempt_at=timezone.now(),
        retry_until=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    first = delivery_attempts.take_lease(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(leased_until=timezone.now() - timedelta(seconds=1))  # ran out
    second = delivery_attempts.take_lease(delivery_id=delivery.pk)
    assert second is not None
    delivery_attempts.record_failure(delivery=first, answer=Answer(None, "slow", 99_000))
    assert Delivery.objects.get(pk=delivery.pk).leased_until == second.leased_until  # still the second's
    delivery_attempts.record_failure(delivery=second, answer=Answer(503, "HTTP 503", 10))
    assert Delivery.objects.get(pk=delivery.pk).leased_until is None


@pytest.mark.django_db(transaction=True)
def test_the_webhook_worker_sweeps_lost_deliveries_itself_without_cron(reviewer, newsroom_key, settings):
    """A delivery whose task never got queued (the process died after the commit) is sent by the
    one worker process, with no sweep_webhooks from cron."""
    from io import StringIO

    from django.core.management import call_command

    from claims import services
    from sources.models import Source
    from tests.conftest import decide
    from tests.test_webhooks import Receiver, subscribe

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]}}
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    receiver = Receiver()
    try:
        subscribe(newsroom_key[0], receiver.url)
        claim = services.record_claim(speaker=Source.objects.create(kind="person", name="S"), text="T.", user=reviewer)
        decide(claim, reviewer, "unconfirmed")
        Delivery.objects.update(task_id="", next_attempt_at=timezone.now() - timedelta(minutes=5))
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()  # as if never queued
        out = StringIO()
        call_command("webhook_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0", stdout=out)
        assert "Handed 1 lost deliveries" in out.getvalue()
        assert len(receiver.requests) == 1 and Delivery.objects.get().state == "delivered"
    finally:
        receiver.close()


def test_the_periodic_sweep_stops_when_told(monkeypatch):
    from webhooks.management.commands import webhook_worker

    calls = []
    monkeypatch.setattr(webhook_worker, "sweep", lambda out=None: calls.append(1) or 0)
    monkeypatch.setattr(webhook_worker.connection, "close", lambda: None)
    stop = threading.Event()
    thread = threading.Thread(target=webhook_worker.sweep_periodically, args=(stop, 0.02))
    thread.start()
    time.sleep(0.2)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive() and len(calls) >= 3
