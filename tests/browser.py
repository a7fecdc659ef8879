"""What the browser tests share: Debian's Chromium driven by Playwright, skipped (or, with
REQUIRE_BROWSER, failing) where it is missing. Import it at the top of a browser test module."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", Path(__file__).resolve().parent.parent / "test-results"))
PASSWORD = "correct-horse-battery-42"

if not Path(CHROMIUM).exists():
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing: apt-get install chromium")
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module", name="browser")
def chromium_browser():
    # Playwright's sync API runs an event loop in this thread; the ORM calls in these tests are
    # plain synchronous ones, so let Django allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
