"""What a request may carry: its size, its encoding, and no NUL characters.

PostgreSQL text holds neither NUL nor a lone surrogate, and an oversized or endlessly nested
body costs memory before any field is read. Each is refused here, or by the serializer field
that reads it, as a 4xx naming what was wrong, before it can become a database error.
"""

import json
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is over the limit of {limit:,} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."


class StrictJSONParser(JSONParser):
    """JSON in UTF-8, nested no deeper than Python can read: anything else is a 400, not a 500.

    DRF reads the body through `request.body`, so Django refuses one over
    DATA_UPLOAD_MAX_MEMORY_SIZE before this runs (the exception handler makes that a 413).
    Strings are left to the serializer fields, which refuse NUL and lone surrogates by name.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            text = stream.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid UTF-8 (byte {exc.start}): send JSON encoded as UTF-8.") from None
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def query_string_problem(raw: bytes) -> tuple[str, str] | None:
    """The first query parameter that is not UTF-8 text without NUL, as (name, why), or None.

    Django decodes a query string leniently, turning bytes that are not UTF-8 into U+FFFD, so
    `?q=%FF` would search for a replacement character: look at the bytes as sent instead.
    """
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        name, value = unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))
        label = name.decode("utf-8", errors="replace").replace("\x00", "") or "query"
        try:
            name.decode("utf-8"), value.decode("utf-8")
        except UnicodeDecodeError:
            return label, "Not valid UTF-8: percent-encode the value's UTF-8 bytes."
        if b"\x00" in name or b"\x00" in value:
            return label, "Null characters are not allowed."
    return None


def _as_sent(query_string: str) -> bytes:
    try:
        return query_string.encode("latin-1")  # WSGI gives each byte sent as one character
    except UnicodeEncodeError:
        return query_string.encode("utf-8", errors="surrogatepass")


class PlainQueryStrings:
    """Refuse a query string that is not UTF-8, or holds NUL, with a 400 naming the parameter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = query_string_problem(_as_sent(request.META.get("QUERY_STRING", "")))
        if problem is None:
            return self.get_response(request)
        name, message = problem
        if request.path.startswith("/api/"):
            return JsonResponse({name: [message]}, status=400)
        return HttpResponseBadRequest(f"{name}: {message}", content_type="text/plain; charset=utf-8")
