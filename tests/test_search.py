"""q= search: words in the text, quote or speaker, and speakers' names despite small misspellings."""

import pytest
from django.db import connection

from tests.conftest import source

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stored tsvector and trigram search are PostgreSQL features"
)


def ids(api, q):
    response = api.get("/api/v1/claims/", {"q": q, "page_size": 200})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def test_search_finds_a_speaker_by_name_and_alias(api, killed_500):
    haimour = source("Muhannad Haimour")
    by_name = ids(api, "Haimour")
    assert killed_500.pk in by_name
    assert by_name == set(haimour.claims.values_list("pk", flat=True))
    assert ids(api, "Karhout") == set(source("Sabah Karhout").claims.values_list("pk", flat=True))


def test_search_finds_words_of_the_quote(api, seed):
    assert len(ids(api, "militiamen")) == 1


def test_search_for_nothing_known_finds_nothing(api, seed):
    assert ids(api, "zeppelin") == set()


@postgresql_only
def test_search_tolerates_a_misspelled_speaker(api, killed_500):
    assert killed_500.pk in ids(api, "Haimor")
    assert killed_500.pk in ids(api, "Muhanad Haimur")


@postgresql_only
def test_search_matches_word_forms(api, killed_500):
    assert killed_500.pk in ids(api, "kill")  # "killed", stemmed


@postgresql_only
def test_search_follows_a_renamed_speaker(api, killed_500):
    haimour = source("Muhannad Haimour")
    haimour.name = "Mohannad Zaidoun"
    haimour.save()
    assert killed_500.pk in ids(api, "Zaidoun")


@postgresql_only
def test_search_follows_an_edited_claim_text(api, killed_500, reviewer):
    from claims import services

    services.update_claim(claim=killed_500, user=reviewer, text="Militants overran the Anbar operations command")
    assert killed_500.pk in ids(api, "overran")
