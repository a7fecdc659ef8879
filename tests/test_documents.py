import hashlib

import pytest
from django.core.exceptions import ValidationError

from claims import services
from sources.models import Document, canonical_url
from tests.conftest import first_appearance, source

CASES = [
    ("HTTPS://WWW.Example.COM/World/Story", "https://www.example.com/World/Story"),
    ("https://example.com/story/", "https://example.com/story"),
    ("https://example.com/story#comments", "https://example.com/story"),
    ("https://example.com/story?utm_source=tw&utm_medium=social&id=7", "https://example.com/story?id=7"),
    ("https://example.com/story?fbclid=abc&page=2&gclid=x", "https://example.com/story?page=2"),
    ("https://example.com/story?UTM_Campaign=x", "https://example.com/story"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/", "https://example.com/"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("https://example.com/a?b=1&a=2", "https://example.com/a?b=1&a=2"),
    ("https://example.com/a?flag&x=1;y=2&utm_source=z", "https://example.com/a?flag&x=1;y=2"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    ("https://Bücher.example/a", "https://xn--bcher-kva.example/a"),
    ("https://example.com/a?q=caf%C3%A9&fbclid=1", "https://example.com/a?q=caf%C3%A9"),
]


@pytest.mark.parametrize(("raw", "canonical"), CASES)
def test_urls_are_canonicalized(raw, canonical):
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize(("raw", "canonical"), CASES)
def test_canonicalization_is_idempotent(raw, canonical):
    assert canonical_url(canonical_url(raw)) == canonical_url(raw)


@pytest.mark.parametrize("raw", ["ftp://example.com/a", "example.com/story", "https:///nohost", ""])
def test_only_absolute_web_urls_are_accepted(raw):
    with pytest.raises(ValueError):
        canonical_url(raw)


def record(url: str, **fields):
    return services.record_document(
        url=url, outlet=source("Associated Press"), title=fields.pop("title", "A story"), **fields
    )


def test_documents_are_stored_under_their_canonical_url(seed):
    document = record("HTTPS://News.Example/Ramadi/?utm_source=newsletter#top", text="Text.")
    assert Document.objects.get(pk=document.pk).url == "https://news.example/Ramadi"


def test_the_same_article_with_tracking_parameters_is_refused_as_a_duplicate(seed):
    record("https://news.example/ramadi", text="Text.")
    with pytest.raises(ValidationError) as caught:
        record("https://news.example/ramadi/?fbclid=xyz")
    assert "url" in caught.value.message_dict
    assert Document.objects.filter(url__startswith="https://news.example/").count() == 1


def test_documents_are_found_by_any_spelling_of_their_url(seed):
    document = record("https://news.example/ramadi", text="Text.")
    assert Document.objects.for_url("https://NEWS.example/ramadi/?utm_campaign=x#frag").get() == document
    assert not Document.objects.for_url("not a url").exists()


def test_an_invalid_url_is_a_field_error(seed):
    with pytest.raises(ValidationError) as caught:
        record("ftp://news.example/file")
    assert "url" in caught.value.message_dict


def test_the_text_snapshot_is_stored_with_its_sha256(seed):
    document = record("https://news.example/a", text="Ramadi fell on Sunday.")
    assert document.text_sha256 == hashlib.sha256(b"Ramadi fell on Sunday.").hexdigest()
    assert document.text_matches("Ramadi fell on Sunday.")
    assert not document.text_matches("Ramadi fell on Saturday.")


def test_editing_the_text_rehashes_it(seed, reviewer):
    document = record("https://news.example/b", text="First version.")
    document.text = "Corrected version."
    services.save_document(document=document, user=reviewer)
    document.refresh_from_db()
    assert document.text_sha256 == hashlib.sha256(b"Corrected version.").hexdigest()


def test_a_document_cannot_be_stored_without_its_hash(seed):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match="document_text_sha256_hex"), transaction.atomic():
        Document.objects.create(url="https://news.example/c", outlet=source("Associated Press"), title="x", text="y")


def test_an_excerpt_must_stand_in_the_documents_text(killed_500, reviewer):
    document = first_appearance(killed_500).document
    with pytest.raises(ValidationError) as caught:
        services.record_appearance(claim=killed_500, document=document, excerpt="words AP never printed", user=reviewer)
    assert "excerpt" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.record_appearance(
            claim=killed_500, document=document, excerpt="at least 500 people", start=0, end=19, user=reviewer
        )
    assert "start" in caught.value.message_dict


def test_nul_bytes_are_refused_by_the_service_not_the_database(seed, reviewer):
    with pytest.raises(ValidationError) as caught:
        record("https://news.example/nul", text="a\x00b")
    assert "text" in caught.value.message_dict
    document = record("https://news.example/ok", text="fine")
    document.text = "now \x00 broken"
    with pytest.raises(ValidationError, match="NUL"):
        services.save_document(document=document, user=reviewer)
    assert Document.objects.get(pk=document.pk).text == "fine"
