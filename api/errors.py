"""How the API and the site refuse: the exception handler (a service's ValidationError as a 400
naming the field, 409, 412, 413, 503 for a database that is unreachable), Django's own error
views, and /healthz."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.defaults import bad_request as default_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.limits import too_large_message
from claims.services import NestedValidationError

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False, description="The claim's ETag as last read."
)
CLAIM_ID = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The claim's id.",
    examples=[OpenApiExample("A claim", 1)],
)
# Refusals because of what the claim has become since, not because of what was sent.

CONFLICT_CODES = {"already_published", "overtaken", "deleted"}

logger = logging.getLogger(__name__)


# SQLSTATEs of a lost or refused connection: connection exceptions, and the server shutting
# down, crashed or starting up. A statement timeout, a deadlock or a lock not granted are
# OperationalErrors too, but the database is there: those stay server errors.
UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: Exception) -> bool:
    if isinstance(exc, InterfaceError):  # a connection already closed
        return True
    if not isinstance(exc, OperationalError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(UNREACHABLE_SQLSTATES)


def exception_handler(exc, context):
    """Django's ValidationError from a service becomes a 400 naming the field; a stale version
    is a 412 and a change the claim's current state forbids a 409. A body over
    DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 naming the limit (Django's own answer is a bare 400)."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": too_large_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        errors = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
        codes = {e.code for messages in errors.values() for e in messages}
        request = context.get("request")
        body = as_sent(exc, getattr(request, "data", None))
        if "stale" in codes:
            return Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
        if codes & CONFLICT_CODES:
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if database_unreachable(exc):
        # The database is down or restarting (a failover): say so, and when to come back.
        logger.warning("Database unavailable: %s", exc)
        return Response(
            {"detail": "The database is unavailable; retry shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and request is not None and request.path.startswith("/api/"):
        # Every refusal under /api/ is JSON, whatever the view renders otherwise (the schema
        # view's own renderer would answer a 405 in YAML).
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
    return response


# Where a service names an input by its model field and the API takes it by another name.
SENT_NAMES = {"appearances": {"document": "document_url"}}
# A list the services take where the API takes one object: a claim's first appearance.
SENT_AS_ONE = {"appearances": "appearance"}


def _messages(errors: dict) -> dict:
    return {
        ("non_field_errors" if name == NON_FIELD_ERRORS else name): [m for e in items for m in e.messages]
        for name, items in errors.items()
    }


def as_sent(exc: DjangoValidationError, data) -> dict:
    """A service's refusal in the shape DRF gives its own: the field names as sent, a nested
    object's errors under its list index counted from 0 ({"figures": {"1": {"low": […]}}} is
    the second figure), and `non_field_errors` for what concerns the request as a whole."""
    if not isinstance(exc, NestedValidationError):
        return _messages(exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list})
    inner = as_sent(exc.refusal, None)
    renames = SENT_NAMES.get(exc.field, {})
    inner = {renames.get(name, name): messages for name, messages in inner.items()}
    one = SENT_AS_ONE.get(exc.field)
    if one and isinstance(data, dict) and exc.field not in data and one in data and exc.index == 0:
        return {one: inner}
    return {exc.field: {str(exc.index): inner}}


def healthz(request):
    """For load balancers and monitors: 200 when the database answers, 503 when it does not.
    One round trip, no login, no throttle, no session."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request, exception=None):
    """Django's own refusals, before any view: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413
    naming the limit, and under /api/ every refusal is JSON."""
    too_large = isinstance(exception, RequestDataTooBig)
    message = too_large_message() if too_large else "Bad request."
    code = 413 if too_large else 400
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=code)
    if too_large:
        return HttpResponse(message, status=code, content_type="text/plain; charset=utf-8")
    return default_bad_request(request, exception)


def not_found(request, exception=None):
    """JSON 404s under /api/, so no caller of the API ever gets an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


@csrf_exempt  # it answers nothing but a 404: a POST to no endpoint gets that, not a CSRF page
def not_found_json(request, *args, **kwargs):
    """A path under /api/ that names no endpoint."""
    return JsonResponse({"detail": "Not found: no API endpoint at this path."}, status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return default_server_error(request)
