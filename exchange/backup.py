"""A backup of everything the tracker holds, audit history included, as JSON Lines, and its restore.

The first line is a header: the format and its version, the migration each app stands at, the
rows per model and what is left out. Every other line is one row in the shape of Django's
serializers, {"model": "claims.claim", "pk": 7, "fields": {...}}, models in an order where
references point backwards and rows by primary key, so two backups of the same data are the
same text after the header.

Rows keep their ids, so every reference and every history row stays as it was. Content types,
permissions and groups are the exception: `migrate` makes them in every database, with ids of
its own, so they are written and referred to by natural key and merged with what is there.

A restore goes into an empty database migrated to the same migrations, in one transaction.
Rows go in raw, as loaddata puts them: no save() method runs, so no history is added and no
timestamp or URL is rewritten. Then the rows are counted against the header, the references checked, and the id
sequences moved past the restored ids.
"""

import datetime
import gzip
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer, Serializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Prefetch
from django.utils import timezone

from claims import bulk_rendering
from claims.models import ClaimRendering

FORMAT = "claim-tracker-backup"
VERSION = 1
CHUNK = 2_000  # rows read, and inserted, at a time
PROGRESS_EVERY = 50_000

# Left out on purpose; every other installed app's rows are in the backup, new models included.
EXCLUDED_APPS = {
    "sessions": "logins on the old server; restored, they would sign people back in, so everyone signs in again",
    "axes": "failed logins and lockouts: the old server's security log, not the desk's work",
    "api": "the API's throttle counts: a minute's requests per caller, which start again from nothing",
    "django_tasks_database": (
        "the task queue and its results: a queued webhook task carries only the id of its webhooks.Delivery "
        "row, which is restored, and a delivery whose task is lost is queued again from that row"
    ),
}

# `migrate` makes these rows in every database with ids of its own; they are matched by natural
# key (app label and model; codename; name), written first and in this order.
MATCHED_BY_NATURAL_KEY = {
    ContentType: ("app_label", "model"),
    Permission: ("content_type__app_label", "content_type__model", "codename"),
    Group: ("name",),
}

# On PostgreSQL, triggers keep two columns on claims_claim (migrations 0008 and 0009). The search
# vector is set as each claim goes in, from its speaker's name: speakers come before claims, so it
# is right at once (a restore checks it all the same). The outlets are recomputed once, after the
# load, with the trigger that would rewrite the claim for each of its appearances turned off.
OUTLETS_TRIGGER = ("claims_appearance", "claims_appearance_outlets")
CLAIM_COLUMNS_SQL = {
    "search vectors": """
        UPDATE claims_claim c SET search_vector = claims_search_document(c.text, c.quote, s.name)
        FROM sources_source s
        WHERE s.id = c.speaker_id AND c.search_vector IS DISTINCT FROM claims_search_document(c.text, c.quote, s.name)
    """,
    "outlets": """
        WITH found AS (
            SELECT c.id, coalesce(array_agg(DISTINCT d.outlet_id ORDER BY d.outlet_id)
                                  FILTER (WHERE d.outlet_id IS NOT NULL), '{}') AS outlet_ids
            FROM claims_claim c
            LEFT JOIN claims_appearance a ON a.claim_id = c.id
            LEFT JOIN sources_document d ON d.id = a.document_id
            GROUP BY c.id
        )
        UPDATE claims_claim c SET outlet_ids = found.outlet_ids
        FROM found WHERE found.id = c.id AND c.outlet_ids <> found.outlet_ids
    """,
}


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why and what to do."""


def _quiet(message: str) -> None:
    pass


def open_text(path: str, mode: str, *, gzipped: bool | None = None) -> IO[str]:
    """A backup file to read ("r") or write ("w"), gzip-compressed when its name ends in .gz.

    A written one is readable by its owner only: it holds password hashes and webhook secrets.
    """
    if mode == "w":
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(path, 0o600)  # it may have existed with a wider mode
    if gzipped if gzipped is not None else path.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8", newline="\n" if mode == "w" else None)


# Rows a restore builds again from the others rather than loading: each claim's rendering.
DERIVED_MODELS = (ClaimRendering,)


def backed_up_models() -> list[type[models.Model]]:
    """Every model whose rows a restore needs, in an order where references point backwards."""
    wanted = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.app_label not in EXCLUDED_APPS
        and model not in DERIVED_MODELS
    ]
    matched = [model for model in MATCHED_BY_NATURAL_KEY if model in wanted]
    return matched + _referenced_first([model for model in wanted if model not in matched])


def _referenced_first(models_: list[type[models.Model]]) -> list[type[models.Model]]:
    def targets(model):
        fields = [*model._meta.concrete_fields, *model._meta.local_many_to_many]
        return {f.related_model._meta.concrete_model for f in fields if f.is_relation and f.related_model}

    waiting = {model: (targets(model) & set(models_)) - {model} for model in models_}
    ordered = []
    while waiting:
        ready = sorted((m for m, needs in waiting.items() if not needs), key=lambda m: m._meta.label_lower)
        # In a cycle, where the rows go does not matter: references are checked at the end.
        for model in ready or [min(waiting, key=lambda m: m._meta.label_lower)]:
            ordered.append(model)
            del waiting[model]
            for needs in waiting.values():
                needs.discard(model)
    return ordered


def migration_state(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The latest migration applied for each installed app."""
    installed = {config.label for config in apps.get_app_configs()}
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connections[using]).applied_migrations():
        if app in installed and name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps milliseconds; a backup keeps every microsecond a timestamp has."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _line(data: dict) -> str:
    return json.dumps(data, cls=_Encoder, ensure_ascii=False, separators=(",", ":")) + "\n"


