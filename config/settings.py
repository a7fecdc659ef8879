"""The one settings file. Every deployment difference comes from the environment.

DATABASE_URL    PostgreSQL (postgres://user@host:5432/name); unset or empty uses a SQLite file.
DATABASE_REPLICA_URL  a streaming replica of DATABASE_URL's server to read from (docs/scaling.md).
REPLICA_STICKY_SECONDS how long a browser that wrote keeps reading from the primary (15).
DISABLE_SERVER_SIDE_CURSORS "1" behind PgBouncer in transaction mode.
SECRET_KEY      required in production; the insecure default is flagged by `check --deploy`.
DEBUG           "1"/"true" for local development only.
ALLOWED_HOSTS   comma-separated host names.
HTTPS           "1" when served over HTTPS: SSL redirect, secure cookies, HSTS.
BEHIND_TLS_PROXY "1" when a proxy terminates TLS and sets X-Forwarded-Proto.
"""

import os
from pathlib import Path

import dj_database_url

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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
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
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "claims.newsroom.EntityTagConditions",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
        # Needed behind PgBouncer in transaction mode (docs/scaling.md).
        disable_server_side_cursors=env_bool("DISABLE_SERVER_SIDE_CURSORS"),
    )
}
# Reads from a streaming replica, each caller still reading its own writes (config/replicas.py).
# Under test the replica is a mirror of the test database, so no second one is created.
REPLICA_STICKY_SECONDS = int(os.environ.get("REPLICA_STICKY_SECONDS", "15"))
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        disable_server_side_cursors=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        test_options={"MIRROR": "default"},
    )
    DATABASE_ROUTERS = ["config.replicas.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(0, "config.replicas.ReadYourWritesMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 for new and changed passwords; older PBKDF2 hashes still verify and are upgraded at login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

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
        "claims.newsroom.NewsroomKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.newsroom.ReadOrRole"],
    "DEFAULT_THROTTLE_CLASSES": ["claims.newsroom.NewsroomKeyThrottle", "claims.newsroom.PublicReadThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "newsroom_key": os.environ.get("API_KEY_RATE", "1200/min"),
        "public": os.environ.get("API_PUBLIC_RATE", "120/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.views.exception_handler",
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
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.Status",
        "ReviewedStatusEnum": "claims.serializers.REVIEWED_STATUSES",
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

# Reverting from the history page would write around the services (a status, say).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Webhooks: delivered by Django's task API, stored in the database, run by `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks"],
    }
}
# --- end webhooks

# --- Limits on what a request may carry.
# --- end limits

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Served over HTTPS (HTTPS=1 in production): redirect to it, keep cookies on it, and send HSTS.
HTTPS = env_bool("HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
