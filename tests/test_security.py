"""Production hardening: the deploy check, response headers and CSP, admin login lockout,
hashed API keys, and CORS on the API only."""

import hashlib
import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.templatetags.static import static
from django.urls import reverse

from claims.models import NewsroomKey

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "0",
    "HTTPS": "1",
    "BEHIND_TLS_PROXY": "1",
    "ALLOWED_HOSTS": "claims.example.org",
}


def run_in_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with the documented production environment."""
    inherited = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "BEHIND_TLS_PROXY"}}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=inherited | PRODUCTION | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("proxy", ["1", "0"], ids=["behind a TLS proxy", "serving TLS itself"])
def test_deploy_check_is_clean_in_the_production_environment(proxy):
    result = run_in_production("manage.py", "check", "--deploy", "--fail-level", "DEBUG", BEHIND_TLS_PROXY=proxy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr


# Requests made through Django's test client in a process configured for production: no
# database is touched (the login page, the docs and a refused API read need none).
PRODUCTION_HEADERS = """
import json, django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="claims.example.org")
answers = {}
for path in ["/admin/login/", "/api/docs/", "/api/v1/claims/"]:
    response = client.get(path, HTTP_X_FORWARDED_PROTO="https")
    answers[path] = {"status": response.status_code, **{k.lower(): v for k, v in response.items()}}
plain = client.get("/admin/login/")
answers["plain http"] = {"status": plain.status_code, "location": plain.get("Location")}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production_answers():
    result = run_in_production("-c", PRODUCTION_HEADERS, DATABASE_URL="sqlite://:memory:")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/v1/claims/"])