class _RowWriter(Serializer):
    """Django's "python" serializer writing each row as a line as it goes, with content types,
    permissions and groups named by natural key and every other reference by id."""

    def start_serialization(self):
        super().start_serialization()
        self.rows = 0

    def end_object(self, obj):
        self.stream.write(_line(self.get_dump_object(obj)))
        self._current = None
        self.rows += 1
        if self.rows % PROGRESS_EVERY == 0:
            self.options["progress"](f"{obj._meta.label_lower}: {self.rows:,} rows…")

    def handle_fk_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in MATCHED_BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj, field):
        self.use_natural_foreign_keys = field.related_model in MATCHED_BY_NATURAL_KEY
        super().handle_m2m_field(obj, field)


def _rows(model: type[models.Model], using: str) -> models.QuerySet:
    """The model's rows in a stable order, with what naming them by natural key reads."""
    natural = [
        f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model in MATCHED_BY_NATURAL_KEY
    ]
    rows = model._base_manager.using(using).order_by(*MATCHED_BY_NATURAL_KEY.get(model, ("pk",)))
    return rows.select_related(*natural) if natural else rows  # select_related() alone would follow every key


def export(stream: IO[str], *, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str], None] = _quiet) -> dict:
    """Write the header and every row to `stream`; return the rows written per model.

    On PostgreSQL every table is read from one snapshot, as pg_dump does, so a backup taken while
    the desk works is consistent: no verdict without its claim, no count that disagrees.
    """
    connection = connections[using]
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in unapplied[:5])
        raise BackupError(f"This database is not fully migrated ({names}): run `manage.py migrate` first.")
    models_ = backed_up_models()
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic(using=using):
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counts = {model._meta.label_lower: model._base_manager.using(using).count() for model in models_}
        header = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now(),
            "database": connection.vendor,
            "migrations": migration_state(using),
            "counts": counts,
            "excluded": EXCLUDED_APPS,
        }
        stream.write(_line(header))
        for model in models_:
            started = time.monotonic()
            lists = [
                Prefetch(f.name, queryset=_rows(f.related_model, using))
                for f in model._meta.local_many_to_many
                if f.remote_field.through._meta.auto_created
            ]
            rows = _rows(model, using).prefetch_related(*lists).iterator(chunk_size=CHUNK)
            _RowWriter().serialize(
                rows, stream=stream, use_natural_primary_keys=model in MATCHED_BY_NATURAL_KEY, progress=progress
            )
            progress(f"{model._meta.label_lower}: {counts[model._meta.label_lower]:,} rows in {_since(started)}")
    return counts


def restore(lines: Iterable[str], *, using: str = DEFAULT_DB_ALIAS, progress: Callable[[str], None] = _quiet) -> dict:
    """Load a backup into an empty database at the backup's migrations; return the rows per model.

    All or nothing: any failure rolls the whole restore back and raises BackupError.
    """
    lines = iter(lines)
    header = _header(next(lines, ""))
    _ensure_same_migrations(header.get("migrations") or {}, migration_state(using))
    connection = connections[using]
    models_ = backed_up_models()
    postgresql = connection.vendor == "postgresql"
    try:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            _ensure_empty(models_, using)
            if postgresql:
                cursor.execute("ALTER TABLE {} DISABLE TRIGGER {}".format(*OUTLETS_TRIGGER))
            found = _load(lines, models_, using, progress)
            _ensure_complete(header.get("counts") or {}, found)
            progress("checking references")
            connection.check_constraints(table_names=_tables(models_))  # runs the deferred checks too
            for statement in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(statement)
            if postgresql:
                cursor.execute("ALTER TABLE {} ENABLE TRIGGER {}".format(*OUTLETS_TRIGGER))
                progress("analyzing")  # a freshly loaded table has no statistics for the planner yet
                cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(t) for t in _tables(models_))}")
                for what, statement in CLAIM_COLUMNS_SQL.items():
                    cursor.execute(statement)
                    progress(f"claims' {what}: {cursor.rowcount:,} set")
            rendered = bulk_rendering.store_all(
                using=using, progress=lambda done, total: progress(f"renderings {done:,}/{total:,}")
            )
            progress(f"claims' renderings: {rendered:,} stored")
    except (DatabaseError, DeserializationError, ValidationError) as exc:
        raise BackupError(f"The restore failed and wrote nothing: {exc}") from exc
    ContentType.objects.clear_cache()
    return dict(found)


