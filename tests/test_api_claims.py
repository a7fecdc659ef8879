import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Claim
from sources.models import Source
from tests.conftest import decide, first_appearance, seed_claim, source, support

SEED_URL = "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is"


def test_a_claim_detail_carries_the_whole_contract(api, killed_500):
    body = api.get(f"/api/v1/claims/{killed_500.pk}/").json()
    assert set(body) == {
        "id", "url", "text", "quote", "kind", "language", "status", "speaker", "described_as", "said_on", "event",
        "chain", "figures", "appearances", "evidence", "verdicts", "attribution_text", "claimreview_url", "version",
        "created_at", "updated_at",
    }  # fmt: skip
    assert body["url"] == f"http://testserver/api/v1/claims/{killed_500.pk}/"
    assert body["language"] == "en"
    assert body["status"] == {
        "code": "unreviewed",
        "label": "Unreviewed",
        "definition": "Recorded, not yet reviewed.",
        "as_of": None,
        "rationale": None,
        "independently_confirmed": False,
    }
    assert body["speaker"]["name"] == "Muhannad Haimour"
    assert body["speaker"]["role"] == "spokesman"
    assert body["speaker"]["organization"]["name"] == "Anbar provincial government"
    assert body["described_as"] == "a provincial official"
    assert [link["source"]["name"] for link in body["chain"]] == ["Muhannad Haimour", "Associated Press"]
    figure = body["figures"][0]
    assert (figure["metric"], figure["qualifier"], figure["low"], figure["high"]) == ("killed", "at_least", 500, None)
    assert (figure["population"], figure["period_start"], figure["period_end"]) == (
        "civilians and military",
        "2015-05-15",
        "2015-05-17",
    )
    assert body["appearances"][0]["document"] == {
        "url": SEED_URL,
        "outlet": "Associated Press",
        "title": "Hundreds Killed as Ramadi Falls to IS",
        "published_at": "2015-05-18T00:00:00Z",
    }
    assert body["evidence"] == {"supporting_independent": 0, "contradicting_independent": 0, "items": []}
    assert body["verdicts"] == [] and body["claimreview_url"] is None


def test_the_un_figure_carries_its_chain_through_haimour(api, displaced_114000):
    body = api.get(f"/api/v1/claims/{displaced_114000.pk}/").json()
    assert [(link["source"]["name"], link["role"]) for link in body["chain"]] == [
        ("United Nations", "the UN"),
        ("Muhannad Haimour", "Anbar spokesman"),
        ("Associated Press", ""),
    ]
    assert body["figures"][0]["qualifier"] == "at_most" and body["figures"][0]["high"] == 114000


def test_attribution_text_follows_the_published_status_and_chain(api, killed_500, reviewer):
    before = api.get(f"/api/v1/claims/{killed_500.pk}/").json()["attribution_text"]
    assert before == (
        "at least 500 people (civilians and military) were killed, according to Muhannad Haimour "
        "(spokesman, Anbar provincial government), as reported by Associated Press, which said the figures could "
        "not be independently confirmed."
    )  # the report's own hedge (issue 15), while no verdict is published
    decide(killed_500, reviewer, "unconfirmed", "AP: could not be independently confirmed.")
    after = api.get(f"/api/v1/claims/{killed_500.pk}/").json()["attribution_text"]
    assert after.endswith("as reported by Associated Press; the figure could not be independently confirmed.")

    relayed = api.get(f"/api/v1/claims/{seed_claim('As many as 114,000').pk}/").json()["attribution_text"]
    assert "according to United Nations, as relayed by Muhannad Haimour, as reported by Associated Press" in relayed


def test_newsrooms_see_only_published_verdicts(api, killed_500, reviewer, hospital_director):
    support(killed_500, reviewer, source=hospital_director)
    proposal = services.propose_verdict(claim=killed_500, status="confirmed", rationale="Counted.", reviewer=reviewer)
    body = api.get(f"/api/v1/claims/{killed_500.pk}/").json()
    assert body["status"]["code"] == "unreviewed" and body["verdicts"] == []
    assert body["evidence"]["supporting_independent"] == 1
    item = body["evidence"]["items"][0]
    assert (item["independent"], item["origin"]["name"], item["basis"]) == (True, hospital_director.name, "statement")

    editor = type(reviewer).objects.create_user("ed2", is_staff=True, is_superuser=True)
    services.publish_verdict(verdict=proposal, editor=editor)
    body = api.get(f"/api/v1/claims/{killed_500.pk}/").json()
    assert body["status"]["code"] == "confirmed" and body["status"]["independently_confirmed"] is True
    assert body["status"]["rationale"] == "Counted." and body["status"]["as_of"]
    assert [v["status"] for v in body["verdicts"]] == ["confirmed"]


