"""The desk's forms and queue in a real browser: what is being picked is plain, and the queue
fits a phone. Playwright driving the system Chromium against live_server."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from claims.models import Claim, Evidence
from claims.roles import sync_desk_groups
from tests.browser import OUTPUT, PASSWORD, chromium_browser, expect  # noqa: F401  (the browser fixture)


@pytest.fixture
def desk(live_server, transactional_db):
    call_command("load_seed", stdout=StringIO())
    sync_desk_groups(apps)
    rita = get_user_model().objects.create_user("rita", password=PASSWORD, is_staff=True)
    rita.groups.add(Group.objects.get(name="Reviewer"))
    return rita


def new_page(browser, live_server, width=1400, height=1000):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser, live_server)
    yield page
    page.context.close()


def screenshot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def log_in(page) -> None:
    page.goto("/admin/login/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def claim_500() -> Claim:
    return Claim.objects.get(text__startswith="Islamic State militants killed at least 500")


def test_new_evidence_shows_only_the_box_for_what_was_chosen(desk, page):
    log_in(page)
    claim = claim_500()
    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    page.click("text=Add another New evidence")
    row = "#evidence-2-0"
    for box in ("evidence_claim", "document", "source"):
        expect(page.locator(f"{row} .field-{box}")).to_be_hidden()
    page.check(f"{row} .field-basis input[value=statement]")
    expect(page.locator(f"{row} .field-source")).to_be_visible()
    expect(page.locator(f"{row} .field-evidence_claim")).to_be_hidden()
    page.check(f"{row} .field-basis input[value=claim]")
    expect(page.locator(f"{row} .field-evidence_claim")).to_be_visible()
    expect(page.locator(f"{row} .field-evidence_claim label")).to_have_text(re.compile("Claim"))
    expect(page.locator(f"{row} .field-source")).to_be_hidden()
    screenshot(page, "desk-evidence-basis")

    # A claim by another speaker, picked as evidence: the row then says so in words.
    other = Claim.objects.exclude(speaker=claim.speaker).order_by("pk").first()
    page.select_option("#id_evidence-2-0-stance", "supports")
    page.locator("#id_evidence-2-0-evidence_claim + .select2").click()
    page.locator(".select2-search__field").fill(other.text.split()[0])
    page.locator(".select2-results__option").first.click()
    page.fill("#id_evidence-2-0-note", "Says the same.")
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")
    evidence = Evidence.objects.get(claim=claim)
    cited = evidence.evidence_claim
    expect(page.locator("#evidence-0 .field-basis")).to_contain_text(f"Claim by {cited.speaker}")


def test_the_verdict_form_aligns_the_definitions_and_asks_for_a_successor_only_when_superseded(desk, page):
    log_in(page)
    page.goto(f"/admin/claims/claim/{claim_500().pk}/propose-verdict/")
    statuses = page.locator("#id_status > div")
    assert statuses.count() == 6
    expect(statuses.first).to_contain_text("Reviewed; it rests on the speaker's word alone")
    lefts = {round(box["x"]) for box in (s.locator(".status-definition").bounding_box() for s in statuses.all())}
    assert len(lefts) == 1, f"definitions start at {lefts}: not aligned"
    successor = page.locator(".field-superseded_by")
    expect(successor).to_be_hidden()
    page.check("input[name=status][value=superseded]")
    expect(successor).to_be_visible()
    page.check("input[name=status][value=disputed]")
    expect(successor).to_be_hidden()
    screenshot(page, "desk-verdict-form")


def test_a_read_only_figure_reads_as_people_write_it(desk, page):
    from django.contrib.auth.models import Permission

    viewer = get_user_model().objects.create_user("vera", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_figure", "view_claim"]))
    figure = claim_500().figures.first()
    figure.low = 8000
    figure.save(update_fields=["low"])
    page.goto("/admin/login/")
    page.fill("#id_username", "vera")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"/admin/claims/figure/{figure.pk}/change/")
    expect(page.locator(".field-low .readonly")).to_have_text("8,000")
    assert ".0000" not in page.locator("#content-main").inner_text()


def test_the_queue_fits_a_phone(desk, browser, live_server):
    phone = new_page(browser, live_server, width=390, height=844)
    try:
        log_in(phone)
        phone.goto("/admin/claims/claim/")
        expect(phone.locator("#result_list")).to_be_visible()
        screenshot(phone, "desk-queue-phone")
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        for control in ("#searchbar", "#changelist-search input[type=submit]", "select[name=action]"):
            box = phone.locator(control).first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, control
    finally:
        phone.context.close()


def test_history_names_the_seed_and_what_each_change_was(desk, page):
    from claims import services

    claim = claim_500()
    other = Claim.objects.exclude(speaker=claim.speaker).order_by("pk").first()
    services.add_evidence(claim=claim, stance="supports", note="Same toll.", added_by=desk, evidence_claim=other)
    log_in(page)
    page.goto(f"/admin/claims/claim/{claim.pk}/history/")
    table = page.locator("#change-history")
    expect(table).to_contain_text("loaded from the seed")
    expect(table).to_contain_text(f"Evidence added: supports: Claim by {other.speaker}")
    assert "None" not in table.inner_text()
    screenshot(page, "desk-history")
