import csv
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import Claim
from tests.conftest import source

# "The spokesman said 12 people were killed", in Arabic.
ARABIC = (
    "\u0642\u0627\u0644 \u0627\u0644\u0645\u062a\u062d\u062f\u062b \u0625\u0646 12 "
    "\u0634\u062e\u0635\u0627 \u0642\u062a\u0644\u0648\u0627"
)


def csv_text(*lines) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue()


def rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def upload(admin_client, text: str):
    data = {"file": SimpleUploadedFile("claims.csv", text.encode("utf-8"), content_type="text/csv")}
    return admin_client.post("/admin/claims/claim/import-csv/", data)


def test_export_honours_the_current_filters(admin_client, seed):
    everything = rows(admin_client.get("/admin/claims/claim/export-csv/"))
    assert len(everything) == Claim.objects.count()
    killed = rows(admin_client.get("/admin/claims/claim/export-csv/", {"metric": "killed"}))
    assert len(killed) == 3
    haimour = rows(admin_client.get("/admin/claims/claim/export-csv/", {"q": "Karhout"}))
    assert [r["speaker"] for r in haimour] == ["Sabah Karhout"]
    un = next(r for r in everything if r["speaker"] == "United Nations")
    assert json.loads(un["figures"])[0] == {
        "metric": "displaced", "qualifier": "at_most", "high": 114000, "population": "residents",
        "unit": "people", "period_start": "2015-04-01", "period_end": "2015-04-30",
        "place": "Ramadi and surrounding villages",
    }  # fmt: skip


def test_an_exported_queue_imports_back_as_duplicates(admin_client, seed):
    exported = admin_client.get("/admin/claims/claim/export-csv/").content.decode()
    before = Claim.objects.count()
    response = upload(admin_client, exported)
    assert response.status_code == 200
    assert "0 claim(s) recorded, 12 already here, 0 row(s) refused." in response.content.decode()
    assert Claim.objects.count() == before


def test_bad_rows_are_reported_by_line_and_nothing_from_them_is_written(admin_client, seed):
    exact_12 = json.dumps([{"metric": "killed", "qualifier": "exact", "low": 12, "high": 12}])
    bad_range = json.dumps([{"metric": "killed", "qualifier": "range", "low": 15, "high": 10}])
    text = csv_text(
        ["text", "speaker", "speaker_kind", "said_on", "figures"],
        [ARABIC, "Arabic Desk Spokesman", "person", "2024-01-02", exact_12],
        ["Bad range", "Somebody New", "person", "", bad_range],
        ["No speaker here", "", "person", "", ""],
        ["Bad date", "Another Person", "person", "02/01/2024", ""],
        ["Bad json", "Third Person", "person", "", "[oops"],
        ["Bad kind", "Fourth Person", "alien", "", ""],
    )
    response = upload(admin_client, text)
    page = response.content.decode()
    assert "1 claim(s) recorded, 0 already here, 5 row(s) refused." in page
    for line, reason in [
        (3, "low bound cannot be above"),
        (4, "speaker: is empty"),
        (5, "said_on"),
        (6, "figures"),
        (7, "speaker_kind"),
    ]:
        assert f"line {line}: " in page and reason in page
    claim = Claim.objects.get(speaker__name="Arabic Desk Spokesman")
    assert claim.text == ARABIC and claim.figures.get().low == 12
    assert not Claim.objects.filter(text="Bad range").exists()
    assert not type(source("Sabah Karhout")).objects.filter(name="Somebody New").exists()


def test_a_file_that_is_not_utf8_is_refused(admin_client, seed):
    data = {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00t\x00e", content_type="text/csv")}
    response = admin_client.post("/admin/claims/claim/import-csv/", data)
    assert "not UTF-8" in response.content.decode()


def test_a_file_without_the_needed_columns_is_refused_whole(admin_client, seed):
    response = upload(admin_client, "this is not,a claims file\n1,2\n")
    assert "line 1: the header needs the columns speaker, text" in response.content.decode()


def test_formula_cells_are_written_inert_and_read_back_as_text(admin_client, seed, reviewer):
    from claims import services

    services.record_claim(speaker=source("John Kerry"), text='=HYPERLINK("http://x")', user=reviewer)
    exported = admin_client.get("/admin/claims/claim/export-csv/", {"q": "HYPERLINK"})
    (row,) = rows(exported)
    assert row["text"] == '\'=HYPERLINK("http://x")'
    Claim.objects.filter(text__startswith="=HYPERLINK").delete()
    upload(admin_client, exported.content.decode())
    assert Claim.objects.filter(text='=HYPERLINK("http://x")').exists()


def test_an_unknown_event_is_recorded_by_name(admin_client, seed):
    text = csv_text(["text", "speaker", "event"], ["A claim about the floods.", "Jane Mayor", "Delta floods, 2024"])
    assert "1 claim(s) recorded" in upload(admin_client, text).content.decode()
    assert Claim.objects.get(text="A claim about the floods.").event.name == "Delta floods, 2024"
