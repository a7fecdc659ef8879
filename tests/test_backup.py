"""export_all and import_all: a backup of everything, history included, that restores to the same data."""

import json
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection

from claims import services
from claims.models import Candidate, Claim
from claims.roles import REVIEWER, sync_desk_groups
from exchange import backup
from sources.models import Source
from tests.conftest import decide, desk_member, seed_claim, source, support

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_content_type_ids(db):
    """These tests give content types new ids, which the rollback takes back: forget the cached ones."""
    yield
    ContentType.objects.clear_cache()


def export(path) -> list[str]:
    call_command("export_all", "--output", str(path), stderr=StringIO())
    with backup.open_text(str(path), "r") as handle:
        return handle.read().split("\n")  # not splitlines(): a text may hold U+2028


def restore(path) -> str:
    err = StringIO()
    call_command("import_all", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue()


def empty_the_database():
    """A database as `migrate` leaves it, with content types and permissions under other ids."""
    connection.check_constraints()  # PostgreSQL truncates no table with reference checks pending
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.all().delete()  # and the permissions with them
    ContentType.objects.clear_cache()
    for config in apps.get_app_configs():
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)
    sync_desk_groups(apps)  # as migration claims 0002 makes them


def derived_columns() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, search_vector::text, outlet_ids FROM claims_claim ORDER BY id")
        return cursor.fetchall()


def found(api, **query) -> set[int]:
    response = api.get("/api/v1/claims/", {**query, "page_size": 200})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.fixture
def desk(seed, reviewer, hospital_director, newsroom_key):
    """The seed, 200 generated claims and a morning's work through the services, with its history."""
    call_command("generate_claims", claims=200, seed=7, stdout=StringIO())
    Subscription = apps.get_model("webhooks", "Subscription")
    Subscription.objects.create(newsroom_key=newsroom_key[0], url="https://planet.example/hooks", on_claim_updated=True)
    claim = seed_claim("Islamic State militants killed at least 500")
    support(claim, reviewer, source=hospital_director)
    decide(claim, reviewer, "confirmed")
    services.update_claim(claim=claim, user=reviewer, described_as="Anbar's provincial spokesman")
    # A parent with a later id than its part, and a renamed speaker (on PostgreSQL a trigger
    # rewrites the speaker's claims' search vectors).
    umbrella = Source.objects.create(kind="organization", name="Anbar umbrella", country="IQ")
    part = Source.objects.filter(kind="organization", parent=None, pk__lt=umbrella.pk).first()
    part.parent = umbrella
    part.save()
    renamed = Source.objects.filter(kind="person", claims__isnull=False).order_by("-pk").first()
    renamed.name = "Qutaiba Renamed-Speaker"
    renamed.save()
    desk_member("desk-member", REVIEWER)  # a group member, whose permissions must survive
    document = claim.appearances.first().document
    Candidate.objects.create(
        document=document,
        text="500 killed",
        start=0,
        end=10,
        speaker_mention="an official",
        speaker_name="An official",
        speaker_start=0,
        speaker_end=5,
        figures=[{"metric": "killed", "qualifier": "at_least", "low": "500"}],
    )
    LogEntry.objects.create(
        user=reviewer,
        content_type=ContentType.objects.get_for_model(Claim),
        object_id=str(claim.pk),
        object_repr=str(claim),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Described as"]}}]',
    )
    SessionStore().create()
    return claim


def test_a_restored_backup_exports_the_same_and_reads_the_same(desk, api, tmp_path):
    before = export(tmp_path / "before.jsonl")
    header = json.loads(before[0])
    claim_api = api.get(f"/api/v1/claims/{desk.pk}/").json()
    updated_at = Claim.objects.get(pk=desk.pk).updated_at
    searched = found(api, q="Haimour") | found(api, q="Renamed-Speaker")
    in_outlet = found(api, outlet=desk.appearances.first().document.outlet_id)
    columns = derived_columns() if connection.vendor == "postgresql" else None
    top_claim = Claim.objects.order_by("-pk").values_list("pk", flat=True).first()
    claim_type = ContentType.objects.get_for_model(Claim).pk

    empty_the_database()
    assert not Claim.objects.exists() and ContentType.objects.get_for_model(Claim).pk != claim_type
    progress = restore(tmp_path / "before.jsonl")
    after = export(tmp_path / "after.jsonl")

    assert after[1:] == before[1:]
    assert json.loads(after[0])["counts"] == header["counts"]
    assert header["counts"]["claims.historicalclaim"] > 0 and header["counts"]["webhooks.delivery"] > 0
    assert Claim.history.model.objects.count() == header["counts"]["claims.historicalclaim"], "restore added history"
    assert f"claims.claim: {header['counts']['claims.claim']:,} rows" in progress
    assert Claim.objects.get(pk=desk.pk).updated_at == updated_at  # to the microsecond
    response = api.get(f"/api/v1/claims/{desk.pk}/")  # the newsroom key still opens the API
    assert response.status_code == 200 and response.json() == claim_api
    assert found(api, q="Haimour") | found(api, q="Renamed-Speaker") == searched
    assert len(searched) > len(found(api, q="Haimour"))
    assert found(api, outlet=desk.appearances.first().document.outlet_id) == in_outlet and in_outlet
    if columns is not None:
        assert derived_columns() == columns
    member = get_user_model().objects.get(username="desk-member")
    assert [g.name for g in member.groups.all()] == [REVIEWER]
    assert member.has_perm("claims.add_claim") and not member.has_perm("claims.publish_verdict")

    later = services.record_claim(speaker=desk.speaker, text="Said after the restore.", user=member)
    assert later.pk > top_claim and later.history.count() == 1  # the sequences moved past the restored ids