def test_production_responses_carry_the_security_headers(production_answers, path):
    headers = production_answers[path]
    assert headers["status"] == (401 if path.startswith("/api/v1/") else 200)
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    policy = csp(headers["content-security-policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "upgrade-insecure-requests" in policy


def test_production_redirects_plain_http_to_https(production_answers):
    assert production_answers["plain http"] == {"status": 301, "location": "https://claims.example.org/admin/login/"}


def csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/v1/claims/", "/api/schema/"])
def test_every_response_gets_the_content_security_policy(client, db, path):
    response = client.get(path)
    policy = csp(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # plain HTTP in development: no HSTS


class ScriptsAndHandlers(HTMLParser):
    """Everything in a page that script-src 'self' would block or let through."""

    def __init__(self):
        super().__init__()
        self.inline_scripts, self.script_sources, self.handlers, self._in_inline = [], [], [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.handlers += [f"<{tag} {name}>" for name, v in attrs if (v or "").strip().lower().startswith("javascript:")]
        if tag == "script":
            if attributes.get("src"):
                self.script_sources.append(attributes["src"])
            elif attributes.get("type") not in ("application/json", "application/ld+json"):
                self._in_inline = True  # a JSON data block is not run, so CSP leaves it alone

    def handle_data(self, data):
        if self._in_inline and data.strip():
            self.inline_scripts.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline = False


def blocked_by_the_policy(html: str) -> list[str]:
    page = ScriptsAndHandlers()
    page.feed(html)
    foreign = [src for src in page.script_sources if not src.startswith("/") or src.startswith("//")]
    return page.inline_scripts + page.handlers + [f"script from {src}" for src in foreign]


def admin_pages(claim) -> list[str]:
    """Every list, add and change page of the admin, and the desk's own pages."""
    pages = ["/admin/", "/admin/password_change/"]
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages += [reverse(f"admin:{info[0]}_{info[1]}_changelist"), reverse(f"admin:{info[0]}_{info[1]}_add")]
        sample = model._default_manager.order_by("pk").first()
        if sample is not None:
            pages.append(reverse(f"admin:{info[0]}_{info[1]}_change", args=[sample.pk]))
    document = claim.appearances.first().document
    pages += [
        reverse("admin:claims_claim_propose_verdict", args=[claim.pk]),
        reverse("admin:claims_claim_import_csv"),
        reverse("admin:sources_document_import"),
        reverse("admin:sources_document_candidates", args=[document.pk]),
        reverse("admin:claims_event_change", args=[claim.event_id]),  # the server-drawn chart
    ]
    return pages


def test_the_policy_blocks_nothing_the_admin_needs(admin_client, killed_500):
    """Each admin page loads its scripts from this site and runs none inline, so script-src
    'self' leaves it working (its inline styles are allowed by style-src)."""
    checked = 0
    for path in admin_pages(killed_500):
        response = admin_client.get(path)
        if response.status_code == 403:
            continue  # pages nobody may open (a verdict cannot be added by hand)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert blocked_by_the_policy(response.content.decode()) == [], path
        checked += 1
    assert checked > 30


def test_the_api_docs_run_under_the_policy(client, db):
    page = client.get("/api/docs/")
    assert blocked_by_the_policy(page.content.decode()) == []
    scripts = ScriptsAndHandlers()
    scripts.feed(page.content.decode())
    for src in scripts.script_sources:
        if src.startswith(static("")):
            assert finders.find(src.removeprefix(static(""))), src  # served by the web server, not Django
            continue
        loaded = client.get(src)
        assert loaded.status_code == 200, src
        assert loaded["Content-Type"] == "application/javascript", src


def test_the_api_docs_load_swagger_from_this_site(client, db):
    page = client.get("/api/docs/")
    scripts = ScriptsAndHandlers()
    scripts.feed(page.content.decode())
    assert [src for src in scripts.script_sources if "swagger-ui" in src] == [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
    ]
    # Swagger UI's settings are in the page or, served split, in its start-up script.
    start_up = [client.get(src).content.decode() for src in scripts.script_sources if not src.startswith(static(""))]
    settings_shown = "\n".join([page.content.decode(), *start_up])
    assert '"validatorUrl": null' in settings_shown  # the schema's address is not sent to swagger.io


# Admin logins: django-axes


PASSWORD = "correct horse battery staple"


@pytest.fixture
def desk_member(django_user_model):
    return django_user_model.objects.create_user("rita", password=PASSWORD, is_staff=True, is_superuser=True)


def log_in(client, username: str, password: str, address: str = "203.0.113.7", **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def test_the_correct_password_is_refused_after_too_many_failures(client, desk_member, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        refused = log_in(client, "rita", "wrong")
        assert refused.status_code == 200
        assert "Please enter the correct username and password" in refused.content.decode()
    locked = log_in(client, "rita", "wrong")
    assert locked.status_code == 429
    assert "Account locked: too many login attempts" in locked.content.decode()

    correct = log_in(client, "rita", PASSWORD)
    assert correct.status_code == 429
    assert "Account locked" in correct.content.decode()
    assert client.get("/admin/").status_code == 302  # not logged in


def test_a_lockout_holds_one_username_at_one_address(client, desk_member, django_user_model, settings):
    django_user_model.objects.create_user("eddie", password=PASSWORD, is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rita", "wrong")
    assert log_in(client, "rita", PASSWORD).status_code == 429

    other_user = log_in(client, "eddie", PASSWORD)
    assert other_user.status_code == 302 and other_user["Location"] == "/admin/"
    client.logout()
    other_address = log_in(client, "rita", PASSWORD, address="198.51.100.20")
    assert other_address.status_code == 302 and other_address["Location"] == "/admin/"


def test_a_success_before_the_limit_clears_the_count(client, desk_member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rita", "wrong")
    assert log_in(client, "rita", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rita", "wrong")
    assert log_in(client, "rita", PASSWORD).status_code == 302


def test_a_lockout_shows_in_the_admin_without_the_password(client, desk_member, django_user_model, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rita", "the-guess-123")
    attempt = AccessAttempt.objects.get(username="rita")
    assert attempt.ip_address == "203.0.113.7" and attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert "the-guess-123" not in attempt.post_data

    superuser = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listing = client.get("/admin/axes/accessattempt/?locked_out=yes")
    assert listing.status_code == 200
    assert "rita" in listing.content.decode() and "Locked Out" in listing.content.decode()


def test_axes_reset_unlocks(client, desk_member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rita", "wrong")
    assert log_in(client, "rita", PASSWORD).status_code == 429
    call_command("axes_reset", stdout=StringIO())
    assert log_in(client, "rita", PASSWORD).status_code == 302
    assert AccessLog.objects.filter(username="rita", ip_address="203.0.113.7").exists()


def test_behind_the_proxy_a_forged_forwarded_address_does_not_escape_a_lockout(client, desk_member, settings):
    settings.AXES_CLIENT_IP_CALLABLE = "api.newsroom.address_behind_proxy"
    proxy = "10.0.0.2"
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The caller forges the first entry; the proxy appends the address it saw.
        log_in(client, "rita", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
    forged = log_in(client, "rita", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7")
    assert forged.status_code == 429
    elsewhere = log_in(client, "rita", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert elsewhere.status_code == 302  # another desk behind the same proxy is not locked out
    assert AccessAttempt.objects.get(username="rita").ip_address == "203.0.113.7"


def test_the_lockout_limit_and_cool_off_come_from_the_environment():
    show = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    )
    result = run_in_production("-c", show, AXES_FAILURE_LIMIT="3", AXES_COOLOFF_MINUTES="15")
    assert result.stdout.split() == ["3", "900.0"], result.stderr


# API keys


def test_a_stored_key_holds_no_usable_secret(db):
    key_object, key = NewsroomKey.objects.create_key(name="Daily Planet")
    prefix, secret = key.split(".")
    row = NewsroomKey.objects.filter(pk=key_object.pk).values().get()
    assert row["prefix"] == prefix
    assert not any(secret in str(value) for value in row.values())
    assert row["hashed_key"] == "sha512$$" + hashlib.sha512(key.encode()).hexdigest()


def test_a_wrong_secret_with_a_real_prefix_is_refused(client, killed_500, newsroom_key):
    _, headers = newsroom_key
    real = headers["HTTP_AUTHORIZATION"].removeprefix("Api-Key ")
    prefix, secret = real.split(".")
    guesses = [
        f"{prefix}.{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",
        f"{prefix}.",
        prefix,
        f"{prefix}.{secret}x",
    ]
    for guess in guesses:
        response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Api-Key {guess}")
        assert response.status_code == 401, guess
        assert response.json() == {"detail": "Unknown or revoked API key."}
    assert client.get("/api/v1/claims/", **headers).status_code == 200


def test_keys_are_compared_in_constant_time(client, killed_500, newsroom_key, monkeypatch):
    from rest_framework_api_key import crypto

    compared = []
    real_compare = crypto.constant_time_compare

    def spy(left, right):
        compared.append((left, right))
        return real_compare(left, right)

    monkeypatch.setattr(crypto, "constant_time_compare", spy)
    key_object, headers = newsroom_key
    prefix = headers["HTTP_AUTHORIZATION"].split()[1].split(".")[0]
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Api-Key {prefix}.guess").status_code == 401
    assert client.get("/api/v1/claims/", **headers).status_code == 200
    assert len(compared) == 2
    assert all(stored == key_object.hashed_key for stored, _ in compared)


# CORS

NEWSROOM_ORIGIN = "https://newsroom.example"


@pytest.fixture
def cors_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [NEWSROOM_ORIGIN]
    return NEWSROOM_ORIGIN


def preflight(client, path: str, origin: str, method: str = "GET"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, if-none-match",
    )


def test_a_configured_origin_may_call_the_api_with_a_key(client, killed_500, newsroom_key, cors_origin):
    response = preflight(client, "/api/v1/claims/", cors_origin)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == cors_origin
    assert {"authorization", "if-none-match", "if-match"} <= set(response["Access-Control-Allow-Headers"].split(", "))
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "Access-Control-Allow-Credentials" not in response

    read = client.get(f"/api/v1/claims/{killed_500.pk}/", HTTP_ORIGIN=cors_origin, **newsroom_key[1])
    assert read.status_code == 200
    assert read["Access-Control-Allow-Origin"] == cors_origin
    assert {"ETag", "Last-Modified"} <= set(read["Access-Control-Expose-Headers"].split(", "))
    assert "origin" in read["Vary"].lower()


def test_an_unknown_origin_gets_no_cors_grant(client, killed_500, newsroom_key, cors_origin):
    for origin in ("https://evil.example", "http://newsroom.example", "https://newsroom.example.evil.example"):
        assert "Access-Control-Allow-Origin" not in preflight(client, "/api/v1/claims/", origin)
        read = client.get("/api/v1/claims/", HTTP_ORIGIN=origin, **newsroom_key[1])
        assert read.status_code == 200 and "Access-Control-Allow-Origin" not in read


def test_no_origin_is_allowed_unless_configured(client, killed_500, newsroom_key):
    assert os.environ.get("CORS_ALLOWED_ORIGINS") is None, "the suite expects the default: none"
    response = preflight(client, "/api/v1/claims/", NEWSROOM_ORIGIN)
    assert "Access-Control-Allow-Origin" not in response


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/claims/claim/", "/healthz"])
def test_admin_pages_never_get_cors_headers(client, db, cors_origin, path):
    for response in (preflight(client, path, cors_origin, "POST"), client.get(path, HTTP_ORIGIN=cors_origin)):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], path
