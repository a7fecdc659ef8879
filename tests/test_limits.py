"""What a request may carry: a body over the size limit is a 413 naming the limit, an article
over MAX_ARTICLE_CHARS is refused on its text, and NUL or text that is not Unicode is a 4xx
naming the field, wherever it is sent. Never a 500, never a hang."""

import json
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Claim, Evidence, Verdict
from intake import services as intake_services
from sources.models import Document
from tests.conftest import admin_form_data, desk_member, key_acting_for, source

ARTICLE_URL = "https://news.example/long-read"


@pytest.fixture
def desk(db):
    """The header of a key acting for an editor: writes go through to the services."""
    return {"HTTP_AUTHORIZATION": key_acting_for(desk_member("limits-editor", "Editor"), "Limits desk")}


def post_raw(client, path, body: bytes, headers, **extra):
    return client.generic("POST", path, body, content_type="application/json", **headers, **extra)


def valid_claim(**changes) -> dict:
    return {"text": "At least 500 were killed.", "speaker": source("Muhannad Haimour").pk, **changes}


# Size


def test_a_json_body_over_the_limit_is_a_413_naming_the_limit(client, desk, seed):
    body = json.dumps(valid_claim(text="x" * 3_000_000)).encode()
    response = post_raw(client, "/api/v1/claims/", body, desk)
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is over the limit of 2,621,440 bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."
    }
    assert not Claim.objects.filter(text__startswith="xxx").exists()


