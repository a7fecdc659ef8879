"""Claim matching: the same claim reported again is found first, with why; unrelated text is not
offered; POST /api/v1/match/ answers it and refuses bad bodies by field."""

from datetime import timedelta

import pytest
from django.db import connection

from bench.matching_gold import re_report, unrelated_sentences
from claims import matching, services
from claims.models import Claim, ClaimChange
from sources.languages import detect_language
from sources.models import Source

SEED_REPORT = "some 500 people were killed, a provincial spokesman said"


def test_seed_500_killed_re_reported_matches_the_seed_claim_first(killed_500):
    found = matching.matches(SEED_REPORT)
    assert found[0].claim == killed_500
    assert found[0].score >= matching.OFFER
    reasons = " | ".join(found[0].reasons)
    assert "same metric (killed), overlapping figures (450–550 and 500–…)" in reasons
    assert "speaker described alike (provincial, spokesman)" in reasons


def test_named_speaker_counts_and_rounded_figure_still_overlaps(killed_500):
    found = matching.matches("About 500 were killed in Ramadi, Muhannad Haimour told Reuters.")
    assert found[0].claim == killed_500
    assert "same speaker (Muhannad Haimour)" in found[0].reasons


def test_a_different_figure_of_the_same_metric_is_not_offered(killed_500):
    found = matching.matches("Some 90 people were killed, a provincial spokesman said")
    assert all(m.claim != killed_500 or not m.offered for m in found)


def test_intake_can_pass_speaker_and_figures(killed_500):
    figures = [{"metric": "killed", "qualifier": "approximately", "low": "500", "high": "500"}]
    found = matching.matches("Militants killed hundreds", speaker_name="Muhannad Haimour", figures=figures)
    assert found[0].claim == killed_500 and found[0].offered


def test_unrelated_sentences_are_never_offered(seed):
    offered = [s for s in unrelated_sentences(1000) if any(m.offered for m in matching.matches(s, limit=1))]
    assert offered == []


def test_python_trigram_similarity_is_pg_trgm_similarity(killed_500):
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [killed_500.text, SEED_REPORT])
        expected = cursor.fetchone()[0]
    assert matching.trigram_similarity(killed_500.text, SEED_REPORT) == pytest.approx(expected, abs=1e-6)


@pytest.mark.django_db
def test_gold_set_from_the_generator_top1_at_least_090(seed):
    from bench.matching_gold import score_gold
    from bench.synthetic import generate

    generate(600, seed=7, progress=lambda *_: None)
    result = score_gold(reports=120, unrelated=200)
    assert result["top1"] >= 0.90, result
    assert result["false_offers"] == 0, result


def test_an_accepted_match_becomes_a_new_appearance_on_the_change_feed(killed_500, reviewer):
    outlet = Source.objects.create(name="Reuters", kind="outlet")
    text = f"Baghdad. {SEED_REPORT}."
    document = services.record_document(
        url="https://reuters.example/ramadi", outlet=outlet, title="Ramadi", text=text, user=reviewer
    )
    found = matching.matches(SEED_REPORT)
    before = killed_500.version
    services.record_appearance(claim=found[0].claim, user=reviewer, document=document, excerpt=SEED_REPORT)
    claim = Claim.objects.get(pk=killed_500.pk)
    assert claim.version == before + 1
    assert claim.appearances.filter(document=document).exists()
    assert ClaimChange.objects.filter(claim_id=claim.pk).order_by("-seq").first().kind == "updated"