def test_list_items_have_the_detail_shape(api, seed):
    listed = api.get("/api/v1/claims/", {"page_size": 200}).json()["results"]
    assert len(listed) == Claim.objects.count()
    detail = api.get(listed[0]["url"]).json()
    assert listed[0] == detail


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "unreviewed"}, 12),
        ({"status": "confirmed,false"}, 0),
        ({"metric": "killed"}, 3),
        (
            {
                "document_url": SEED_URL.upper().replace("HTTPS://SEED.INVALID", "HTTPS://Seed.Invalid")
                + "/?utm_source=x"
            },
            0,
        ),
        (
            {
                "document_url": "HTTPS://SEED.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is/?utm_source=x#a"
            },
            12,
        ),
        ({"q": "Karhout"}, 1),
        ({"q": "militiamen"}, 1),
        ({"updated_since": "2000-01-01T00:00:00Z"}, 12),
        ({"updated_since": "2999-01-01T00:00:00Z"}, 0),
    ],
)
def test_claims_filter(api, seed, params, expected):
    body = api.get("/api/v1/claims/", {"page_size": 200, **params}).json()
    assert len(body["results"]) == expected


def test_claims_filter_by_speaker_outlet_and_event(api, killed_500):
    haimour, ap = source("Muhannad Haimour"), source("Associated Press")
    assert len(api.get("/api/v1/claims/", {"speaker": haimour.pk}).json()["results"]) == 3
    assert len(api.get("/api/v1/claims/", {"outlet": ap.pk, "page_size": 100}).json()["results"]) == 12
    assert len(api.get("/api/v1/claims/", {"event": killed_500.event_id, "page_size": 100}).json()["results"]) == 10


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "probably"}, "status"),
        ({"metric": "vibes"}, "metric"),
        ({"updated_since": "last tuesday"}, "updated_since"),
        ({"document_url": "not a url"}, "document_url"),
        ({"cursor": "garbage"}, "cursor"),
        ({"speaker": "abc"}, "speaker"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_field(api, seed, params, field):
    response = api.get("/api/v1/claims/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_cursor_pagination_walks_every_claim_once(api, seed):
    seen, url = [], "/api/v1/claims/?page_size=5"
    while url:
        body = api.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Claim.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("size", ["0", "201", "abc", "٣"])
def test_a_page_size_outside_1_to_200_is_a_400(api, seed, size):
    response = api.get("/api/v1/claims/", {"page_size": size})
    assert response.status_code == 400 and "page_size" in response.json()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/sources/", {"cursor": "cD1hYmM="}),  # "p=abc": decodes, points nowhere
        ("/api/v1/events/", {"cursor": "cD0xZTU="}),
        ("/api/v1/claims/", {"cursor": "cD1nYXJiYWdl"}),
        ("/api/v1/claims/", {"ordering": "bogus"}),
        ("/api/v1/claims/", {"status": ","}),
        ("/api/v1/claims/", {"speaker": "99999999999999999999999"}),
        ("/api/v1/claims/", {"speaker": "1.5"}),
        ("/api/v1/lookup/", {"url": "https://seed.invalid/a\x00b"}),
    ],
)
def test_odd_input_is_a_400_naming_the_parameter(api, seed, path, params):
    response = api.get(path, params)
    assert response.status_code == 400
    assert set(response.json()) & {*params, "url"}


def test_query_count_is_the_same_at_page_sizes_10_and_200(api, seed, reviewer, hospital_director):
    document = first_appearance(seed_claim("As many as")).document
    for n in range(210):
        claim = services.record_claim(
            speaker=source("Muhannad Haimour"), text=f"Claim {n}", kind="figure", user=reviewer,
            figures=[{"metric": "killed", "qualifier": "at_least", "low": n + 1}],
            appearances=[{"document": document, "excerpt": "as many as 114,000 residents",
                          "relayed_by": [source("Sabah Karhout")]}],
        )  # fmt: skip
        if n % 3 == 0:
            support(claim, reviewer, source=hospital_director)
            decide(claim, reviewer, "confirmed", "Counted.")
    counts = {}
    for size in (10, 200):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/claims/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries.captured_queries)
    assert counts[10] == counts[200]
    assert counts[200] <= 15


