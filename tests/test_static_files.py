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