def test_a_backup_leaves_out_sessions_and_counts_every_row_it_holds(desk):
    out = StringIO()
    call_command("export_all", stdout=out, stderr=StringIO())
    header, *rows = [json.loads(line) for line in out.getvalue().split("\n") if line]
    assert header["format"] == "claim-tracker-backup" and header["version"] == 1
    assert header["migrations"]["claims"].startswith("00") and "sessions" in header["excluded"]
    written = {}
    for row in rows:
        written[row["model"]] = written.get(row["model"], 0) + 1
    assert {label: n for label, n in header["counts"].items() if n} == written
    assert header["counts"]["claims.claim"] == Claim.objects.count()
    assert Session.objects.exists() and "sessions.session" not in written
    assert not any(label.startswith(("sessions.", "axes.", "django_tasks_database.")) for label in header["counts"])
    claim_type = next(r for r in rows if r["model"] == "contenttypes.contenttype")
    assert "pk" not in claim_type  # matched by app label and model, never by id
    entry = next(r for r in rows if r["model"] == "admin.logentry")
    assert entry["fields"]["content_type"] == ["claims", "claim"]


def test_a_backup_file_is_readable_by_its_owner_only(seed, tmp_path):
    """It holds password hashes and webhook secrets."""
    for name in ("backup.jsonl", "backup.jsonl.gz"):
        path = tmp_path / name
        path.write_text("")
        path.chmod(0o644)  # an older file with a wider mode is narrowed too
        export(path)
        assert path.stat().st_mode & 0o777 == 0o600


def test_a_restore_into_a_database_with_data_is_refused(seed, tmp_path):
    export(tmp_path / "backup.jsonl.gz")
    claims = Claim.objects.count()
    with pytest.raises(
        CommandError, match=r"already holds data: .*sources\.source \(\d+ rows\).*run `manage.py migrate`"
    ):
        restore(tmp_path / "backup.jsonl.gz")
    assert Claim.objects.count() == claims


def test_a_backup_made_at_other_migrations_is_refused(seed, tmp_path):
    lines = export(tmp_path / "backup.jsonl")
    header = json.loads(lines[0])
    here = header["migrations"]["claims"]
    header["migrations"]["claims"] = "0001_initial"
    (tmp_path / "old.jsonl").write_text("\n".join([json.dumps(header), *lines[1:]]), encoding="utf-8")
    empty_the_database()
    with pytest.raises(CommandError, match=f"claims: backup at 0001_initial, this database at {here}"):
        restore(tmp_path / "old.jsonl")
    assert not Source.objects.exists()


def test_a_backup_cut_short_restores_nothing(seed, tmp_path):
    lines = export(tmp_path / "backup.jsonl")
    (tmp_path / "short.jsonl").write_text("\n".join(lines[: len(lines) // 2]), encoding="utf-8")
    empty_the_database()
    with pytest.raises(CommandError, match=r"other rows than its header counts \(cut short\?\).*Nothing was restored"):
        restore(tmp_path / "short.jsonl")
    assert not Source.objects.exists() and not Claim.objects.exists()


def test_a_backup_with_a_broken_reference_restores_nothing(seed, tmp_path):
    lines = export(tmp_path / "backup.jsonl")
    header = json.loads(lines[0])
    speaker = f'{{"model":"sources.source","pk":{source("Muhannad Haimour").pk},'
    rows = [line for line in lines[1:] if not line.startswith(speaker)]
    assert len(rows) == len(lines) - 2
    header["counts"]["sources.source"] -= 1
    (tmp_path / "broken.jsonl").write_text("\n".join([json.dumps(header), *rows]), encoding="utf-8")
    empty_the_database()
    with pytest.raises(CommandError, match=r"The restore failed and wrote nothing: .*foreign key"):
        restore(tmp_path / "broken.jsonl")
    assert not Source.objects.exists() and not Claim.objects.exists()


def test_a_file_that_is_no_backup_is_refused(db, tmp_path):
    (tmp_path / "claims.csv").write_text("id,text\n1,hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not a backup written by export_all"):
        restore(tmp_path / "claims.csv")
    with pytest.raises(CommandError, match="Cannot read"):
        restore(tmp_path / "missing.jsonl")
