"""Static files come from the app itself (WhiteNoise) with DEBUG off: hashed names, gzip, cached for good."""

import re

from django.core.management import call_command
from django.test import Client

FOREVER = "max-age=315360000"


def test_static_files_are_served_hashed_compressed_and_cached_with_debug_off(db, settings, tmp_path):
    assert settings.DEBUG is False
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)
    client = Client()  # its handler starts WhiteNoise over what collectstatic just wrote

    page = client.get("/admin/login/").content.decode()
    stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the admin links its stylesheet by a hashed name"
    css = client.get(stylesheet.group(1), HTTP_ACCEPT_ENCODING="gzip")
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert css["Content-Encoding"] == "gzip" and FOREVER in css["Cache-Control"]
    assert b"".join(css.streaming_content)  # a body, not an empty file

    docs = client.get("/api/docs/").content.decode()
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', docs)
    assert scripts and all(client.get(src).status_code == 200 for src in scripts)


def test_an_unhashed_name_is_still_served_but_not_cached_for_good(db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", verbosity=0)
    plain = Client().get("/static/admin/css/base.css")
    assert plain.status_code == 200 and FOREVER not in plain.get("Cache-Control", "")


def test_before_collectstatic_pages_still_render_with_plain_names(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'href="/static/admin/css/base.css"' in page
    assert Client().get("/static/admin/css/base.css").status_code == 200


CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_one_gunicorn_process_serves_the_admin_with_its_css_in_chromium(tmp_path):
    """Production as documented: collectstatic, then gunicorn alone, DEBUG off. Chromium loads the
    login page and its stylesheet applies (the admin's header colour, from base.css)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    import pytest

    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER"):
            raise RuntimeError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    root = Path(__file__).resolve().parent.parent
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DEBUG", "HTTPS"))},
        "SECRET_KEY": "x" * 60, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp_path / "static"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }  # fmt: skip
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True, timeout=300)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True, timeout=300
    )
    gunicorn = Path(python).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"], cwd=root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
            )
            page = browser.new_page()
            failed = []
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.goto(f"http://127.0.0.1:{port}/admin/login/")
            header = page.locator("#header")
            background = header.evaluate("element => getComputedStyle(element).backgroundColor")
            stylesheets = page.evaluate("() => [...document.styleSheets].map(sheet => sheet.href).filter(Boolean)")
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        server.terminate()
        server.wait(timeout=10)
    assert failed == []
    assert any(re.search(r"/static/admin/css/base\.[0-9a-f]{12}\.css$", href) for href in stylesheets)
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # base.css gave the header its colour