def _header(line: str) -> dict:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("This is not a backup written by export_all: its first line is not a backup header.")
    if header.get("version") != VERSION:
        raise BackupError(f"This backup is in format version {header.get('version')}; this code reads {VERSION}.")
    return header


def _ensure_same_migrations(backup: dict[str, str], here: dict[str, str]) -> None:
    if not here:
        raise BackupError("This database has no tables yet: run `manage.py migrate` on it, then restore.")
    differences = [
        f"{app}: backup at {backup.get(app, 'none')}, this database at {here.get(app, 'none')}"
        for app in sorted(set(backup) | set(here))
        if backup.get(app) != here.get(app)
    ]
    if differences:
        raise BackupError(
            "The backup was made at other migrations than this database is at ("
            + "; ".join(differences)
            + "). Restore into a database migrated by the release that made the backup, then upgrade and migrate."
        )


def _ensure_empty(models_: list[type[models.Model]], using: str) -> None:
    filled = [
        f"{model._meta.label_lower} ({model._base_manager.using(using).count():,} rows)"
        for model in models_
        if model not in MATCHED_BY_NATURAL_KEY and model._base_manager.using(using).exists()
    ]
    if filled:
        shown = ", ".join(filled[:8]) + (f" and {len(filled) - 8} more" if len(filled) > 8 else "")
        raise BackupError(
            f"This database already holds data: {shown}. A restore goes into an empty database: "
            "create one and run `manage.py migrate` on it first."
        )


def _load(lines: Iterable[str], models_: list[type[models.Model]], using: str, progress) -> Counter:
    wanted = {model._meta.label_lower for model in models_}
    found: Counter = Counter()

    def rows():
        for number, line in enumerate(lines, start=2):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BackupError(f"Line {number} of the backup is not JSON ({exc}); nothing was restored.") from exc
            label = row.get("model") if isinstance(row, dict) else None
            if label not in wanted:
                raise BackupError(f"Line {number} holds a row of {label!r}, which a restore does not load.")
            found[label] += 1
            yield row

    batch, deferred, current, started = [], [], None, time.monotonic()
    for item in Deserializer(rows(), using=using, handle_forward_references=True):
        model = type(item.object)
        if model is not current:
            _insert_raw(current, batch, using)
            batch = []
            if current is not None:
                progress(f"{current._meta.label_lower}: {found[current._meta.label_lower]:,} rows in {_since(started)}")
            current, started = model, time.monotonic()
        if _insertable_in_bulk(model):
            batch.append(item.object)
            if len(batch) >= CHUNK:
                _insert_raw(model, batch, using)
                batch = []
        else:
            # DeserializedObject.save() is save_base(raw=True): signals see raw and simple_history
            # records nothing. Matched rows may update what migrate made; the rest are new.
            item.save(using=using, **({} if model in MATCHED_BY_NATURAL_KEY else {"force_insert": True}))
            if item.deferred_fields:
                deferred.append(item)
    _insert_raw(current, batch, using)
    if current is not None:
        progress(f"{current._meta.label_lower}: {found[current._meta.label_lower]:,} rows in {_since(started)}")
    for item in deferred:
        item.save_deferred_fields(using=using)
    return found


def _insertable_in_bulk(model: type[models.Model]) -> bool:
    return model not in MATCHED_BY_NATURAL_KEY and not model._meta.local_many_to_many and not model._meta.parents


def _insert_raw(model: type[models.Model] | None, objs: list[models.Model], using: str) -> None:
    """Insert rows exactly as they were: a raw insert, as Model.save_base(raw=True) makes, but many
    rows to a statement. No save(), so no signal, no history row, no auto_now, no URL rewriting."""
    if not objs:
        return
    fields = [f for f in model._meta.local_concrete_fields if not f.generated]
    size = max(1, min(CHUNK, connections[using].ops.bulk_batch_size(fields, objs)))
    for start in range(0, len(objs), size):
        model._base_manager.using(using)._insert(objs[start : start + size], fields=fields, raw=True)


def _ensure_complete(expected: dict[str, int], found: Counter) -> None:
    wrong = [
        f"{label}: header {expected.get(label, 0):,}, file {found[label]:,}"
        for label in sorted(set(expected) | set(found))
        if expected.get(label, 0) != found[label]
    ]
    if wrong:
        raise BackupError(
            "The backup holds other rows than its header counts (cut short?): "
            + "; ".join(wrong)
            + ". Nothing was restored."
        )


def _tables(models_: list[type[models.Model]]) -> list[str]:
    through = [f.remote_field.through for m in models_ for f in m._meta.local_many_to_many]
    return [m._meta.db_table for m in [*models_, *through]]


def _since(started: float) -> str:
    return f"{time.monotonic() - started:.1f}s"