def test_claimreview_is_404_until_a_verdict_is_published(api, killed_500, reviewer):
    assert api.get(f"/api/v1/claims/{killed_500.pk}/claimreview/").status_code == 404
    decide(killed_500, reviewer, "unconfirmed", "Rests on the provincial spokesman alone.")
    response = api.get(f"/api/v1/claims/{killed_500.pk}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    review = response.json()
    assert review["@type"] == "ClaimReview" and review["@context"] == "https://schema.org"
    assert len(review["claimReviewed"]) < 75
    assert review["reviewRating"]["alternateName"].startswith("Unconfirmed")
    assert (review["reviewRating"]["ratingValue"], review["reviewRating"]["bestRating"]) == (3, 5)
    assert review["url"] == f"http://testserver/api/v1/claims/{killed_500.pk}/"
    assert review["author"]["@type"] == "Organization" and review["datePublished"]
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Person", "name": "Muhannad Haimour"}
    assert item["datePublished"] == "2015-05-18"
    assert item["firstAppearance"]["url"] == SEED_URL and item["appearance"]
    claimreview_url = api.get(f"/api/v1/claims/{killed_500.pk}/").json()["claimreview_url"]
    assert claimreview_url == f"http://testserver/api/v1/claims/{killed_500.pk}/claimreview/"


def test_lookup_finds_the_seed_article_by_any_spelling(api, seed):
    response = api.get(
        "/api/v1/lookup/", {"url": SEED_URL.replace("https://seed", "HTTPS://SEED") + "/?utm_source=tw&fbclid=1"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["document"]["url"] == SEED_URL
    assert len(body["claims"]) == 12
    assert {c["status"]["code"] for c in body["claims"]} == {"unreviewed"}


def test_lookup_of_an_unknown_article_is_a_clear_404(api, seed):
    response = api.get("/api/v1/lookup/", {"url": "https://news.example/unknown"})
    assert response.status_code == 404
    assert response.json() == {"detail": "No document is known at this URL.", "url": "https://news.example/unknown"}
    assert "url" in api.get("/api/v1/lookup/").json()
    assert api.get("/api/v1/lookup/", {"url": "ftp://x"}).status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/api/v1/claims/{pk}/", "/api/v1/claims/", "/api/v1/lookup/?url=" + SEED_URL, "/api/v1/claims/{pk}/claimreview/"],
)
def test_conditional_get_answers_304_when_nothing_changed(api, killed_500, reviewer, path):
    decide(killed_500, reviewer, "unconfirmed", "As AP.")
    url = path.format(pk=killed_500.pk)
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.update_claim(claim=killed_500, user=reviewer, text="At least 500 people were killed in Ramadi.")
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_sources_carry_affiliations_and_claim_counts(api, killed_500, reviewer):
    decide(killed_500, reviewer, "unconfirmed", "As AP.")
    haimour = source("Muhannad Haimour")
    body = api.get(f"/api/v1/sources/{haimour.pk}/").json()
    assert body["aliases"] == ["Haimour"]
    assert body["affiliations"] == [
        {"organization": {"id": source("Anbar provincial government").pk, "name": "Anbar provincial government"},
         "role": "spokesman", "start_date": None, "end_date": None}
    ]  # fmt: skip
    assert body["claim_counts"]["unconfirmed"] == 1 and body["claim_counts"]["unreviewed"] == 2
    assert len(api.get("/api/v1/sources/", {"page_size": 100}).json()["results"]) == 15


def test_documents_and_event_figures(api, killed_500):
    documents = api.get("/api/v1/documents/").json()["results"]
    assert [d["url"] for d in documents] == [SEED_URL]
    events = api.get("/api/v1/events/").json()["results"]
    assert {e["name"] for e in events} == {"Fall of Ramadi, May 2015", "Exodus from Ramadi, April 2015"}
    figures = api.get(f"/api/v1/events/{killed_500.event_id}/figures/").json()
    assert set(figures) == {"next", "previous", "results"}
    by_metric = {}
    for figure in figures["results"]:
        by_metric.setdefault(figure["metric"], []).append(figure)
    assert sorted(by_metric) == ["deployed", "displaced", "killed", "wounded"]
    assert {f["metric_label"] for f in by_metric["killed"]} == {"killed"}
    assert [f["id"] for f in figures["results"]] == sorted(f["id"] for f in figures["results"])
    first = api.get(f"/api/v1/events/{killed_500.event_id}/figures/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert [f["id"] for f in first["results"] + second["results"]] == [f["id"] for f in figures["results"]][:4]
    assert sorted(f["low"] for f in by_metric["killed"]) == [5, 10, 500]
    assert {f["source"]["name"] for f in by_metric["killed"]} == {"officials", "Muhannad Haimour"}


def test_if_modified_since_alone_never_answers_304(api, killed_500, reviewer):
    first = api.get(f"/api/v1/claims/{killed_500.pk}/")
    services.update_claim(claim=killed_500, user=reviewer, text="Changed within the same second.")
    again = api.get(f"/api/v1/claims/{killed_500.pk}/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200 and again.json()["text"] == "Changed within the same second."


def test_a_renamed_speaker_reaches_the_feed_and_the_etag(api, admin_client, killed_500):
    before = api.get(f"/api/v1/claims/{killed_500.pk}/")
    cursor = api.get("/api/v1/changes/", {"page_size": 500}).json()["next_cursor"]
    haimour = killed_500.speaker
    url = f"/admin/sources/source/{haimour.pk}/change/"
    from tests.conftest import admin_form_data

    assert admin_client.post(url, admin_form_data(admin_client.get(url), name="Mohannad Haimour")).status_code == 302
    changes = api.get("/api/v1/changes/", {"cursor": cursor}).json()["results"]
    assert {c["claim"] for c in changes} >= {killed_500.pk} and {c["kind"] for c in changes} == {"updated"}
    after = api.get(f"/api/v1/claims/{killed_500.pk}/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after.json()["speaker"]["name"] == "Mohannad Haimour"


def test_claimreview_dates_an_undated_claim_by_its_first_report(api, seed, reviewer):
    claim = seed_claim("Four nearly simultaneous")
    assert claim.said_on is None
    decide(claim, reviewer, "unconfirmed", "Officials only.")
    item = api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()["itemReviewed"]
    assert item["datePublished"] == "2015-05-18"


def test_proposals_and_assignments_move_nothing_a_newsroom_sees(api, killed_500, reviewer):
    before = api.get(f"/api/v1/claims/{killed_500.pk}/")
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=reviewer)
    services.assign_claim(claim=killed_500, assignee=reviewer, by=reviewer)
    after = api.get(f"/api/v1/claims/{killed_500.pk}/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 304
    body = api.get(f"/api/v1/claims/{killed_500.pk}/").json()
    assert (body["updated_at"], body["version"]) == (before.json()["updated_at"], before.json()["version"])
    killed_500.refresh_from_db()
    assert killed_500.history.first().history_change_reason == "assigned to rev"  # the desk still sees it


def test_outlet_filter_follows_appearances_and_documents(api, killed_500, reviewer):
    reuters = Source.objects.create(kind="outlet", name="Reuters")
    document = services.record_document(
        url="https://reuters.example/ramadi", outlet=reuters, title="Ramadi", text="At least 500 people were killed."
    )

    def in_reuters():
        return {c["id"] for c in api.get("/api/v1/claims/", {"outlet": reuters.pk}).json()["results"]}

    assert in_reuters() == set()
    appearance = services.record_appearance(
        claim=killed_500, document=document, excerpt="At least 500 people were killed.", user=reviewer
    )
    assert in_reuters() == {killed_500.pk}
    services.remove_appearance(appearance=appearance, user=reviewer)
    assert in_reuters() == set()

    services.record_appearance(
        claim=killed_500, document=document, excerpt="At least 500 people were killed.", user=reviewer
    )
    bbc = Source.objects.create(kind="outlet", name="BBC")
    document.outlet = bbc
    services.save_document(document=document, user=reviewer)
    assert in_reuters() == set()
    assert killed_500.pk in {c["id"] for c in api.get("/api/v1/claims/", {"outlet": bbc.pk}).json()["results"]}