def test_the_body_limit_is_the_setting(client, desk, seed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    small = post_raw(client, "/api/v1/claims/", json.dumps(valid_claim(text="y" * 800)).encode(), desk)
    large = post_raw(client, "/api/v1/claims/", json.dumps(valid_claim(text="y" * 1200)).encode(), desk)
    assert small.status_code == 201
    assert large.status_code == 413 and "1,000 bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)" in large.json()["detail"]


def test_a_declared_length_over_the_limit_is_refused_before_reading_the_body(client, desk, seed):
    # The body is small; a client claiming ten gigabytes is refused on the header, without waiting.
    body = json.dumps(valid_claim()).encode()
    response = post_raw(client, "/api/v1/claims/", body, desk, CONTENT_LENGTH=str(10 * 2**30))
    assert response.status_code == 413 and "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["detail"]


def test_an_admin_form_over_the_limit_is_a_413_naming_the_limit(admin_client, seed, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = admin_client.post(
        "/admin/sources/document/import/",
        {"url": ARTICLE_URL, "outlet": source("Associated Press").pk, "title": "Long", "text": "z" * 20_000},
    )
    assert response.status_code == 413
    assert "10,000 bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)" in response.content.decode()
    assert not Document.objects.filter(url=ARTICLE_URL).exists()


def test_a_body_that_is_not_json_is_a_415(client, desk, seed):
    response = client.post("/api/v1/claims/", "text=x", content_type="text/plain", **desk)
    assert response.status_code == 415 and "detail" in response.json()


# Article length


def import_article(text: str, **changes):
    fields = {"url": ARTICLE_URL, "outlet": source("Associated Press"), "title": "Long", "text": text, "user": None}
    return intake_services.import_article(**{**fields, **changes})


def test_an_article_at_the_limit_is_imported_and_one_over_it_refused_on_its_text(seed, settings):
    settings.MAX_ARTICLE_CHARS = 5_000
    with pytest.raises(ValidationError) as refusal:
        import_article("word " * 1000 + "!")
    assert refusal.value.message_dict == {
        "text": ["The text is 5,001 characters, over the limit of 5,000 (MAX_ARTICLE_CHARS)."]
    }
    assert not Document.objects.filter(url=ARTICLE_URL).exists()
    document, outcome, _ = import_article("word " * 1000)
    assert outcome == "created" and len(document.text) == 5_000


def test_a_longer_text_on_reimport_is_refused_and_the_snapshot_kept(seed, settings):
    settings.MAX_ARTICLE_CHARS = 100
    document, _, _ = import_article("Short enough.")
    with pytest.raises(ValidationError, match="MAX_ARTICLE_CHARS"):
        import_article("Much longer now. " * 10)
    document.refresh_from_db()
    assert document.text == "Short enough."


def test_a_document_edited_past_the_limit_is_refused_but_one_kept_from_before_can_be_retitled(seed, settings):
    document, _, _ = import_article("Forty characters of article text, or so.")
    settings.MAX_ARTICLE_CHARS = 20
    document.title = "Retitled"
    services.save_document(document=document, user=None)  # its text did not change
    document.text += " More."
    with pytest.raises(ValidationError) as refusal:
        services.save_document(document=document, user=None)
    assert list(refusal.value.message_dict) == ["text"]


def test_the_import_page_shows_the_limit_on_the_text_field(admin_client, seed, settings):
    settings.MAX_ARTICLE_CHARS = 50
    response = admin_client.post(
        "/admin/sources/document/import/",
        {"url": ARTICLE_URL, "outlet": source("Associated Press").pk, "title": "Long", "text": "a" * 51},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["text"] == ["The text is 51 characters, over the limit of 50 (MAX_ARTICLE_CHARS)."]
    assert not Document.objects.filter(url=ARTICLE_URL).exists()


def test_an_article_pasted_on_the_add_page_over_the_limit_is_refused_naming_it(admin_client, seed, settings):
    settings.MAX_ARTICLE_CHARS = 50
    page = admin_client.get("/admin/sources/document/add/")
    data = admin_form_data(
        page,
        url=ARTICLE_URL,
        outlet=source("Associated Press").pk,
        title="Long",
        text="c" * 51,
        retrieved_at_0="2015-05-18",
        retrieved_at_1="10:00:00",
    )
    response = admin_client.post("/admin/sources/document/add/", data, follow=True)
    assert response.status_code == 200
    assert "The text is 51 characters, over the limit of 50 (MAX_ARTICLE_CHARS)." in response.content.decode()
    assert not Document.objects.filter(url=ARTICLE_URL).exists()


def test_the_import_command_names_the_limit(seed, settings, tmp_path):
    settings.MAX_ARTICLE_CHARS = 50
    path = tmp_path / "article.txt"
    path.write_text("b" * 60)
    with pytest.raises(CommandError, match=r"text: The text is 60 characters, over the limit of 50"):
        call_command(
            "import_article", str(path), "--url", ARTICLE_URL, "--outlet", "AP", "--title", "T", stdout=StringIO()
        )


# NUL and text that is not Unicode, in bodies


def test_json_nested_deeper_than_python_reads_is_a_400_not_a_500(client, desk, seed):
    response = post_raw(client, "/api/v1/claims/", b"[" * 100_000 + b"]" * 100_000, desk)
    assert response.status_code == 400 and response.json() == {"detail": "The JSON is nested too deeply."}


def test_a_body_that_is_not_utf8_is_a_400_saying_so(client, desk, seed):
    response = post_raw(client, "/api/v1/claims/", b'{"text": "caf\xe9", "speaker": 1}', desk)
    assert response.status_code == 400
    assert response.json() == {"detail": "The body is not valid UTF-8 (byte 13): send JSON encoded as UTF-8."}


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_json_constants_that_are_not_numbers_are_a_400(client, desk, seed, constant):
    body = b'{"text": "x", "speaker": 1, "figures": [{"metric": "killed", "qualifier": "at_least", "low": %s}]}'
    response = post_raw(client, "/api/v1/claims/", body % constant, desk)
    assert response.status_code == 400 and "is not a JSON number" in response.json()["detail"]


def claim_with(path: str, value: str) -> dict:
    """A valid claim body with `value` put at `path` ("figures.0.as_written")."""
    body = valid_claim(
        figures=[{"metric": "killed", "qualifier": "vague", "vague_text": "hundreds"}],
        appearance={
            "document_url": "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is",
            "excerpt": "at least 500",
        },
    )
    *parents, last = path.split(".")
    target = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return body


CLAIM_STRINGS = [
    "text",
    "quote",
    "described_as",
    "figures.0.as_written",
    "figures.0.population",
    "figures.0.vague_text",
    "figures.0.place",
    "figures.0.note",
    "appearance.excerpt",
    "appearance.document_url",
    "appearance.speaker_role",
]


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b", "\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
@pytest.mark.parametrize("path", CLAIM_STRINGS)
def test_nul_or_a_lone_surrogate_in_any_claim_string_is_a_400_naming_the_field(client, desk, seed, path, bad):
    claims = Claim.objects.count()
    body = json.dumps(claim_with(path, bad)).encode()  # ensure_ascii: the surrogate as JSON spells it
    response = post_raw(client, "/api/v1/claims/", body, desk)
    assert response.status_code == 400, response.content
    errors = response.json()
    for part in path.split("."):
        errors = errors[part]
    assert re.search("Null characters|Surrogate characters", errors[0])
    assert Claim.objects.count() == claims


def test_the_claim_body_those_tests_spoil_is_valid(client, desk, seed):
    response = post_raw(client, "/api/v1/claims/", json.dumps(claim_with("quote", "fine")).encode(), desk)
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
def test_nul_or_a_lone_surrogate_in_a_note_or_rationale_is_a_400_naming_it(client, desk, killed_500, bad):
    evidence = post_raw(
        client,
        f"/api/v1/claims/{killed_500.pk}/evidence/",
        json.dumps({"stance": "supports", "note": bad, "source": source("Associated Press").pk}).encode(),
        desk,
    )
    verdict = post_raw(
        client,
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        json.dumps({"status": "unconfirmed", "rationale": bad}).encode(),
        desk,
    )
    assert evidence.status_code == 400 and list(evidence.json()) == ["note"]
    assert verdict.status_code == 400 and list(verdict.json()) == ["rationale"]
    assert not Evidence.objects.filter(claim=killed_500).exists() and not Verdict.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("title", "a\x00b"), ("byline", "\x00"), ("text", "a\ud800b")])
def test_a_document_with_nul_or_a_lone_surrogate_is_refused_by_field(seed, field, value):
    with pytest.raises(ValidationError) as refusal:
        services.record_document(
            **{"url": ARTICLE_URL, "outlet": source("Associated Press"), "title": "T", "text": "Body.", field: value}
        )
    assert list(refusal.value.message_dict) == [field]
    assert not Document.objects.filter(url=ARTICLE_URL).exists()


def test_an_api_key_with_nul_is_refused_as_unknown_not_a_500(client, seed):
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION="Api-Key abc\x00def.ghi")
    assert response.status_code == 401 and response.json() == {"detail": "Unknown or revoked API key."}


