"""The API refuses what it does not understand, and says what it would take."""

import pytest

from claims.models import Claim, lengths
from sources.models import Source
from tests.conftest import source


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/claims/", {"stauts": "confirmed"}),
        ("/api/v1/claims/", {"page": "2"}),
        ("/api/v1/lookup/", {"url": "https://seed.invalid/x", "utm": "1"}),
        ("/api/v1/changes/", {"since": "5"}),
        ("/api/v1/sources/", {"name": "Haimour"}),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(api, seed, path, params):
    response = api.get(path, params)
    assert response.status_code == 400
    unknown = next(name for name in params if name not in ("url",))
    assert unknown in response.json() and "This endpoint takes" in response.json()[unknown][0]


def test_a_misspelled_filter_no_longer_answers_every_claim(api, seed):
    assert api.get("/api/v1/claims/", {"status": "confirmed"}).json()["results"] == []
    assert api.get("/api/v1/claims/", {"stauts": "confirmed"}).status_code == 400


def test_detail_takes_no_filters(api, killed_500):
    response = api.get(f"/api/v1/claims/{killed_500.pk}/", {"status": "confirmed"})
    assert response.status_code == 400 and "status" in response.json()


def test_a_bad_choice_lists_the_valid_values(api, seed, editor):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    body = {
        "kind": "figure", "text": "Hundreds were killed.", "speaker": source("Muhannad Haimour").pk,
        "figures": [{"as_written": "hundreds", "metric": "killed", "qualifier": "roughly", "vague_text": "hundreds"}],
    }  # fmt: skip
    response = api.post("/api/v1/claims/", body, content_type="application/json", **writer)
    assert response.status_code == 400
    message = str(response.json()["figures"])
    assert "roughly" in message and "exact" in message and "at_least" in message
    listed = api.get("/api/v1/claims/", {"status": "maybe"}).json()["status"][0]
    assert "confirmed" in listed and "unreviewed" in listed


def test_free_text_over_its_limit_is_refused_naming_the_field(api, killed_500, editor):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    url = f"/api/v1/claims/{killed_500.pk}/verdicts/"
    huge = {"status": "unconfirmed", "rationale": "x" * (lengths.RATIONALE + 1)}
    response = api.post(url, huge, content_type="application/json", **writer)
    assert response.status_code == 400 and "rationale" in response.json()
    assert str(lengths.RATIONALE) in response.json()["rationale"][0]
    note = {"stance": "supports", "note": "y" * (lengths.NOTE + 1), "source": source("Sabah Karhout").pk}
    response = api.post(f"/api/v1/claims/{killed_500.pk}/evidence/", note, content_type="application/json", **writer)
    assert response.status_code == 400 and "note" in response.json()


def test_the_schema_names_the_limits(api, seed):
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schema["VerdictInputRequest"]["properties"]["rationale"]["maxLength"] == lengths.RATIONALE
    assert schema["ClaimInputRequest"]["properties"]["text"]["maxLength"] == lengths.CLAIM_TEXT


def test_the_services_refuse_over_long_text_too(killed_500, reviewer):
    from django.core.exceptions import ValidationError

    from claims import services

    with pytest.raises(ValidationError) as refused:
        services.update_claim(claim=killed_500, user=reviewer, text="z" * (lengths.CLAIM_TEXT + 1))
    assert "text" in refused.value.message_dict
    assert Claim.objects.get(pk=killed_500.pk).text == killed_500.text


def test_a_bearer_token_is_told_to_use_api_key(client, seed):
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION="Bearer abc.def")
    assert response.status_code == 401 and "Api-Key" in response.json()["detail"]


@pytest.mark.parametrize("words", ["haimour", "HAIMOUR", "Haïmour", "muhannad"])
def test_sources_are_found_by_name_whatever_the_case_and_accents(api, seed, words):
    names = [s["name"] for s in api.get("/api/v1/sources/", {"q": words}).json()["results"]]
    assert names == ["Muhannad Haimour"]


def test_sources_are_found_by_alias(api, seed):
    haimour = source("Muhannad Haimour")
    haimour.aliases.create(name="Mohannad Ḥaymour")
    found = [s["id"] for s in api.get("/api/v1/sources/", {"q": "haymour"}).json()["results"]]
    assert found == [haimour.pk]
    assert len(api.get("/api/v1/sources/").json()["results"]) == min(50, Source.objects.count())


def test_search_matches_each_word_not_one_substring(api, seed):
    both = {c["id"] for c in api.get("/api/v1/claims/", {"q": "killed Ramadi", "page_size": 200}).json()["results"]}
    expected = {
        c.pk for c in Claim.objects.all()
        if "killed" in (c.text + c.quote).lower() and "ramadi" in (c.text + c.quote).lower()
    }  # fmt: skip
    assert expected and expected <= both


def test_create_api_key_prints_a_working_read_only_key_once(client, seed):
    import io
    import re

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_key", "Daily Planet", stdout=out)
    key = re.search(r"Authorization: (Api-Key \S+)", out.getvalue()).group(1)
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=key).status_code == 200
    refused = client.post("/api/v1/claims/", {}, content_type="application/json", HTTP_AUTHORIZATION=key)
    assert refused.status_code == 403  # read-only


