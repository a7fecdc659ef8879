import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "HTTPS"}} | env
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


ENGINE = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup(); " \
    "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"  # fmt: skip


@pytest.mark.parametrize("env", [{}, {"DATABASE_URL": ""}])
def test_an_unset_or_empty_database_url_uses_sqlite(env):
    assert run("-c", ENGINE, **env).stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql():
    result = run("-c", ENGINE, DATABASE_URL="postgres://postgres@127.0.0.1:5432/claims")
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_deploy_check_flags_the_development_secret_key():
    result = run("manage.py", "check", "--deploy", ALLOWED_HOSTS="claims.example.org", HTTPS="1")
    assert "security.W009" in result.stderr + result.stdout


def test_passwords_are_hashed_with_argon2(django_user_model):
    user = django_user_model.objects.create_user("pat", password="a long desk passphrase")
    assert user.password.startswith("argon2$")
    assert user.check_password("a long desk passphrase")


def test_healthz_answers_without_a_login_and_checks_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_says_unavailable_when_the_database_is_down(client, db, monkeypatch):
    from django.db import OperationalError

    class DatabaseDown:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("api.errors.connection", DatabaseDown())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "OperationalError"}


def test_healthz_is_exempt_from_the_https_redirect(client, db, settings):
    from django.conf import settings as live

    assert "^healthz$" in live.SECURE_REDIRECT_EXEMPT
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/admin/login/").status_code == 301  # the rest still goes to HTTPS