# NUL and text that is not UTF-8, in query strings


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/claims/?q=a%00b", "q"),
        ("/api/v1/claims/?document_url=https://x.example/%00", "document_url"),
        ("/api/v1/claims/?q=%FF%FE", "q"),
        ("/api/v1/claims/?q=caf%E9", "q"),
        ("/api/v1/claims/?status=%ED%A0%80", "status"),  # a surrogate, as UTF-8 cannot spell it
        ("/api/v1/lookup/?url=%00", "url"),
        ("/api/v1/changes/?cursor=%C0%80", "cursor"),  # an overlong NUL
        ("/api/v1/claims/1/?unused=%00", "unused"),
        ("/api/v1/claims/?q%00=x", "q"),
        ("/api/v1/sources/?%FF=1", "\ufffd"),
    ],
)
def test_a_query_parameter_with_nul_or_not_utf8_is_a_400_naming_it(api, seed, path, name):
    response = api.get(path)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_a_query_string_refused_outside_the_api_is_plain_text(admin_client, seed):
    response = admin_client.get("/admin/claims/claim/?q=%00")
    assert response.status_code == 400
    assert (
        response["Content-Type"].startswith("text/plain") and response.content == b"q: Null characters are not allowed."
    )


def test_plain_utf8_query_strings_still_work(api, killed_500):
    response = api.get("/api/v1/claims/", {"q": "militants", "status": "unreviewed"})
    assert response.status_code == 200 and killed_500.pk in [c["id"] for c in response.json()["results"]]
    assert api.get("/api/v1/claims/?q=%E2%80%9CRamadi%E2%80%9D+%C3%A9").status_code == 200
