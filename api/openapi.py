"""The API schema's error responses, documented once for every operation that can return them.

What each status means is what api.errors.exception_handler and api.limits send: a 4xx
other than a field refusal is `Error` ({"detail": "…"}); a refusal of the input, a stale
version and a conflict are `FieldErrors`, keyed by the field they concern.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse

ERROR_SCHEMA = {
    "type": "object",
    "description": "One message about the request as a whole.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": (
        "What was refused, by field: each field's name with its messages, nested as the input nests "
        '({"figures": {"0": {"low": ["…"]}}}). `non_field_errors` concerns the request as a whole; '
        "`detail` alone means the body could not be read as JSON."
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
}
COMPONENTS = {"Error": ERROR_SCHEMA, "FieldErrors": FIELD_ERRORS_SCHEMA}


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse({"$ref": "#/components/schemas/Error"}, description=description)


def field_errors(description: str) -> OpenApiResponse:
    return OpenApiResponse({"$ref": "#/components/schemas/FieldErrors"}, description=description)


BAD_INPUT = field_errors(
    "Refused input, named by field: a body or query parameter that is not valid, or a rule the change would break."
)
UNAUTHENTICATED = error("No credentials, or an API key that is unknown, revoked or expired.")
FORBIDDEN = error("Not allowed for these credentials: a read-only newsroom key writing, or a role without the right.")
NOT_FOUND = error("Nothing is recorded under this id or URL.")
CONFLICT = field_errors(
    "The current state forbids it: the claim was deleted meanwhile, the verdict was published already, "
    "or a newer one was proposed."
)
STALE = field_errors("If-Match does not name the claim's current version: it changed since you read it.")
TOO_LARGE = error("The body is over the size limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default).")
NOT_JSON = error("The body is not sent as application/json.")
UNKNOWN_FORMAT = error("`format` names no format this endpoint answers in; the message lists the ones it does.")
THROTTLED = error("Too many requests for this key or address; Retry-After says when to try again.")


class ErrorResponsesSchema(AutoSchema):
    """Adds the error responses an operation can give to those its view declares.

        Every operation refuses bad query strings (400), missing or bad credentials (401), callers
        without the right (403) and callers over their rate (429); one with more than one format
    refuses an unknown `?format=` (406); one with an id in its path
        answers 404 for an unknown id; one with a body refuses it as too large (413) or not JSON
        (415); one that takes If-Match answers 412 when it is stale. Anything else an operation
        returns (a 409, a 404 found by URL) its view declares with @extend_schema.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for name, schema in COMPONENTS.items():
            self.registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            )
        for code, response in self._error_responses().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return dict(sorted(responses.items()))

    def _error_responses(self) -> dict[int, OpenApiResponse]:
        view = self.view
        errors = {400: BAD_INPUT}
        if view.get_authenticators():
            errors[401] = UNAUTHENTICATED
        if view.get_permissions():
            errors[403] = FORBIDDEN
        if "{" in self.path:
            errors[404] = NOT_FOUND
        if any(getattr(p, "name", None) == "If-Match" for p in self.get_override_parameters()):
            errors[412] = STALE
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            errors[413] = TOO_LARGE
            errors[415] = NOT_JSON
        if len(view.get_renderers()) > 1:  # it takes ?format= (api.negotiation.NamedFormats)
            errors[406] = UNKNOWN_FORMAT
        if view.get_throttles():
            errors[429] = THROTTLED
        return errors
