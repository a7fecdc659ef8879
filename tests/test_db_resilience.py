"""When PostgreSQL restarts or drops a connection, the API recovers by itself.

scripts/load_fault.py restarts a real cluster under load; these are the quick checks of the
settings it relies on (config/settings.py, DATABASES) and of the health check they turn on.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection

from api.errors import database_unreachable

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/claims"
SETTINGS = (
    "import json; from config import settings; "
    "print(json.dumps({alias: {key: db.get(key) for key in ('ENGINE', 'CONN_HEALTH_CHECKS', 'OPTIONS')} "
    "for alias, db in settings.DATABASES.items()}))"
)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL drops and times out connections; SQLite has none"
)


def databases(**env: str) -> dict:
    """DATABASES as a process started with `env` configures it."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_", "CONN_"))}
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS], cwd=ROOT, env=keep | env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3}


def test_postgresql_connections_are_health_checked_and_connect_within_5_seconds():
    default = databases(DATABASE_URL=POSTGRES_URL)["default"]
    assert default["CONN_HEALTH_CHECKS"] is True
    assert default["OPTIONS"] == {"connect_timeout": 5, **KEEPALIVES}


@on_postgresql
def test_a_silent_server_is_noticed_within_30_seconds_by_tcp_keepalives(db):
    """The kernel probes an idle connection after 10 s, then every 3 s, and gives up after 3
    unanswered: 19 s, under the 30 s of DB_KEEPALIVE_SECONDS."""
    import socket

    connection.ensure_connection()
    fd = connection.connection.pgconn.socket
    sock = socket.socket(fileno=os.dup(fd))
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        idle = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)
        interval = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL)
        count = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)
    finally:
        sock.close()
    assert idle + interval * count <= 30


def test_timeouts_come_from_the_environment_and_the_url_query_wins():
    default = databases(
        DATABASE_URL=f"{POSTGRES_URL}?connect_timeout=2", DB_CONNECT_TIMEOUT="9", DB_STATEMENT_TIMEOUT_MS="2500"
    )["default"]
    assert default["OPTIONS"] == {"connect_timeout": 2, "options": "-c statement_timeout=2500", **KEEPALIVES}


def test_a_replica_gets_the_same_health_checks_and_timeouts():
    found = databases(
        DATABASE_URL=POSTGRES_URL,
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/claims",
        DB_CONNECT_TIMEOUT="3",
    )
    assert found["replica"]["CONN_HEALTH_CHECKS"] is True
    assert found["replica"]["OPTIONS"] == found["default"]["OPTIONS"] == {"connect_timeout": 3, **KEEPALIVES}


def test_sqlite_gets_no_postgresql_options():
    """sqlite3.connect() would refuse connect_timeout."""
    default = databases(DATABASE_URL="", DB_STATEMENT_TIMEOUT_MS="2500")["default"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert not default["OPTIONS"]


@on_postgresql
def test_the_statement_timeout_reaches_the_server(db):
    test_db = connection.settings_dict
    login = quote(test_db["USER"]) + (f":{quote(test_db['PASSWORD'])}" if test_db["PASSWORD"] else "")
    url = f"postgres://{login}@{test_db['HOST']}:{test_db['PORT'] or 5432}/{test_db['NAME']}"
    sleep = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()\n"
        "from django.db import connection, OperationalError\n"
        "try:\n    connection.cursor().execute('SELECT pg_sleep(3)')\n"
        "except OperationalError as exc:\n    print(exc)"
    )
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_"))}
    env = keep | {"DATABASE_URL": url, "DB_STATEMENT_TIMEOUT_MS": "200"}
    result = subprocess.run(
        [sys.executable, "-c", sleep], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert "canceling statement due to statement timeout" in result.stdout, result.stderr


@pytest.fixture
def kept_connection():
    """The test database connection, kept between requests as gunicorn keeps it with CONN_MAX_AGE."""
    saved = {key: connection.settings_dict[key] for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    yield connection.settings_dict
    connection.close()
    connection.settings_dict.update(saved)


def dropped_by_the_server():
    """What a PostgreSQL restart or failover does to every kept connection: ends it server-side."""
    params = connection.get_connection_params()
    backend = connection.connection.info.backend_pid
    conninfo = {k: params[k] for k in ("dbname", "user", "password", "host", "port") if params.get(k)}
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [backend]).fetchone()[0]


def next_request():
    """Django's handler does this as each request starts; the test client does not."""
    close_old_connections()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_request_after_the_server_dropped_the_kept_connection_succeeds(client, newsroom_key, kept_connection):
    assert kept_connection["CONN_HEALTH_CHECKS"], "CONN_HEALTH_CHECKS is off in this environment"
    client.defaults.update(newsroom_key[1])
    assert client.get("/api/v1/changes/").status_code == 200
    dropped_by_the_server()
    next_request()
    response = client.get("/api/v1/changes/")
    assert response.status_code == 200, response.content
    assert "results" in response.json()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_without_health_checks_that_request_fails(client, newsroom_key, kept_connection):
    """Why CONN_HEALTH_CHECKS is on: without it the first request on each dropped connection fails."""
    kept_connection["CONN_HEALTH_CHECKS"] = False
    client.defaults.update(newsroom_key[1])
    client.raise_request_exception = False
    assert client.get("/api/v1/changes/").status_code == 200
    dropped_by_the_server()
    next_request()
    failed = client.get("/api/v1/changes/")
    assert failed.status_code == 503 and failed["Retry-After"] == "5"
    assert failed.json() == {"detail": "The database is unavailable; retry shortly."}
    next_request()  # the failed connection was closed; the one after connects again
    assert client.get("/api/v1/changes/").status_code == 200


def database_error(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "unreachable"),
    [
        (psycopg.OperationalError("connection refused"), True),  # no SQLSTATE: never got an answer
        (psycopg.errors.AdminShutdown(), True),  # terminating connection due to administrator command
        (psycopg.errors.CannotConnectNow(), True),  # the database system is starting up
        (psycopg.errors.ConnectionFailure(), True),
        (psycopg.errors.QueryCanceled(), False),  # a statement timeout: the database is there
        (psycopg.errors.DeadlockDetected(), False),
        (psycopg.errors.LockNotAvailable(), False),
    ],
)
def test_only_a_lost_or_refused_connection_is_a_503(cause, unreachable):
    """Retry-shortly is for a database that is down; a timeout or deadlock stays a server error."""
    assert database_unreachable(database_error(cause)) is unreachable
