"""Who may call what: an authorization matrix over every endpoint, throttling and key handling."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from api.models import ThrottleCount
from api.newsroom import NewsroomKeyThrottle
from claims import services
from claims.models import NewsroomKey
from tests.conftest import source

SEED_URL = "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is"


@pytest.fixture(autouse=True)
def fresh_throttle_counts(db):
    ThrottleCount.objects.all().delete()
    yield
    ThrottleCount.objects.all().delete()


@pytest.fixture
def callers(db, killed_500):
    """Each kind of caller, as the extra arguments a test client request takes, and how to log in."""
    User = get_user_model()
    people = {}
    for username, group in (("rita", "Reviewer"), ("eddie", "Editor")):
        people[username] = User.objects.create_user(username, is_staff=True)
        people[username].groups.add(Group.objects.get(name=group))
    people["reader"] = User.objects.create_user("reader")  # a newsroom login: no desk member
    _, key = NewsroomKey.objects.create_key(name="Daily Planet")
    revoked, revoked_key = NewsroomKey.objects.create_key(name="Old Planet")
    revoked.revoked = True
    revoked.save()
    return {
        "anonymous": (None, {}),
        "newsroom key": (None, {"HTTP_AUTHORIZATION": f"Api-Key {key}"}),
        "revoked key": (None, {"HTTP_AUTHORIZATION": f"Api-Key {revoked_key}"}),
        "unknown key": (None, {"HTTP_AUTHORIZATION": "Api-Key nope.nothing"}),
        "newsroom login": (people["reader"], {}),
        "reviewer": (people["rita"], {}),
        "editor": (people["eddie"], {}),
    }


def read_paths(claim):
    return [
        "/api/v1/claims/",
        f"/api/v1/claims/{claim.pk}/",
        f"/api/v1/lookup/?url={SEED_URL}",
        "/api/v1/changes/",
        "/api/v1/sources/",
        f"/api/v1/sources/{claim.speaker_id}/",
        "/api/v1/documents/",
        "/api/v1/events/",
        f"/api/v1/events/{claim.event_id}/",
        f"/api/v1/events/{claim.event_id}/figures/",
    ]


READ_EXPECTED = {
    "anonymous": 401,
    "newsroom key": 200,
    "revoked key": 401,
    "unknown key": 401,
    "newsroom login": 403,
    "reviewer": 200,
    "editor": 200,
}


def call(client, callers, who, method, path, **data):
    user, headers = callers[who]
    client.logout()
    if user is not None:
        client.force_login(user)
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, data, content_type="application/json", **headers)


@pytest.mark.parametrize("who", list(READ_EXPECTED))
def test_reads_by_caller(client, callers, killed_500, who):
    for path in read_paths(killed_500):
        response = call(client, callers, who, "get", path)
        assert response.status_code == READ_EXPECTED[who], (who, path, response.content[:200])
    if READ_EXPECTED[who] == 401:
        assert response["WWW-Authenticate"].startswith("Api-Key")


def test_claimreview_reads_follow_the_same_matrix(client, callers, killed_500, reviewer):
    from tests.conftest import decide

    decide(killed_500, reviewer, "unconfirmed", "As AP.")
    path = f"/api/v1/claims/{killed_500.pk}/claimreview/"
    for who, expected in READ_EXPECTED.items():
        assert call(client, callers, who, "get", path).status_code == expected, who


WRITES = {
    # caller: (create claim, add evidence, propose verdict, publish verdict)
    "anonymous": (401, 401, 401, 401),
    "newsroom key": (403, 403, 403, 403),
    "revoked key": (401, 401, 401, 401),
    "newsroom login": (403, 403, 403, 403),
    "reviewer": (201, 201, 201, 403),
    "editor": (201, 201, 201, 200),
}


@pytest.mark.parametrize("who", list(WRITES))
def test_writes_by_caller(client, callers, killed_500, who):
    proposer = get_user_model().objects.create_user("proposer", is_staff=True, is_superuser=True)
    proposal = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=proposer)
    create = call(
        client, callers, who, "post", "/api/v1/claims/",
        text="A new claim.", speaker=source("Sabah Karhout").pk, kind="statement",
    )  # fmt: skip
    evidence = call(
        client, callers, who, "post", f"/api/v1/claims/{killed_500.pk}/evidence/",
        stance="supports", note="Same toll.", source=source("Sabah Karhout").pk,
    )  # fmt: skip
    publish = call(client, callers, who, "post", f"/api/v1/verdicts/{proposal.pk}/publish/")
    verdict = call(
        client, callers, who, "post", f"/api/v1/claims/{killed_500.pk}/verdicts/",
        status="unconfirmed", rationale="Rests on the spokesman alone.",
    )  # fmt: skip
    codes = (create.status_code, evidence.status_code, verdict.status_code, publish.status_code)
    assert codes == WRITES[who], [r.content[:200] for r in (create, evidence, verdict, publish)]


def test_public_api_opens_reads_but_not_writes(client, killed_500, settings):
    settings.PUBLIC_API = True
    assert client.get(f"/api/v1/claims/{killed_500.pk}/").status_code == 200
    assert client.get("/api/v1/claims/").status_code == 200
    response = client.post("/api/v1/claims/", {"text": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_a_key_is_throttled_with_retry_after(api, killed_500, monkeypatch):
    monkeypatch.setattr(NewsroomKeyThrottle, "THROTTLE_RATES", {"newsroom_key": "3/min"})
    codes = [api.get(f"/api/v1/claims/{killed_500.pk}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = api.get(f"/api/v1/claims/{killed_500.pk}/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0


def test_anonymous_reads_are_throttled_per_address_and_a_desk_login_is_not(
    admin_client, killed_500, settings, monkeypatch
):
    from django.test import Client

    from api.newsroom import PublicReadThrottle

    client = Client()  # admin_client is the `client` fixture, logged in

    settings.PUBLIC_API = True
    monkeypatch.setattr(PublicReadThrottle, "THROTTLE_RATES", {"public": "2/min"})
    url = f"/api/v1/claims/{killed_500.pk}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200  # another address, its own count
    assert [admin_client.get(url).status_code for _ in range(3)] == [200, 200, 200]


def test_throttling_counts_each_key_apart(client, killed_500, monkeypatch):
    monkeypatch.setattr(NewsroomKeyThrottle, "THROTTLE_RATES", {"newsroom_key": "2/min"})
    keys = [NewsroomKey.objects.create_key(name=name)[1] for name in ("A", "B")]
    for key in keys:
        codes = [client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code for _ in range(3)]
        assert codes == [200, 200, 429]


def test_a_key_created_in_the_admin_is_shown_once_and_stored_hashed(admin_client, db):
    response = admin_client.post("/admin/claims/newsroomkey/add/", {"name": "Daily Planet"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    key = shown[0].split("The API key for Daily Planet is: ")[1].split(". ")[0]
    stored = NewsroomKey.objects.get(name="Daily Planet")
    assert key not in (stored.id, stored.hashed_key) and stored.hashed_key.startswith("sha512$$")
    assert NewsroomKey.objects.is_valid(key)
    again = admin_client.get(f"/admin/claims/newsroomkey/{stored.pk}/change/")
    assert key not in again.content.decode()


def test_a_revoked_key_stops_working(client, killed_500):
    key_object, key = NewsroomKey.objects.create_key(name="Daily Planet")
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    key_object.revoked = True
    key_object.save()
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 401


def test_newsroom_keys_get_no_admin_access(client, callers):
    _, headers = callers["newsroom key"]
    response = client.get("/admin/claims/claim/", **headers)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_editors_create_newsroom_keys_and_reviewers_cannot(client, db):
    from tests.conftest import desk_member

    client.force_login(desk_member("rita", "Reviewer"))
    assert client.get("/admin/claims/newsroomkey/add/").status_code == 403
    client.force_login(desk_member("eddie", "Editor"))
    response = client.post("/admin/claims/newsroomkey/add/", {"name": "Daily Planet"}, follow=True)
    assert "The API key for Daily Planet is:" in response.content.decode()
