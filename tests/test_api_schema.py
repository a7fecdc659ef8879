"""The OpenAPI schema is valid, the docs are self-contained, and the API keeps to the schema."""

from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from claims.models import NewsroomKey
from config.wsgi import application

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

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


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


@pytest.fixture
def desk_key(db, django_user_model):
    """A key acting for an editor, so writes are exercised too, not only refused."""
    editor = django_user_model.objects.create_user("fuzz-editor", is_staff=True, is_superuser=True)
    _, key = NewsroomKey.objects.create_key(name="Fuzzing desk", acts_as=editor)
    return {"Authorization": f"Api-Key {key}"}


@pytest.fixture
def in_test_transaction():
    """Calls go straight to the WSGI app, past the test client: keep Django from closing the
    test's database connection at the end of each request, as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_to_the_schema_and_never_errors(case, desk_key, seed, in_test_transaction):
    case.call_and_validate(headers=desk_key, checks=RESPONSE_CHECKS)
