"""The benchmark's floor (bench/floor.py) answers every request with exactly the API's JSON.

bench/run.py reports the API's time as a multiple of the floor's, one SQL statement per
request; the ratio means something only while the floor builds the same answer. Each test
compares the floor's JSON with the API's: same keys in the same order, the same values and
types (500, not 500.0), lists in the same order, links included.
"""

import json
from base64 import b64decode
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.db import connection

from bench import floor
from claims import services
from claims.models import Claim, ClaimChange
from sources.models import Document, Source
from tests.conftest import contradict, decide, seed_claim, source, support

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The floor is PostgreSQL SQL (json_agg, tsvector, pg_trgm); run with DATABASE_URL=postgres://…",
)

HOST = "http://testserver"
SEED_URL = "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is"


@pytest.fixture
def raw(db):
    """Django's own psycopg connection, so the floor sees the test's uncommitted rows."""
    connection.ensure_connection()
    return connection.connection


@pytest.fixture
def desk(seed, reviewer, hospital_director):
    """The seed with published verdicts, each kind of evidence, and figures the seed lacks."""
    killed_500 = seed_claim("Islamic State militants killed at least 500")
    support(killed_500, reviewer, source=hospital_director)
    decide(killed_500, reviewer, "confirmed", "The hospital counted the dead.")
    decide(killed_500, reviewer, "confirmed", "Counted again, it's the same.")

    displaced = seed_claim("As many as 114,000")
    contradict(displaced, reviewer, document=Document.objects.get(url=SEED_URL))
    support(displaced, reviewer, evidence_claim=seed_claim("About 8,000 people fled"))
    decide(displaced, reviewer, "unconfirmed", "Rests on the UN's word.")
    services.propose_verdict(claim=displaced, status="unconfirmed", rationale="Not yet published.", reviewer=reviewer)

    hospital = Source.objects.create(kind="organization", name="Anbar Health Directorate", country="IQ")
    hospital_director.affiliations.create(organization=hospital, role="spokesman", start_date=date(2015, 1, 1))
    services.record_claim(
        speaker=hospital_director,
        user=reviewer,
        kind="figure",
        text="Between 10.5 and 1,234.25 police were wounded, and about 0.3333 of them went home.",
        said_on=date(2015, 5, 18),
        figures=[
            {"metric": "wounded", "qualifier": "range", "low": Decimal("10.5"), "high": Decimal("1234.25")},
            {"metric": "wounded", "qualifier": "approximately", "low": Decimal("0.3333"), "high": Decimal("0.3333")},
        ],
    )
    for text, said_on in [
        ("Dozens were wounded", None),  # no final period: the wording is the claim's own text, "the claim"
        ("Dozens more were wounded. ", date(2014, 6, 1)),  # stripped, so "the figure"
    ]:
        claim = services.record_claim(
            speaker=hospital_director,
            user=reviewer,
            text=text,
            said_on=said_on,
            figures=[{"metric": "wounded", "qualifier": "vague", "vague_text": "dozens"}],
        )
        decide(claim, reviewer, "unconfirmed", "Only the director says so.")
    return reviewer


def same_json(floor_text: str | None, response) -> dict:
    assert response.status_code == 200, response.content
    assert floor_text is not None
    ours, theirs = json.loads(floor_text), response.json()
    assert ours == theirs
    assert json.dumps(ours) == json.dumps(theirs)  # key order, and 500 rather than 500.0
    return theirs


def floor_params(link: str) -> dict:
    return dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))


def walk_both_ways(api, raw, params: dict, links: list | None = None) -> list[int]:
    """Every page forward by `next`, then back by `previous`, comparing each; the ids seen going forward."""
    links = [] if links is None else links
    body = same_json(floor.claims_page(raw, host=HOST, params=params), api.get("/api/v1/claims/", params))
    seen = [item["id"] for item in body["results"]]
    while body["next"]:
        links.append(body["next"])
        body = same_json(floor.claims_page(raw, host=HOST, params=floor_params(links[-1])), api.get(links[-1]))
        seen += [item["id"] for item in body["results"]]
    while body["previous"]:
        links.append(body["previous"])
        body = same_json(floor.claims_page(raw, host=HOST, params=floor_params(links[-1])), api.get(links[-1]))
    return seen


def test_every_claim_detail_matches_the_api(api, raw, desk):
    assert Claim.objects.filter(verdicts__published_at__isnull=False).exists()
    for claim in Claim.objects.all():
        body = same_json(floor.claim_detail(raw, host=HOST, claim_id=claim.pk), api.get(f"/api/v1/claims/{claim.pk}/"))
        assert body["id"] == claim.pk
    assert floor.claim_detail(raw, host=HOST, claim_id=10**12) is None


