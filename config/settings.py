"""The one settings file. Every deployment difference comes from the environment.

DATABASE_URL    PostgreSQL (postgres://user@host:5432/name); unset or empty uses a SQLite file.
DATABASE_REPLICA_URL  a streaming replica of DATABASE_URL's server to read from (docs/scaling.md).
REPLICA_STICKY_SECONDS how long a browser that wrote keeps reading from the primary (15).
DISABLE_SERVER_SIDE_CURSORS "1" behind PgBouncer in transaction mode.
SECRET_KEY      required in production; the insecure default is flagged by `check --deploy`.
DEBUG           "1"/"true" for local development only.
ALLOWED_HOSTS   comma-separated host names.
HTTPS           "1" when served over HTTPS: SSL redirect, secure cookies, HSTS.
BEHIND_TLS_PROXY "1" when a proxy terminates TLS and sets X-Forwarded-Proto (and X-Forwarded-For).
CSP_REPORT_URI  where browsers report Content-Security-Policy violations (unset: nowhere).
CORS_ALLOWED_ORIGINS comma-separated origins (https://newsroom.example) whose pages may call /api/.
AXES_FAILURE_LIMIT, AXES_COOLOFF_MINUTES failed admin logins before a username is locked out from
                an address (5), and for how long (60).
CONN_HEALTH_CHECKS, DB_CONNECT_TIMEOUT, DB_STATEMENT_TIMEOUT_MS  how a dropped or silent database fails fast.
DATA_UPLOAD_MAX_MEMORY_SIZE, MAX_ARTICLE_CHARS  the largest request body (bytes) and article text (characters).
TASKS_BACKEND, WEBHOOK_*  how webhooks are queued, sent and retried (README, "Webhooks").
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-only"
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "review.site.DeskAdminConfig",  # django.contrib.admin with the desk's site (review/site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    "corsheaders",
    "csp",
    "simple_history",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "sources",
    "claims",
    "intake",
    "exchange",
    "api",
    "review",
    "webhooks",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # /static/ from the app: no separate file server
    "corsheaders.middleware.CorsMiddleware",  # before anything that answers on its own
    "csp.middleware.CSPMiddleware",
    "api.limits.PlainQueryStrings",  # a query string not UTF-8, or with NUL, is a 400 naming the parameter
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "api.newsroom.EntityTagConditions",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429 page
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# An empty DATABASE_URL counts as unset, so `DATABASE_URL= make test` runs on SQLite.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection the server dropped (a restart, a failover) is replaced when the next
        # request starts, instead of failing that request (scripts/load_fault.py).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
        # Needed behind PgBouncer in transaction mode (docs/scaling.md).
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS"),
    )
}
# A database that does not answer fails a request within seconds rather than holding a worker:
# DB_CONNECT_TIMEOUT (seconds, 5) bounds connecting, DB_STATEMENT_TIMEOUT_MS (unset: none)
# bounds each statement; set it below gunicorn's --timeout for web processes, not for migrate.
# Options in DATABASE_URL's query string win.
# TCP keepalives: a server that stops answering on an open connection (a host gone, a network
# cut) is noticed within DB_KEEPALIVE_SECONDS (30) instead of the kernel's two hours: probes
# start after a third of it idle, then three, a ninth of it apart.
KEEPALIVE = int(os.environ.get("DB_KEEPALIVE_SECONDS", "30"))
POSTGRES_OPTIONS = {
    "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
    "keepalives": 1,
    "keepalives_idle": max(1, KEEPALIVE // 3),
    "keepalives_interval": max(1, KEEPALIVE // 9),
    "keepalives_count": 3,
}
if os.environ.get("DB_STATEMENT_TIMEOUT_MS"):
    POSTGRES_OPTIONS["options"] = f"-c statement_timeout={int(os.environ['DB_STATEMENT_TIMEOUT_MS'])}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = POSTGRES_OPTIONS | DATABASES["default"].get("OPTIONS", {})
# Reads from a streaming replica, each caller still reading its own writes (config/replicas.py).
# Under test the replica is a mirror of the test database, so no second one is created.
REPLICA_STICKY_SECONDS = int(os.environ.get("REPLICA_STICKY_SECONDS", "15"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=DATABASES["default"]["CONN_HEALTH_CHECKS"],
        disable_server_side_cursors=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        test_options={"MIRROR": "default"},
    )
    DATABASES["replica"]["OPTIONS"] = POSTGRES_OPTIONS | DATABASES["replica"].get("OPTIONS", {})
    DATABASE_ROUTERS = ["config.replicas.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(0, "config.replicas.ReadYourWritesMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; older PBKDF2 hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Admin logins: a username is locked out from an address after AXES_FAILURE_LIMIT failures, for
# AXES_COOLOFF_MINUTES; a success clears the count. `manage.py axes_reset` unlocks everyone.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "60")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The two-person rule: an editor other than the proposer publishes a verdict. A one-person
# desk can relax it.
VERDICT_SELF_PUBLISH = env_bool("VERDICT_SELF_PUBLISH")

# The newsroom API. Anonymous reads of published data only when PUBLIC_API is on.
PUBLIC_API = env_bool("PUBLIC_API")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.newsroom.NewsroomKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.newsroom.ReadOrRole"],
    "DEFAULT_THROTTLE_CLASSES": ["api.newsroom.NewsroomKeyThrottle", "api.newsroom.PublicReadThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "newsroom_key": os.environ.get("API_KEY_RATE", "1200/min"),
        "public": os.environ.get("API_PUBLIC_RATE", "120/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.limits.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.openapi.ErrorResponsesSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.NamedFormats",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim tracker newsroom API",
    "DESCRIPTION": "Verification status of source-attributed claims, by claim, by article URL and as a change feed.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.Status",
        "ReviewedStatusEnum": "api.serializers.REVIEWED_STATUSES",
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "SourceKindEnum": "sources.models.SourceKind",
    },
}
# Who publishes the ClaimReview markup.
CLAIMREVIEW_PUBLISHER = os.environ.get("CLAIMREVIEW_PUBLISHER", "Claim tracker desk")
CLAIMREVIEW_PUBLISHER_URL = os.environ.get("CLAIMREVIEW_PUBLISHER_URL", "")
# Where this tracker is served, for absolute URLs made outside a request (exports).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# The public page of a fact-check, "{id}" standing for the claim's id; the API detail otherwise.
CLAIMREVIEW_URL = os.environ.get("CLAIMREVIEW_URL", "")
# The publisher the Fact Check Tools-compatible search names on every review (api/factcheck.py).
FACTCHECK_PUBLISHER_NAME = os.environ.get("FACTCHECK_PUBLISHER_NAME") or CLAIMREVIEW_PUBLISHER
FACTCHECK_PUBLISHER_SITE = (
    os.environ.get("FACTCHECK_PUBLISHER_SITE") or urlsplit(CLAIMREVIEW_PUBLISHER_URL or SITE_URL).hostname or ""
)

# Reverting from the history page would write around the services (a status, say).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Webhooks: delivered by Django's task API, stored in the database, run by `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks"],
    }
}
# Each request waits this long to connect, and again for the answer.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
# Retries: full jitter under a ceiling that doubles from BASE up to MAX, for FOR seconds, then given up.
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_RETRY_FOR_SECONDS = float(os.environ.get("WEBHOOK_RETRY_FOR_SECONDS", "86400"))
# How long a worker may hold a delivery it is sending before `sweep_webhooks` presumes it dead.
WEBHOOK_LEASE_SECONDS = float(os.environ.get("WEBHOOK_LEASE_SECONDS", "60"))
# How often each webhook_worker hands lost deliveries back to the queue (seconds).
WEBHOOK_SWEEP_SECONDS = float(os.environ.get("WEBHOOK_SWEEP_SECONDS", "60"))
# Networks webhooks may reach although private (webhooks/addresses.py): comma-separated CIDRs.
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS")
# --- end webhooks

# --- Limits on what a request may carry.
# A body over DATA_UPLOAD_MAX_MEMORY_SIZE bytes is refused with a 413 that names the limit. It must
# hold a pasted article of MAX_ARTICLE_CHARS in the admin's form encoding (up to 9 bytes a character).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
MAX_ARTICLE_CHARS = int(os.environ.get("MAX_ARTICLE_CHARS", "200000"))
# --- end limits

# Static files are served by the app (WhiteNoise), from what `collectstatic` put in STATIC_ROOT:
# each file's name carries a hash of its content, so it is cached for good, and a gzip copy is
# sent to browsers that take one. Before collectstatic has run (development, tests), names stay
# as they are and files come straight from the apps (config/static.py).
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.HashedStaticFiles"},
}
WHITENOISE_USE_FINDERS = True
# Before the first collectstatic there is no STATIC_ROOT yet, which is expected, not a warning.
warnings.filterwarnings("ignore", message=r"No directory at: .*", category=UserWarning)

# Served over HTTPS (HTTPS=1 in production): redirect to it, keep cookies on it, and send HSTS.
HTTPS = env_bool("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it: forms carry the token
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Every login would otherwise come from the proxy's address: a lockout would then hold the
    # username everywhere, so anyone could lock a desk member out. Count by the address the proxy saw.
    AXES_CLIENT_IP_CALLABLE = "api.newsroom.address_behind_proxy"

# What a page may load: only this site's own scripts, and never inside another site's frame.
# Styles may be inline (the status badges and the event chart set colours in `style`), scripts
# never: the admin and the API docs load theirs from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],  # the API docs' icons are data: URLs
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": HTTPS,
        "report-uri": os.environ.get("CSP_REPORT_URI") or None,
    }
}

# Newsroom pages on other origins may call the API from the browser with a key; no cookies are
# sent, so a desk member's session never answers another site's script.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]  # POST: keys that act for a desk member
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "if-match", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Location", "Retry-After"]
CORS_ALLOW_CREDENTIALS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