def test_create_api_key_refuses_to_act_for_someone_outside_the_desk(seed, django_user_model):
    from django.core.management import CommandError, call_command

    django_user_model.objects.create_user("outsider", is_staff=True)
    with pytest.raises(CommandError, match="acts-as"):
        call_command("create_api_key", "Planet", "--acts-as", "outsider")


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
def test_an_unknown_api_path_is_a_json_404_even_with_debug_on(api, editor, seed, settings, debug):
    from tests.conftest import key_acting_for

    settings.DEBUG = debug
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    wrong_method = api.delete("/api/v1/claims/", HTTP_AUTHORIZATION=key_acting_for(editor, "writer"))
    assert wrong_method.status_code == 405 and "detail" in wrong_method.json()


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].endswith(".svg")


def _figure(**values) -> dict:
    return {"as_written": "5", "metric": "killed", "qualifier": "exact", "low": 5, "high": 5, **values}


def test_a_figure_refused_by_the_serializer_or_the_service_is_keyed_by_the_same_index(api, seed, editor):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    speaker = source("Muhannad Haimour").pk
    claims_before = Claim.objects.count()

    def refusal(second_figure):
        body = {"kind": "figure", "text": "Five were killed.", "speaker": speaker}
        body["figures"] = [_figure(), second_figure]
        response = api.post("/api/v1/claims/", body, content_type="application/json", **writer)
        assert response.status_code == 400
        return response.json()

    by_serializer = refusal(_figure(qualifier="roughly"))  # a shape DRF checks
    by_service = refusal(_figure(low=9))  # a rule the service checks (low above high)
    assert list(by_serializer["figures"]) == list(by_service["figures"]) == ["1"]
    assert "qualifier" in by_serializer["figures"]["1"]
    assert "low bound cannot be above" in str(by_service["figures"]["1"]["non_field_errors"])
    assert "Figure 2" not in str(by_service)  # no second count in the words
    assert Claim.objects.count() == claims_before  # nothing half-written


def test_a_rule_on_the_whole_request_is_under_non_field_errors_as_drf_gives_it(api, killed_500, editor):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    url = f"/api/v1/claims/{killed_500.pk}/evidence/"
    no_basis = api.post(url, {"stance": "supports", "note": "n"}, content_type="application/json", **writer)
    itself = {"stance": "supports", "note": "n", "evidence_claim": killed_500.pk}
    self_evidence = api.post(url, itself, content_type="application/json", **writer)
    for response in (no_basis, self_evidence):
        assert response.status_code == 400
        assert list(response.json()) == ["non_field_errors"] and "__all__" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
def test_a_wrong_method_on_the_schema_is_a_json_405(api, seed, settings, debug):
    settings.DEBUG = debug
    response = api.post("/api/schema/")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "POST" in response.json()["detail"]
    missing = api.get("/api/v1/claims/999999999/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "extra, where",
    [
        ({"appearances": [{"document_url": "https://x.invalid/"}]}, ["appearances"]),
        ({"verdict": "confirmed"}, ["verdict"]),
        ({"figures": [_figure(), _figure(qualifer="about")]}, ["figures", "1", "qualifer"]),
        (
            {"appearance": {"document_url": "https://x.invalid/", "excerpt": "x", "relayed_by": [{"rank": 2}]}},
            ["appearance", "relayed_by", "0", "rank"],
        ),
        ({"appearance": {"document_url": "https://x.invalid/", "excerpt": "x", "page": 3}}, ["appearance", "page"]),
    ],
    ids=["top level", "a read-only key", "inside a figure", "inside a relay", "inside the appearance"],
)
def test_an_unknown_body_key_is_a_400_naming_it_at_its_depth(api, seed, editor, extra, where):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    speaker = source("Muhannad Haimour").pk
    body = {"kind": "figure", "text": "Five were killed.", "speaker": speaker, "figures": [_figure()]}
    body.update(extra)
    claims_before = Claim.objects.count()
    response = api.post("/api/v1/claims/", body, content_type="application/json", **writer)
    assert response.status_code == 400, response.content
    errors = response.json()
    for key in where:
        errors = errors[key]
    assert "Unknown field" in errors[0] and "takes" in errors[0]
    assert Claim.objects.count() == claims_before


def test_an_unknown_key_and_a_bad_value_are_both_reported(api, seed, editor):
    from tests.conftest import key_acting_for

    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    body = {"kind": "statement", "text": "", "speaker": source("Muhannad Haimour").pk, "qoute": "x"}
    errors = api.post("/api/v1/claims/", body, content_type="application/json", **writer).json()
    assert set(errors) == {"text", "qoute"}


def test_publishing_takes_no_body_keys(api, killed_500, editor, reviewer):
    from claims import services
    from tests.conftest import key_acting_for

    verdict = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="r", reviewer=reviewer)
    writer = {"HTTP_AUTHORIZATION": key_acting_for(editor, "writer")}
    url = f"/api/v1/verdicts/{verdict.pk}/publish/"
    refused = api.post(url, {"status": "confirmed"}, content_type="application/json", **writer)
    assert refused.status_code == 400 and "takes no fields" in refused.json()["status"][0]
    verdict.refresh_from_db()
    assert verdict.published_at is None


def test_the_schema_says_request_bodies_take_only_their_properties(api, seed):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    bodies = {name: body for name, body in schema["components"]["schemas"].items() if name.endswith("InputRequest")}
    assert bodies and all(body.get("additionalProperties") is False for body in bodies.values())
