"""GET /api/v1/factcheck/claims:search speaks Google Fact Check Tools' claims:search contract
(v1alpha1) for claims with a published verdict: the same field names and JSON types."""

import base64
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone

from claims import services
from claims.models import Claim, Verdict
from exchange.claimreview import RATINGS
from tests.conftest import decide, seed_claim

URL = "/api/v1/factcheck/claims:search"


@pytest.fixture
def reviewed(killed_500, reviewer):
    decide(killed_500, reviewer, "unconfirmed", "Rests on the provincial spokesman's word alone.")
    return Claim.objects.get(pk=killed_500.pk)


def test_the_colon_path_resolves_where_a_client_appends_claims_search():
    assert reverse("api:factcheck-search") == URL
    assert resolve(URL).url_name == "factcheck-search"


@override_settings(FACTCHECK_PUBLISHER_NAME="Anbar Desk", FACTCHECK_PUBLISHER_SITE="desk.example")
def test_answers_google_field_names_and_types(api, reviewed, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"query": "killed Ramadi", "languageCode": "en-US"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) <= {"claims", "nextPageToken"}
    [claim] = [c for c in body["claims"] if c["text"] == reviewed.text]
    assert set(claim) == {"text", "claimant", "claimDate", "claimReview"}
    assert claim["claimant"] == "Muhannad Haimour"
    assert claim["claimDate"] == "2015-05-18T00:00:00Z"
    [review] = claim["claimReview"]
    assert set(review) == {"publisher", "url", "title", "reviewDate", "textualRating", "languageCode"}
    assert review["publisher"] == {"name": "Anbar Desk", "site": "desk.example"}
    assert review["textualRating"] == RATINGS["unconfirmed"][1]
    assert review["languageCode"] == "en"
    assert review["url"].endswith(f"/api/v1/claims/{reviewed.pk}/")
    assert review["reviewDate"].endswith("Z") and "T" in review["reviewDate"]
    assert all(isinstance(review[k], str) for k in ("url", "title", "reviewDate", "textualRating"))


def test_only_claims_with_a_published_verdict(api, reviewed, reviewer):
    # A proposal no editor has published yet is not a review a newsroom may quote.
    displaced = seed_claim("About 8,000 people fled Ramadi")
    services.propose_verdict(claim=displaced, status="unconfirmed", rationale="Pending.", reviewer=reviewer)
    texts = [c["text"] for c in api.get(URL, {"query": "Ramadi"}).json()["claims"]]
    assert texts == [reviewed.text]  # every other seed claim is unreviewed
    assert Claim.objects.with_published_verdict().get() == reviewed


def test_language_code_filters_by_primary_language(api, reviewed):
    assert api.get(URL, {"query": "Ramadi", "languageCode": "ar"}).json()["claims"] == []
    assert len(api.get(URL, {"query": "Ramadi", "languageCode": "en-GB"}).json()["claims"]) == 1


@override_settings(FACTCHECK_PUBLISHER_SITE="desk.example")
def test_review_publisher_site_filter_is_honoured(api, reviewed):
    assert len(api.get(URL, {"reviewPublisherSiteFilter": "desk.example"}).json()["claims"]) == 1
    assert api.get(URL, {"reviewPublisherSiteFilter": "other.example"}).json()["claims"] == []


def test_max_age_days_is_honoured(api, reviewed):
    Verdict.objects.filter(claim=reviewed).update(published_at=timezone.now() - timedelta(days=40))
    assert api.get(URL, {"query": "Ramadi", "maxAgeDays": "30"}).json()["claims"] == []
    assert len(api.get(URL, {"query": "Ramadi", "maxAgeDays": "60"}).json()["claims"]) == 1


def test_page_token_is_opaque_and_pages_on(api, reviewed, reviewer, displaced_114000):
    decide(displaced_114000, reviewer, "unconfirmed", "The UN's word alone.")
    first = api.get(URL, {"query": "Ramadi", "pageSize": "1"}).json()
    assert len(first["claims"]) == 1 and first["nextPageToken"]
    second = api.get(URL, {"query": "Ramadi", "pageSize": "1", "pageToken": first["nextPageToken"]}).json()
    assert len(second["claims"]) == 1 and "nextPageToken" not in second
    assert first["claims"][0]["text"] != second["claims"][0]["text"]
    skipped = api.get(URL, {"query": "Ramadi", "offset": "1"}).json()
    assert skipped["claims"] == second["claims"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"query": "Ramadi", "stauts": "x"}, "stauts"),
        ({}, "query"),
        ({"query": "Ramadi", "pageSize": "0"}, "pageSize"),
        ({"query": "Ramadi", "pageSize": "abc"}, "pageSize"),
        ({"query": "Ramadi", "maxAgeDays": "-1"}, "maxAgeDays"),
        ({"query": "Ramadi", "languageCode": "english!"}, "languageCode"),
        ({"query": "Ramadi", "pageToken": "garbage"}, "pageToken"),
        ({"query": "Ramadi", "pageToken": base64.urlsafe_b64encode(b"o:999999999").decode()}, "pageToken"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, seed, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_needs_a_newsroom_key(client, seed):
    assert client.get(URL, {"query": "Ramadi"}).status_code == 401


def test_both_endpoints_are_in_the_openapi_schema(client):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "/api/v1/factcheck/claims:search" in paths
    assert "post" in paths["/api/v1/match/"]