def test_the_rich_claims_are_what_the_comparison_covers(api, raw, desk):
    """A guard on the fixture: the cases the SQL spells out are really in the data compared."""
    bodies = [json.loads(floor.claim_detail(raw, host=HOST, claim_id=c.pk)) for c in Claim.objects.all()]
    texts = [b["attribution_text"] for b in bodies]
    assert any(t.startswith("between 10.5 and 1,234.25 people were wounded and about 0.3333") for t in texts)
    assert any(t.startswith("Dozens were wounded, according to") and "; the claim " in t for t in texts)
    assert any(t.startswith("Dozens more were wounded, according to") and "; the figure " in t for t in texts)
    assert any("as relayed by Muhannad Haimour" in t for t in texts)
    bounds = [f[side] for b in bodies for f in b["figures"] for side in ("low", "high")]
    assert 500 in bounds and 0.3333 in bounds and 1234.25 in bounds
    assert {i["basis"] for b in bodies for i in b["evidence"]["items"]} == {"claim", "document", "statement"}
    assert {b["status"]["code"] for b in bodies} >= {"confirmed", "unconfirmed", "unreviewed"}
    assert {b["speaker"]["role"] for b in bodies} >= {"spokesman", "Secretary of State", None}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page_size": "50"},
        {"page_size": "3"},
        {"page_size": "4", "status": "unreviewed"},
        {"page_size": "2", "status": "confirmed,unconfirmed"},
        {"page_size": "4", "outlet": "AP"},
        {"page_size": "2", "q": "Karhout"},
        {"page_size": "2", "q": "militiamen"},
        {"page_size": "2", "q": "killed at least"},
        {"page_size": "2", "q": "Haimor"},  # a misspelt speaker, found by trigram similarity
        {"page_size": "2", "q": "ilab"},  # inside a speaker's name (al-Kilabi), found by substring
        {"page_size": "2", "q": "nothing-matches-this"},
    ],
    ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()) or "unfiltered",
)
def test_list_pages_match_the_api_forward_and_back(api, raw, desk, params):
    if params.get("outlet") == "AP":
        params = {**params, "outlet": str(source("Associated Press").pk)}
    seen = walk_both_ways(api, raw, params)
    if "q" not in params:
        assert seen, "a filter that finds nothing compares nothing"


def test_list_pages_match_the_api_across_tied_timestamps(api, raw, desk):
    """DRF's cursor keeps only updated_at: ties at a page's edge become offsets in the cursor."""
    tied = datetime.now().astimezone() - timedelta(days=1)
    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    Claim.objects.filter(pk__in=claims[2:9]).update(updated_at=tied)
    Claim.objects.filter(pk__in=claims[9:11]).update(updated_at=tied.replace(microsecond=0))
    links = []
    for size in ("1", "2", "3", "5", "7"):
        seen = walk_both_ways(api, raw, {"page_size": size}, links)
        assert len(seen) == len(claims)
    cursors = [b64decode(unquote(link.partition("cursor=")[2].partition("&")[0])).decode() for link in links]
    assert any("o=" in c and "p=" in c for c in cursors) and any("o=" in c and "p=" not in c for c in cursors)


def test_lookup_matches_the_api(api, raw, desk):
    url = SEED_URL.replace("https://seed.invalid", "HTTPS://Seed.Invalid") + "/?utm_source=x"
    body = same_json(floor.lookup(raw, host=HOST, url=url), api.get("/api/v1/lookup/", {"url": url}))
    assert len(body["claims"]) == 12
    assert floor.lookup(raw, host=HOST, url="https://seed.invalid/no-such-article") is None


def test_changes_match_the_api_from_the_start_and_from_a_cursor(api, raw, desk):
    same_json(floor.changes(raw), api.get("/api/v1/changes/"))
    cursor = None
    while True:
        params = {"page_size": "4", **({"cursor": cursor} if cursor else {})}
        body = same_json(floor.changes(raw, cursor=cursor, page_size=4), api.get("/api/v1/changes/", params))
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert ClaimChange.objects.count() > 8
    same_json(floor.changes(raw, cursor=cursor), api.get("/api/v1/changes/", {"cursor": cursor}))


@pytest.mark.urls("bench.urls")
def test_the_naive_baseline_serves_the_same_claims(api, desk, client):
    """bench/naive.py is for context only, but it must render the same page, unprefetched."""
    for path, params in [
        ("claims/", {"page_size": "5", "status": "unreviewed"}),
        ("claims/", {"q": "Karhout"}),
        ("lookup/", {"url": SEED_URL}),
    ]:
        ours = api.get(f"/bench/naive/{path}", params).json()
        theirs = api.get(f"/api/v1/{path}", params).json()
        key = "results" if "results" in theirs else "claims"
        assert [c["id"] for c in ours[key]] == [c["id"] for c in theirs[key]]
    claim = seed_claim("As many as 114,000")
    assert api.get(f"/bench/naive/claims/{claim.pk}/").json()["speaker"]["name"] == "United Nations"
    assert client.get("/bench/bare/").json() == {"ok": True}
