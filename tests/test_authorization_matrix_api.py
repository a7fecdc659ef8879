"""Who may do what in the API: every endpoint, for every kind of caller.

Endpoints are read from the URL resolver: a new one fails test_every_api_endpoint_has_expectations
until it is given its row here. Each cell of the matrix is its own test, named
"<endpoint>-<caller>". Nothing a newsroom reads moves until a verdict is published.
"""

import pytest
from django.contrib.auth import get_user_model

from claims import services
from claims.models import (
    Candidate,
    Claim,
)
from tests.authorization_world import SEED_URL, be, url_patterns
from tests.conftest import seed_claim, source

pytestmark = pytest.mark.usefixtures("fresh_throttle_counts")


# --- The API

API_ROLES = [
    "anonymous", "public", "newsroom key", "revoked key", "expired key", "key for a reviewer",
    "newsroom login", "staff, no role", "reviewer", "editor", "superuser",
]  # fmt: skip

READ = {
    "anonymous": 401, "public": 200, "newsroom key": 200, "revoked key": 401, "expired key": 401,
    "key for a reviewer": 200, "newsroom login": 403, "staff, no role": 403, "reviewer": 200, "editor": 200,
    "superuser": 200,
}  # fmt: skip
WRITE = {
    "anonymous": 401, "public": 401, "newsroom key": 403, "revoked key": 401, "expired key": 401,
    "key for a reviewer": 201, "newsroom login": 403, "staff, no role": 403, "reviewer": 201, "editor": 201,
    "superuser": 201,
}  # fmt: skip
IDENTIFIED = [role for role in API_ROLES if role not in ("anonymous", "public", "revoked key", "expired key")]
PUBLISH = WRITE | {"key for a reviewer": 403, "reviewer": 403, "editor": 200, "superuser": 200}
# The schema and its docs are public; a bad key is still refused rather than ignored.
OPEN = dict.fromkeys(API_ROLES, 200) | {"revoked key": 401, "expired key": 401}


def body_create(w):
    return {"text": "A new claim.", "speaker": source("Sabah Karhout").pk, "kind": "statement"}


def body_evidence(w):
    return {"stance": "supports", "note": "Same toll.", "source": source("Sabah Karhout").pk}


def body_verdict(w):
    return {"status": "unconfirmed", "rationale": "Rests on the spokesman alone."}


# (url name, method): (path, body, expected status by caller)
API = {
    ("api:claim-list", "GET"): (lambda w: "/api/v1/claims/", None, READ),
    ("api:claim-list", "POST"): (lambda w: "/api/v1/claims/", body_create, WRITE),
    ("api:claim-detail", "GET"): (lambda w: f"/api/v1/claims/{w.claim.pk}/", None, READ),
    ("api:claim-claimreview", "GET"): (lambda w: f"/api/v1/claims/{w.claim.pk}/claimreview/", None, READ),
    ("api:claim-provenance", "GET"): (lambda w: f"/api/v1/claims/{w.claim.pk}/provenance/", None, READ),
    ("api:claim-evidence", "POST"): (lambda w: f"/api/v1/claims/{w.claim.pk}/evidence/", body_evidence, WRITE),
    ("api:claim-verdicts", "POST"): (lambda w: f"/api/v1/claims/{w.claim.pk}/verdicts/", body_verdict, WRITE),
    ("api:verdict-publish", "POST"): (lambda w: f"/api/v1/verdicts/{w.proposal.pk}/publish/", None, PUBLISH),
    ("api:source-list", "GET"): (lambda w: "/api/v1/sources/", None, READ),
    ("api:source-detail", "GET"): (lambda w: f"/api/v1/sources/{w.claim.speaker_id}/", None, READ),
    ("api:document-list", "GET"): (lambda w: "/api/v1/documents/", None, READ),
    ("api:document-detail", "GET"): (lambda w: f"/api/v1/documents/{w.document.pk}/", None, READ),
    ("api:event-list", "GET"): (lambda w: "/api/v1/events/", None, READ),
    ("api:event-detail", "GET"): (lambda w: f"/api/v1/events/{w.claim.event_id}/", None, READ),
    ("api:event-figures", "GET"): (lambda w: f"/api/v1/events/{w.claim.event_id}/figures/", None, READ),
    ("api:lookup", "GET"): (lambda w: f"/api/v1/lookup/?url={SEED_URL}", None, READ),
    ("api:changes", "GET"): (lambda w: "/api/v1/changes/", None, READ),
    ("api:match", "POST"): (lambda w: "/api/v1/match/", lambda w: {"text": "some 500 people were killed"}, READ),
    ("api:factcheck-search", "GET"): (lambda w: "/api/v1/factcheck/claims:search?query=Ramadi", None, READ),
    ("schema", "GET"): (lambda w: "/api/schema/", None, OPEN),
    ("api-docs", "GET"): (lambda w: "/api/docs/", None, OPEN),
}


