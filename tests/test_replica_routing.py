"""Reads from a streaming replica; writes, and the reads that follow them, on the primary.

The routing tests run against a real hot standby of the PostgreSQL server the suite uses:
`scripts/replica.sh start` makes one on 127.0.0.1:5433; TEST_REPLICA_URL names another server
(its database name is ignored). Without one they are skipped, unless REQUIRE_REPLICA is set, as
in CI, where that is a failure. On SQLite they are skipped.

The suite runs with DATABASE_REPLICA_URL unset: with it, tests that commit (transaction=True,
live_server) would read through a "replica" alias their `databases` do not list. These tests add
that alias themselves, on the replica's copy of the test database: pytest-django created it on
the primary, and streaming replication copies the whole cluster, new databases included. To make
the replica lag on demand they pause its replay, so a read that reaches it misses the last write.
"""

import json
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from claims import services
from claims.models import Claim
from config.replicas import REPLICA, STICKY_COOKIE, PrimaryReplicaRouter, read_your_writes
from tests.conftest import admin_form_data, source

ROOT = Path(__file__).resolve().parent.parent
REPLICA_URL = os.environ.get("TEST_REPLICA_URL") or "postgres://postgres@127.0.0.1:5433"
on_replica = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


def settings_with(**env: str) -> dict:
    script = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "from django.conf import settings as s; "
        "print(json.dumps({'databases': s.DATABASES, 'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE}, "
        "default=str))"
    )
    ours = {"DATABASE_URL", "DATABASE_REPLICA_URL", "CONN_MAX_AGE", "DISABLE_SERVER_SIDE_CURSORS"}
    keep = {k: v for k, v in os.environ.items() if k not in ours}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=keep | env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def test_without_a_replica_url_there_is_one_database_and_no_router():
    found = settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/claims")
    assert list(found["databases"]) == ["default"]
    assert found["routers"] == []
    assert "config.replicas.ReadYourWritesMiddleware" not in found["middleware"]


