"""Who may call the newsroom API, and how often.

Newsrooms send `Authorization: Api-Key <key>`; keys are read-only unless they act for a desk
member. Reviewers and editors may also use their admin session. Anonymous callers get 401,
unless PUBLIC_API opens read access to published data.
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions, throttling
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.models import ThrottleCount
from claims.models import NewsroomKey
from claims.roles import is_desk_member

KEYWORD = "Api-Key"


class NewsroomClient(AnonymousUser):
    """The caller behind a read-only newsroom key: known, but no desk member."""

    def __init__(self, key: NewsroomKey):
        super().__init__()
        self.key = key

    @property
    def is_authenticated(self):
        return True

    def __str__(self):
        return f"newsroom {self.key.name}"


class NewsroomKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        scheme, _, key = get_authorization_header(request).decode("latin-1").partition(" ")
        if scheme != KEYWORD:
            if scheme:  # Bearer, Token, Basic: a key sent the way another API wants it
                raise exceptions.AuthenticationFailed(
                    f"Send the key as `Authorization: {KEYWORD} <key>`; this API does not take {scheme[:20]!r}."
                )
            return None
        key = key.strip()
        if not (key.isascii() and key.isprintable()):  # no key holds them, and NUL cannot reach the database
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        try:
            api_key = NewsroomKey.objects.get_from_key(key)
        except NewsroomKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        user = api_key.acts_as if api_key.acts_as_id and api_key.acts_as.is_active else NewsroomClient(api_key)
        return user, api_key

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class NewsroomKeyScheme(OpenApiAuthenticationExtension):
    target_class = NewsroomKeyAuthentication
    name = "NewsroomKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{KEYWORD} <key>`, a key the desk created for your newsroom in the admin.",
        }


class ReadOrRole(permissions.BasePermission):
    """Reads: a newsroom key, a desk member's session, or anyone when PUBLIC_API is on.
    Writes: a desk member (directly or through a key acting for one) with the view's permission."""

    message = "This needs a newsroom API key or a desk member's login."

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            # Refused anonymous callers get 401 with the Api-Key challenge; others get 403.
            return settings.PUBLIC_API or isinstance(request.auth, NewsroomKey) or is_desk_member(request.user)
        if not is_desk_member(request.user):
            self.message = "Writes need a desk member's role; a newsroom key is read-only."
            return False
        needed = getattr(view, "write_permissions", {}).get(getattr(view, "action", None), ())
        if not request.user.has_perms(needed):
            self.message = "Your role does not allow this."
            return False
        return True


class SharedCountThrottle(throttling.SimpleRateThrottle):
    """A rate per caller, counted in the database (ThrottleCount) so that every worker and
    every server sees one count: one statement a request. A window opens at the caller's first
    request; past the rate, the answer is 429 until it closes (Retry-After)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        hits, self.started = ThrottleCount.hit(self.key, self.now, self.duration)
        return hits <= self.num_requests

    def wait(self):
        return max(0.0, self.started + self.duration - self.now)


class NewsroomKeyThrottle(SharedCountThrottle):
    """Requests per key, whichever newsroom holds it."""

    scope = "newsroom_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, NewsroomKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return None


class PublicReadThrottle(SharedCountThrottle, throttling.AnonRateThrottle):
    """Anonymous reads (PUBLIC_API), per address: DRF's key for them, counted in the shared table."""

    scope = "public"


def address_behind_proxy(request) -> str | None:
    """The caller's address as the TLS proxy saw it: the last X-Forwarded-For entry, the one the
    proxy appended (earlier entries come from the caller and prove nothing)."""
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    return forwarded[-1] or request.META.get("REMOTE_ADDR")


def allowed_query_parameters(view) -> set[str]:
    """The query parameters a view understands: its filters, ordering and cursor on lists,
    what an APIView declares in `query_parameters`, and `format` everywhere."""
    allowed = {"format", *getattr(view, "query_parameters", ())}
    action = getattr(view, "action", None)
    if action == "list" or action in getattr(view, "paginated_actions", ()):
        paginator = getattr(view, "paginator", None)
        if paginator is not None:
            allowed |= {getattr(paginator, "cursor_query_param", "cursor"), paginator.page_size_query_param}
    if action == "list":
        filterset = getattr(view, "filterset_class", None)
        allowed |= set(filterset.base_filters) if filterset else set()
        if getattr(view, "ordering_fields", None):
            allowed.add("ordering")
    return allowed


class VaryOnCaller:
    """API views answer differently per caller: caches must key on the credentials too, and
    only the caller's own cache may keep a read, asking again (with its ETag) before each use.
    A query parameter the view does not understand is a 400 naming it (`?stauts=` would
    otherwise answer as if no filter was given)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - allowed_query_parameters(self))
        if unknown:
            known = ", ".join(sorted(allowed_query_parameters(self) - {"format"})) or "none"
            raise exceptions.ValidationError(
                {name: [f"Unknown parameter. This endpoint takes: {known}."] for name in unknown}
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


class EntityTagConditions:
    """Under /api/, conditional GETs are answered from the ETag alone.

    Last-Modified is sent for information, but a change within the same second, or to
    something shown in the body that has a time of its own (a source, a document), would not
    move it: so If-Modified-Since is not trusted to answer 304 here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            request.META.pop("HTTP_IF_MODIFIED_SINCE", None)
        return self.get_response(request)