def served_api_endpoints() -> set[tuple[str, str]]:
    """Every (url name, method) served under /api/, format-suffixed routes folded into their own."""
    endpoints = set()
    for route, name, callback in url_patterns():
        if not route.startswith("api/"):
            continue
        view = callback.cls
        actions = getattr(callback, "actions", None)
        methods = actions.keys() if actions else [m for m in view.http_method_names if hasattr(view, m)]
        endpoints |= {(name, method.upper()) for method in methods if method not in ("head", "options")}
    return endpoints


def test_every_api_endpoint_has_expectations():
    served = served_api_endpoints()
    assert served - API.keys() == set(), "give these endpoints their row in API"
    assert API.keys() - served == set(), "these rows name endpoints no longer served"


def call_api(client, world, endpoint):
    path, body, _ = API[endpoint]
    if endpoint[1] == "GET":
        return client.get(path(world))
    return client.post(path(world), body(world) if body else {}, content_type="application/json")


@pytest.mark.parametrize("role", API_ROLES)
@pytest.mark.parametrize("endpoint", list(API), ids=[f"{m} {n}" for n, m in API])
def test_api(client, world, settings, endpoint, role):
    be(client, role, settings)
    response = call_api(client, world, endpoint)
    expected = API[endpoint][2][role]
    assert response.status_code == expected, response.content[:300]
    if expected == 401:
        assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    if endpoint == ("api:verdict-publish", "POST"):
        world.proposal.refresh_from_db()
        assert world.proposal.is_published == (expected == 200)


@pytest.mark.parametrize("role", API_ROLES)
def test_api_methods_no_endpoint_serves_are_refused(client, world, settings, role):
    """PUT, PATCH and DELETE exist nowhere: never a 2xx, for anyone."""
    be(client, role, settings)
    for name in sorted({name for name, _ in API}):
        path = next(API[key][0] for key in API if key[0] == name)(world)
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(path, {}, content_type="application/json")
            assert response.status_code in (401, 403, 405), (name, method, response.status_code)
            if role in IDENTIFIED:
                assert response.status_code in (403, 405), (name, method)


# --- Nothing a newsroom reads moves until a verdict is published

NEWSROOM_READS = [endpoint for endpoint in API if endpoint[1] == "GET" and endpoint[0].startswith("api:")]


def newsroom_view(client, world, others: list[Claim]) -> dict:
    """What every newsroom read answers: body, ETag and Last-Modified, per path."""
    paths = {API[endpoint][0](world) for endpoint in NEWSROOM_READS}
    for claim in others:
        paths |= {f"/api/v1/claims/{claim.pk}/", f"/api/v1/claims/{claim.pk}/claimreview/"}
        paths.add(f"/api/v1/claims/{claim.pk}/provenance/")
        paths |= {f"/api/v1/sources/{claim.speaker_id}/", f"/api/v1/events/{claim.event_id}/figures/"}
    paths |= {"/api/v1/claims/?status=retracted", "/api/v1/claims/?page_size=200", "/api/v1/changes/?page_size=500"}
    seen = {}
    for path in sorted(paths):
        response = client.get(path)
        seen[path] = (response.status_code, response.content, response.get("ETag"), response.get("Last-Modified"))
    return seen


@pytest.mark.parametrize("role", ["newsroom key", "public"])
def test_desk_work_in_progress_never_reaches_a_newsroom(client, world, settings, role):
    """Proposals, assignments and candidates are desk-internal: no newsroom read changes at all,
    down to the ETag, until an editor publishes."""
    be(client, role, settings)
    unreviewed = seed_claim("As many as 114,000")
    before = newsroom_view(client, world, [unreviewed])
    assert {path for path, seen in before.items() if seen[0] != 200} == {
        f"/api/v1/claims/{unreviewed.pk}/claimreview/"  # no published verdict: 404
    }

    services.propose_verdict(
        claim=world.claim, status="retracted", rationale="SECRET-PROPOSAL-A withdrawn", reviewer=world.proposer
    )
    pending = services.propose_verdict(
        claim=unreviewed, status="retracted", rationale="SECRET-PROPOSAL-B withdrawn", reviewer=world.proposer
    )
    services.assign_claim(claim=unreviewed, assignee=world.proposer, by=world.proposer)
    text = "SECRET-CANDIDATE: 900 were killed, an unnamed official said."
    Candidate.objects.create(
        document=world.document, text=text, start=0, end=len(text), speaker_mention="an unnamed official",
        speaker_name="an unnamed official", speaker_start=0, speaker_end=5,
    )  # fmt: skip

    after = newsroom_view(client, world, [unreviewed])
    changed = [path for path in before if before[path] != after[path]]
    assert changed == []
    assert not [path for path, seen in after.items() if b"SECRET-" in seen[1]]

    # The control: publishing is seen, so the comparison above can tell.
    services.publish_verdict(verdict=pending, editor=get_user_model().objects.get(username="second-editor"))
    published = client.get(f"/api/v1/claims/{unreviewed.pk}/").json()
    assert published["status"]["code"] == "retracted"
    assert published["status"]["rationale"] == "SECRET-PROPOSAL-B withdrawn"
