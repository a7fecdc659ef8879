"""Reads from a streaming replica, without a caller ever reading older data than it wrote.

Installed by settings only when DATABASE_REPLICA_URL is set (docs/scaling.md). Reads go to the
"replica" alias, except:

- after a write: once something wrote (or a request uses POST, PUT, PATCH or DELETE), later
  reads in the same request, or the same unit of work outside a request, go to the primary;
- inside `transaction.atomic()` on the primary, where a read must see the transaction's own
  writes and its locks;
- for a browser that wrote in the last REPLICA_STICKY_SECONDS: the request that wrote sets a
  signed cookie, so the page an admin is redirected to after saving, or their next click,
  shows what they saved even if the replica has not replayed it yet. A cookie costs no write,
  and covers the login itself;
- sessions, always: a session the replica does not have yet reads as no session, and Django
  then deletes the browser's session cookie, logging the person out for good.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
STICKY_COOKIE = "read_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class Scope:
    primary: bool = False  # reads go to the primary
    wrote: bool = False


# Outside any read_your_writes() block (a management command, a shell) each thread gets one
# scope on first use, so a command reads its own writes from then on.
_scope: ContextVar[Scope | None] = ContextVar("replica_scope", default=None)


def _current() -> Scope:
    scope = _scope.get()
    if scope is None:
        scope = Scope()
        _scope.set(scope)
    return scope


@contextmanager
def read_your_writes(*, primary: bool = False) -> Iterator[Scope]:
    """One unit of work (a request, a job): reads go to the replica until it writes.

    `primary=True` starts it on the primary, for work that is about to write anyway."""
    token = _scope.set(Scope(primary=primary))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        on_primary = (
            _current().primary or connections[DEFAULT_DB_ALIAS].in_atomic_block or model._meta.app_label == "sessions"
        )
        return DEFAULT_DB_ALIAS if on_primary else REPLICA

    def db_for_write(self, model, **hints):
        # Also asked by select_for_update() and get_or_create(): reading to write counts as writing.
        scope = _current()
        scope.primary = scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The same rows on both, so an object read from the replica may be tied to one on the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema, like every other change, by streaming from the primary.
        return db == DEFAULT_DB_ALIAS


class ReadYourWritesMiddleware:
    """Each request is one read_your_writes() unit; a request that wrote keeps its browser on the
    primary for REPLICA_STICKY_SECONDS. First in MIDDLEWARE, so that loading and saving the
    session happen inside it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        recent_writer = request.get_signed_cookie(
            STICKY_COOKIE, default=None, salt=STICKY_COOKIE, max_age=settings.REPLICA_STICKY_SECONDS
        )
        with read_your_writes(primary=request.method not in SAFE_METHODS or recent_writer is not None) as scope:
            response = self.get_response(request)
        if scope.wrote:
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=STICKY_COOKIE,
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
