import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims.models import Claim, Verdict
from tests.conftest import source

SEED_URL = "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is"


@pytest.fixture
def desk(client, db):
    User = get_user_model()
    people = {}
    for username, group in (("rita", "Reviewer"), ("eddie", "Editor")):
        people[username] = User.objects.create_user(username, is_staff=True)
        people[username].groups.add(Group.objects.get(name=group))
    return people


def as_user(client, user):
    client.logout()
    client.force_login(user)
    return client


def post(client, path, headers=None, **data):
    return client.post(path, data, content_type="application/json", **(headers or {}))


def test_a_reviewer_creates_a_claim_with_figures_and_an_appearance(client, desk, seed):
    response = post(
        as_user(client, desk["rita"]),
        "/api/v1/claims/",
        kind="figure",
        text="As many as 114,000 residents fled in April 2015.",
        speaker=source("United Nations").pk,
        figures=[{"metric": "displaced", "qualifier": "at_most", "high": 114000, "population": "residents"}],
        appearance={
            "document_url": SEED_URL + "?utm_source=x",
            "excerpt": "as many as 114,000 residents fled Ramadi",
            "relayed_by": [{"source": source("Muhannad Haimour").pk, "role": "spokesman"}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == body["url"]
    assert [link["source"]["name"] for link in body["chain"]] == [
        "United Nations",
        "Muhannad Haimour",
        "Associated Press",
    ]
    assert body["figures"][0]["high"] == 114000 and body["status"]["code"] == "unreviewed"
    assert Claim.objects.get(pk=body["id"]).created_by == desk["rita"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"figures": [{"metric": "killed", "qualifier": "range", "low": 15, "high": 10}]}, "figures"),
        ({"figures": [{"metric": "killed", "qualifier": "at_least"}]}, "figures"),
        ({"speaker": 999999}, "speaker"),
        ({"text": ""}, "text"),
        ({"appearance": {"document_url": "https://news.example/unknown", "excerpt": "x"}}, "appearance"),
        ({"appearance": {"document_url": SEED_URL, "excerpt": "words AP never printed"}}, "appearance"),
    ],
)
def test_a_bad_claim_is_a_400_naming_the_field_and_nothing_is_written(client, desk, seed, payload, field):
    before = Claim.objects.count()
    body = {"kind": "figure", "text": "A claim.", "speaker": source("Sabah Karhout").pk, **payload}
    response = post(as_user(client, desk["rita"]), "/api/v1/claims/", **body)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Claim.objects.count() == before


def test_evidence_comes_back_with_its_computed_independence(client, desk, killed_500):
    response = post(
        as_user(client, desk["rita"]),
        f"/api/v1/claims/{killed_500.pk}/evidence/",
        stance="supports",
        note="Karhout gives the same toll.",
        source=source("Sabah Karhout").pk,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["independent"], body["independence_code"]) == (False, "same_organization")
    assert body["reason"] == "not independent: same organization tree as the speaker (Anbar provincial authorities)"


def test_a_refused_verdict_is_a_400_with_the_reason(client, desk, killed_500):
    response = post(
        as_user(client, desk["rita"]),
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        status="confirmed",
        rationale="Looks right.",
    )
    assert response.status_code == 400
    assert response.json()["status"][0].startswith("Cannot confirm: needs supporting evidence")
    assert not Verdict.objects.exists()


def test_a_stale_if_match_gets_412_and_changes_nothing(client, desk, killed_500):
    client = as_user(client, desk["rita"])
    etag = client.get(f"/api/v1/claims/{killed_500.pk}/")["ETag"]
    post(
        client, f"/api/v1/claims/{killed_500.pk}/evidence/", stance="supports", note="x", source=source("John Kerry").pk
    )
    stale = post(
        client,
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        {"HTTP_IF_MATCH": etag},
        status="unconfirmed",
        rationale="Rests on the spokesman alone.",
    )
    assert stale.status_code == 412
    assert "version" in stale.json()
    assert not Verdict.objects.exists()

    fresh = client.get(f"/api/v1/claims/{killed_500.pk}/")["ETag"]
    ok = post(
        client,
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        {"HTTP_IF_MATCH": fresh},
        status="unconfirmed",
        rationale="Rests on the spokesman alone.",
    )
    assert ok.status_code == 201


def test_a_stale_evidence_write_gets_412(client, desk, killed_500):
    client = as_user(client, desk["rita"])
    response = post(
        client,
        f"/api/v1/claims/{killed_500.pk}/evidence/",
        {"HTTP_IF_MATCH": f'"v{killed_500.version + 5}-abc"'},
        stance="supports",
        note="x",
        source=source("John Kerry").pk,
    )
    assert response.status_code == 412
    assert not killed_500.evidence.exists()


def test_an_editor_publishes_through_the_api_but_not_their_own_proposal(client, desk, killed_500):
    proposal = post(
        as_user(client, desk["rita"]),
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        status="unconfirmed",
        rationale="Rests on the spokesman alone.",
    ).json()
    assert proposal["published_at"] is None
    assert post(client, f"/api/v1/verdicts/{proposal['id']}/publish/").status_code == 403

    own = post(
        as_user(client, desk["eddie"]),
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        status="retracted",
        rationale="Withdrawn.",
    ).json()
    refused = post(client, f"/api/v1/verdicts/{own['id']}/publish/")
    assert refused.status_code == 400
    assert refused.json() == {"non_field_errors": ["Publishing needs a second person: you proposed this verdict."]}

    overtaken = post(client, f"/api/v1/verdicts/{proposal['id']}/publish/")
    assert overtaken.status_code == 409 and "newer verdict" in overtaken.json()["non_field_errors"][0]
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"


def test_publishing_sets_the_status_newsrooms_see(client, desk, killed_500):
    proposal = post(
        as_user(client, desk["rita"]),
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        status="unconfirmed",
        rationale="AP.",
    ).json()
    published = post(as_user(client, desk["eddie"]), f"/api/v1/verdicts/{proposal['id']}/publish/")
    assert published.status_code == 200 and published.json()["published_at"]
    assert client.get(f"/api/v1/claims/{killed_500.pk}/").json()["status"]["code"] == "unconfirmed"


def test_malformed_json_is_a_400(client, desk, seed):
    response = as_user(client, desk["rita"]).post("/api/v1/claims/", "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("header", ['W/"v1-0123456789abcdef"', "v1", "garbage", '"v١-0123456789abcdef"'])
def test_if_match_must_be_the_claims_strong_etag(client, desk, killed_500, header):
    response = post(
        as_user(client, desk["rita"]),
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        {"HTTP_IF_MATCH": header},
        status="unconfirmed",
        rationale="As AP.",
    )
    assert response.status_code == 412
    assert not Verdict.objects.exists()