def test_match_api_answers_ranked_claims_with_status_and_attribution(api, killed_500, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        response = api.post("/api/v1/match/", {"text": SEED_REPORT}, content_type="application/json")
    assert response.status_code == 200, response.content
    first = response.json()["results"][0]
    assert first["claim"] == killed_500.pk
    assert first["status"] == killed_500.status
    assert "according to Muhannad Haimour" in first["attribution_text"]
    assert first["offered"] is True and first["score"] >= matching.OFFER
    assert response.json()["language"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": "500 killed\u0000"}, "text"),
        ({"text": 500}, "text"),
        ({"text": ["500 killed"]}, "text"),
        (["500 killed"], "text"),
        ({"text": "500 killed", "url": "not a url"}, "url"),
        ({"text": "500 killed", "lang": "en"}, "lang"),
        ({"text": "500 killed", "published": "18 May 2015"}, "published"),
        ({"text": "500 killed", "published": 2015}, "published"),
    ],
)
def test_match_api_refuses_bad_bodies_by_field(api, seed, body, field):
    response = api.post("/api/v1/match/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_match_api_refuses_a_body_that_is_not_json(api, seed):
    response = api.post("/api/v1/match/", "text=500", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_match_api_needs_a_key(client, seed):
    assert client.post("/api/v1/match/", {"text": SEED_REPORT}, content_type="application/json").status_code == 401


def test_detect_language_by_script_and_common_words():
    assert detect_language(SEED_REPORT) == "en"
    assert detect_language("قتل 500 شخص في الرمادي") == "ar"
    assert detect_language("Au moins 500 personnes ont été tuées selon le porte-parole") == "fr"
    assert detect_language("Pelo menos 500 pessoas morreram em Ramadi, segundo o porta-voz") == "pt"
    assert detect_language("") == "en"


def test_generated_re_report_names_the_speaker():
    assert re_report("About 523 civilians were killed in Ramadi", "Ahmed A. Haddad 12", 3).endswith(".")


def test_the_same_words_said_again_are_told_apart_by_when_the_report_was_published(killed_500, reviewer):
    # The speaker says the same sentence a year later: a report's date picks the one it repeats.
    again = services.record_claim(
        speaker=killed_500.speaker, text=killed_500.text, said_on=killed_500.said_on + timedelta(days=365),
        user=reviewer, kind="figure", figures=[{"metric": "killed", "qualifier": "at_least", "low": 500}],
    )  # fmt: skip
    report = f"{killed_500.text}, {killed_500.speaker.name} said."
    first = matching.matches(report, published=killed_500.said_on + timedelta(days=2), limit=2)
    assert [m.claim.pk for m in first] == [killed_500.pk, again.pk]
    assert "said 2 day(s) before this report" in first[0].reasons
    later = matching.matches(report, published=again.said_on, limit=2)
    assert [m.claim.pk for m in later] == [again.pk, killed_500.pk]


def test_the_match_api_weighs_the_published_date_given_or_that_of_an_article_it_holds(api, killed_500, reviewer):
    again = services.record_claim(
        speaker=killed_500.speaker, text=killed_500.text, said_on=killed_500.said_on + timedelta(days=365),
        user=reviewer, kind="figure", figures=[{"metric": "killed", "qualifier": "at_least", "low": 500}],
    )  # fmt: skip
    report = f"{killed_500.text}, {killed_500.speaker.name} said."

    def ranked(**body):
        response = api.post("/api/v1/match/", {"text": report, **body}, content_type="application/json")
        assert response.status_code == 200, response.content
        return [row["claim"] for row in response.json()["results"][:2]]

    assert ranked(published=str(again.said_on)) == [again.pk, killed_500.pk]
    assert ranked(published=str(killed_500.said_on)) == [killed_500.pk, again.pk]
    document = killed_500.appearances.first().document  # the seed's AP report, of 18 May 2015
    assert ranked(url=document.url + "?utm_source=x") == [killed_500.pk, again.pk]


def test_a_prolific_speakers_claims_are_probed_by_the_places_the_text_names(killed_500, reviewer, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the probes are PostgreSQL's; SQLite reads every claim sharing a word")
    speaker = Source.objects.create(kind="person", name="Salma Latif")
    said = {}
    for text in ("Schools in Tripoli will reopen next month", "Schools in Misrata are closed for the winter"):
        said[text] = services.record_claim(speaker=speaker, text=text, user=reviewer)
    report = "Schools in Tripoli will reopen next month, Salma Latif told AFP."
    tripoli, misrata = (said[t].pk for t in said)
    assert {tripoli, misrata} <= {m.claim.pk for m in matching.matches(report)}
    monkeypatch.setattr(matching, "PROLIFIC", 2)  # as if she had thousands of claims
    found = [m.claim.pk for m in matching.matches(report)]
    assert found[0] == tripoli
    assert misrata not in found  # shares "schools", names no place the report names
    assert matching._proper_nouns(report) == ["'tripoli'"]  # not the outlet it was told to


def test_a_described_speaker_is_the_people_whose_affiliation_the_words_describe(seed):
    haimour = Source.objects.get(name="Muhannad Haimour")
    assert matching.speakers_described(SEED_REPORT, using="default") == {haimour.pk}
    assert matching.speakers_described("500 people were killed, a spokesman said", using="default") == set()


def test_a_rounded_figure_is_looked_for_first_among_the_claims_of_the_speaker_described(
    killed_500, reviewer, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the probes are PostgreSQL's; SQLite reads every claim sharing a word")
    for n in range(3):  # others' claims of the same toll in the report's very words
        someone = Source.objects.create(kind="person", name=f"Reporter Number {n}")
        services.record_claim(
            speaker=someone, text="Some 500 people were killed, a provincial spokesman said", user=reviewer,
            kind="figure",
            figures=[{"metric": "killed", "qualifier": "approximately", "low": 500, "high": 500}],
        )  # fmt: skip
    monkeypatch.setattr(matching, "CANDIDATES_PER_PROBE", 1)  # as if thousands had said 500 killed
    found = [m.claim.pk for m in matching.matches(SEED_REPORT)]
    assert killed_500.pk in found
