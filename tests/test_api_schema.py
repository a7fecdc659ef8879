"""The OpenAPI schema is valid, the docs are self-contained, and the API keeps to the schema.

Schemathesis calls every operation with cases generated from the served schema, valid and
not, as a read-only newsroom key and as an editor's key (so writes go through, not only their
refusals): never a server error, and every status code, content type, header and body as the
schema documents it, errors included. The last test holds the run to at least a thousand cases.
"""

from collections import Counter
from io import StringIO

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims import services
from claims.models import Claim, NewsroomKey
from config.wsgi import application
from tests.conftest import desk_member, key_acting_for

# The response checks: no server error, and status codes, content types, headers and bodies as
# the schema says. Left out are the checks that judge requests by the schema alone: here
# schema-valid is not always acceptable, by design (an opaque cursor, an unknown id, a verdict
# the rules refuse is a 400/404 with the reason), and an empty query value (`?status=`) means
# "not given", as in most APIs. Bad values are refused, as tests/test_api_claims.py checks.
RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MIN_CASES = 1000
# Fuzzed cases per operation and caller; schemathesis adds its deterministic coverage cases.
FUZZ = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same cases on every run, so a failure in CI reproduces locally
    database=None,
    suppress_health_check=list(HealthCheck),
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
OPERATIONS = {result.ok().label for result in schema.get_all_operations()}
CALLERS = ("newsroom", "editor")
cases = Counter()  # (caller, operation) -> cases sent
statuses = Counter()  # (caller, operation, status class) -> responses to the operation's own method

# A random id is almost never a row's, nor a random URL a recorded document's: in half the
# cases generated, ids are replaced by recent rows' and a new claim's appearance is left out, so
# reads find something and writes get past their lookups to the rules, the database and back.
MODEL_OF_PATH = {
    "claims": "claims.Claim",
    "verdicts": "claims.Verdict",
    "events": "claims.Event",
    "sources": "sources.Source",
    "documents": "sources.Document",
}
MODEL_OF_FIELD = {
    "speaker": "sources.Source",
    "source": "sources.Source",
    "event": "claims.Event",
    "document": "sources.Document",
    "evidence_claim": "claims.Claim",
    "superseded_by": "claims.Claim",
}


def recent_ids(label: str) -> list[int]:
    return list(apps.get_model(label).objects.order_by("-pk").values_list("pk", flat=True)[:40]) or [1]


@st.composite
def findable(draw, values, models: dict[str, str]):
    if not isinstance(values, dict) or not draw(st.booleans()):
        return values
    found = {
        name: draw(st.sampled_from(recent_ids(models[name])))
        for name, value in values.items()
        if name in models and (type(value) is int or (isinstance(value, str) and value.isdigit()))
    }
    values = {**values, **found}
    if isinstance(values.get("figures"), list):  # supersedes: a figure of the same speaker and metric
        values["figures"] = [{k: v for k, v in f.items() if k != "supersedes"} if isinstance(f, dict) else f
                             for f in values["figures"]]  # fmt: skip
    values.pop("appearance", None)
    return values


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    resource = context.operation.path.removeprefix("/api/v1/").split("/")[0]
    return findable(path_parameters, {"id": MODEL_OF_PATH[resource]} if resource in MODEL_OF_PATH else {})


@schema.hook
def flatmap_body(context, body):
    return findable(body, MODEL_OF_FIELD)


def test_the_schema_is_valid_openapi():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()


def test_the_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page and "https://" not in page.replace("https://schema.org", "")


def test_every_operation_documents_the_errors_it_can_return(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= codes, (method, path)
            assert ("404" in codes) == ("{id}" in path or path.endswith("/lookup/")), (method, path)
            assert ("412" in codes) == any(p["name"] == "If-Match" for p in operation.get("parameters", []))
            assert ({"413", "415"} <= codes) == ("requestBody" in operation), (method, path)
    assert set(paths["/api/v1/verdicts/{id}/publish/"]["post"]["responses"]) >= {"409", "412"}


@pytest.fixture
def newsroom_key_headers(db):
    _, key = NewsroomKey.objects.create_key(name="Fuzzing newsroom")
    return {"Authorization": f"Api-Key {key}"}


@pytest.fixture
def editor_key_headers(seed):
    """A key acting for an editor, so writes are exercised, not only refused; with verdicts a
    reviewer proposed waiting, so publishing can succeed too (an editor cannot publish their own)."""
    reviewer = desk_member("fuzz-reviewer", "Reviewer")
    for claim in Claim.objects.order_by("pk")[:10]:
        services.propose_verdict(claim=claim, status="unconfirmed", rationale="Not yet confirmed.", reviewer=reviewer)
    return {"Authorization": key_acting_for(desk_member("fuzz-editor", "Editor"), "Fuzzing desk")}


@pytest.fixture
def in_test_transaction():
    """Calls go straight to the WSGI app, past the test client: keep Django from closing the
    test's database connection at the end of each request, as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(case, caller: str, headers: dict) -> None:
    cases[caller, case.operation.label] += 1
    response = case.call(headers=headers)
    if case.method.upper() == case.operation.method.upper():  # not a probe with another method
        statuses[caller, case.operation.label, f"{response.status_code // 100}xx"] += 1
    case.validate_response(response, checks=RESPONSE_CHECKS)


@schema.parametrize()
@FUZZ
def test_a_newsroom_key_gets_what_the_schema_says(case, newsroom_key_headers, seed, in_test_transaction):
    call(case, "newsroom", newsroom_key_headers)


@schema.parametrize()
@FUZZ
def test_an_editors_key_gets_what_the_schema_says(case, editor_key_headers, in_test_transaction):
    call(case, "editor", editor_key_headers)


def test_the_fuzzing_sent_at_least_a_thousand_cases_to_every_operation():
    fuzzed = {caller for caller, _ in cases}
    if fuzzed != set(CALLERS) or {operation for _, operation in cases} != OPERATIONS:
        pytest.skip("Only with the whole of this file: the fuzzing tests above count the cases.")
    lines = [
        f"{caller:8} {operation:40} {cases[caller, operation]:4} cases  "
        + " ".join(f"{cls}:{statuses[caller, operation, cls]}" for cls in ("2xx", "4xx", "5xx"))
        for caller in CALLERS
        for operation in sorted(OPERATIONS)
    ]
    total = sum(cases.values())
    print("\n".join([*lines, f"{total} cases in all"]))
    assert total >= MIN_CASES, f"{total} cases, fewer than {MIN_CASES}"
    assert all(cases[caller, operation] for caller in CALLERS for operation in OPERATIONS)
    writes = [op for op in OPERATIONS if op.startswith("POST") and op != "POST /api/v1/match/"]  # match reads
    assert not any(statuses["newsroom", op, "2xx"] for op in writes), "a read-only key wrote"
    # An editor's writes go through too, not only their refusals: the state changes are fuzzed.
    assert all(statuses["editor", op, "2xx"] for op in writes), {op: statuses["editor", op, "2xx"] for op in writes}