def test_a_replica_url_adds_a_replica_read_through_the_router():
    found = settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/claims",
        DATABASE_REPLICA_URL="postgres://reader@replica.internal:5432/claims",
        CONN_MAX_AGE="60",
        DISABLE_SERVER_SIDE_CURSORS="1",
    )
    primary, replica = found["databases"]["default"], found["databases"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("replica.internal", "reader", "claims")
    assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"] == 60
    assert replica["DISABLE_SERVER_SIDE_CURSORS"] is primary["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert replica["TEST"]["MIRROR"] == "default"  # the suite never creates a second test database
    assert found["routers"] == ["config.replicas.PrimaryReplicaRouter"]
    # Outermost, so that loading and saving the session happen inside the request's scope.
    assert found["middleware"][0] == "config.replicas.ReadYourWritesMiddleware"


def test_migrations_run_on_the_primary_only():
    assert PrimaryReplicaRouter().allow_migrate("default", "claims")
    assert not PrimaryReplicaRouter().allow_migrate(REPLICA, "claims")


def unavailable(reason: str):
    if os.environ.get("REQUIRE_REPLICA"):
        pytest.fail(f"REQUIRE_REPLICA is set, but {reason}", pytrace=False)
    pytest.skip(reason)


def connect(database: dict, dbname: str | None = None) -> psycopg.Connection:
    """A connection of its own, outside Django's guard on test database access."""
    where = {"host": database["HOST"], "port": database["PORT"] or 5432, "user": database["USER"] or None}
    where |= {"password": database["PASSWORD"] or None, "dbname": dbname or database["NAME"]}
    return psycopg.connect(**where, connect_timeout=3, autocommit=True)


def fetch_one(database: dict, sql: str, dbname: str | None = None):
    with connect(database, dbname) as conn:
        return conn.execute(sql).fetchone()


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    """The "replica" alias on the replica's copy of the test database, routed as in production."""
    primary = connections["default"].settings_dict
    if primary["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a streaming replica needs PostgreSQL")
    server = {key: value for key, value in dj_database_url.parse(REPLICA_URL).items() if key != "NAME"}
    # A mirror, so that test teardown never flushes (or creates) the read-only replica's database.
    replica = {**primary, **server, "TEST": {**primary["TEST"], "MIRROR": "default"}}
    where = f"{replica['HOST']}:{replica['PORT']}"
    identify = "SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())"
    try:
        standby, copy_of = fetch_one(replica, identify, dbname="postgres")
    except psycopg.OperationalError as exc:
        why = str(exc).splitlines()[0].rpartition("failed: ")[2]
        unavailable(f"no replica at {where} ({why}); start one with scripts/replica.sh start")
    if not standby or copy_of != fetch_one(primary, identify)[1]:
        unavailable(f"the server at {where} is not a streaming replica of the primary")

    # Test runs sharing a replica take turns, since each pauses its replay.
    turn = connect(replica, dbname="postgres")
    turn.execute("SELECT pg_advisory_lock(hashtext('tests/test_replica_routing.py'))")
    # connections.settings is settings.DATABASES as read once; override_settings(DATABASES=...)
    # would not reach it.
    connections.settings[REPLICA] = replica
    try:
        with django_db_blocker.unblock(), connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume() WHERE pg_is_wal_replay_paused()")  # after a killed run
            wait_for_replay(timeout=60)  # the test database's creation, at least
        middleware = ["config.replicas.ReadYourWritesMiddleware", *settings.MIDDLEWARE]
        with override_settings(DATABASE_ROUTERS=["config.replicas.PrimaryReplicaRouter"], MIDDLEWARE=middleware):
            yield replica
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
        turn.close()


@pytest.fixture(autouse=True)
def own_scope():
    """Each test a unit of work of its own, as each request is."""
    with read_your_writes():
        yield


def wait_for_replay(timeout: float = 30):
    """Until the replica has replayed everything written on the primary so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (written,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written])
            if cursor.fetchone()[0]:
                return
            assert time.monotonic() < deadline, f"the replica did not replay up to {written} in {timeout}s"
            time.sleep(0.02)


@contextmanager
def replay_paused():
    """The replica still answers reads but replays nothing more: a replica lagging on demand."""
    wait_for_replay()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
        for _ in range(500):
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the replica did not pause its replay")
    try:
        yield
    finally:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


@contextmanager
def served_by():
    """The queries the primary and the replica each answered inside the block."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield primary, replica


def written_elsewhere(claim: Claim, text: str):
    """A change made on the primary by someone else: it does not move this test's reads."""
    with read_your_writes():
        services.update_claim(claim=claim, user=None, text=text)


def tables(queries: CaptureQueriesContext) -> set[str]:
    """The tables the captured queries read from."""
    return {table for query in queries for table in re.findall(r'FROM "(\w+)"', query["sql"])}


def only_throttle_counts(queries: CaptureQueriesContext) -> bool:
    """The primary saw nothing but the key's throttle count, which every worker must share."""
    return all("api_throttlecount" in query["sql"] for query in queries)


def newsroom(newsroom_key) -> Client:
    return Client(**newsroom_key[1])


@on_replica
def test_the_replica_alias_is_a_hot_standby_copy_of_the_test_database(replica):
    name = connections["default"].settings_dict["NAME"]
    with read_your_writes():
        reads_from = router.db_for_read(Claim)
    with connections[reads_from].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port(), current_database()")
        assert cursor.fetchone() == (True, int(replica["PORT"]), name)
    with connections[router.db_for_write(Claim)].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database()")
        assert cursor.fetchone() == (False, name)


@on_replica
def test_a_newsroom_read_is_served_by_the_replica_and_sees_what_it_replayed(replica, newsroom_key, killed_500):
    client = newsroom(newsroom_key)
    wait_for_replay()
    with served_by() as (primary, replica_queries):
        listed = client.get("/api/v1/claims/")
    assert listed.status_code == 200
    assert killed_500.pk in [claim["id"] for claim in listed.json()["results"]]
    assert replica_queries.captured_queries and only_throttle_counts(primary)

    with replay_paused():
        written_elsewhere(killed_500, "Written on the primary, not yet replayed.")
        detail = client.get(f"/api/v1/claims/{killed_500.pk}/").json()
        assert detail["text"] == killed_500.text  # the lagging replica answered
    wait_for_replay()
    assert client.get(f"/api/v1/claims/{killed_500.pk}/").json()["text"] == "Written on the primary, not yet replayed."


@on_replica
def test_a_request_that_writes_reads_back_from_the_primary_and_so_does_its_browser(
    replica, admin_client, newsroom_key, seed
):
    with replay_paused():
        with served_by() as (primary, replica_queries):
            created = admin_client.post(
                "/api/v1/claims/",
                {"kind": "statement", "text": "The bridge was destroyed.", "speaker": source("Muhannad Haimour").pk},
                content_type="application/json",
            )
        # The response is read back after the write: from the primary, as the replica lacks the claim.
        assert created.status_code == 201, created.json()
        assert created.json()["text"] == "The bridge was destroyed."
        assert primary.captured_queries and not replica_queries.captured_queries
        url = f"/api/v1/claims/{created.json()['id']}/"

        with served_by() as (primary, replica_queries):
            again = admin_client.get(url)  # the same browser, seconds later: still the primary
        assert again.status_code == 200
        assert primary.captured_queries and not replica_queries.captured_queries

        assert newsroom(newsroom_key).get(url).status_code == 404  # others read the lagging replica
    wait_for_replay()
    assert newsroom(newsroom_key).get(url).status_code == 200


@on_replica
def test_an_admin_who_saved_reads_from_the_primary_for_a_while_then_from_the_replica(
    replica, admin_client, killed_500, settings
):
    settings.REPLICA_STICKY_SECONDS = 1
    page, api_url = f"/admin/claims/claim/{killed_500.pk}/change/", f"/api/v1/claims/{killed_500.pk}/"
    form = admin_form_data(admin_client.get(page), described_as="an Anbar spokesman")
    with replay_paused():
        assert admin_client.post(page, form).status_code == 302
        with served_by() as (primary, replica_queries):
            seen = admin_client.get(api_url).json()
        assert seen["described_as"] == "an Anbar spokesman"
        assert primary.captured_queries and not replica_queries.captured_queries

        time.sleep(2.1)  # past REPLICA_STICKY_SECONDS: the signed cookie has expired
        with served_by() as (primary, replica_queries):
            seen = admin_client.get(api_url).json()
        assert seen["described_as"] == killed_500.described_as  # the replica has not replayed the edit yet
        assert tables(replica_queries) >= {"claims_claim", "auth_user"}
        assert tables(primary) == {"django_session"}
    wait_for_replay()
    assert admin_client.get(api_url).json()["described_as"] == "an Anbar spokesman"


@on_replica
def test_a_login_the_replica_has_not_replayed_yet_stays_logged_in(replica, reviewer):
    reviewer.set_password("correct-horse-battery-42")
    reviewer.save()
    browser = Client()
    with replay_paused():
        login = {"username": reviewer.username, "password": "correct-horse-battery-42"}
        assert browser.post("/admin/login/?next=/admin/", login).status_code == 302
        browser.cookies.pop(STICKY_COOKIE)  # as if the replica lagged longer than REPLICA_STICKY_SECONDS
        with served_by() as (primary, replica_queries):
            index = browser.get("/admin/")
        # Read from the replica the session would be missing, and Django would delete its cookie.
        assert index.status_code == 200
        assert tables(primary) == {"django_session"} and "auth_user" in tables(replica_queries)


@on_replica
def test_reads_inside_a_transaction_on_the_primary_go_to_the_primary(replica, killed_500, reviewer):
    with replay_paused(), read_your_writes():
        written_elsewhere(killed_500, "Changed on the primary.")
        assert Claim.objects.get(pk=killed_500.pk).text == killed_500.text  # the replica, lagging
        with transaction.atomic():
            assert Claim.objects.get(pk=killed_500.pk).text == "Changed on the primary."
            services.assign_claim(claim=killed_500, assignee=reviewer, by=reviewer)  # locks, then writes


@on_replica
def test_after_a_write_the_same_unit_of_work_reads_from_the_primary(replica, killed_500, reviewer):
    with replay_paused(), read_your_writes():
        assert router.db_for_read(Claim) == REPLICA
        services.assign_claim(claim=killed_500, assignee=reviewer, by=reviewer)
        assert router.db_for_read(Claim) == "default"
        assert Claim.objects.get(pk=killed_500.pk).assigned_to == reviewer
        assert Claim.objects.using(REPLICA).get(pk=killed_500.pk).assigned_to_id is None  # not replayed yet
