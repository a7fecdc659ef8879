"""The review workflow in a real browser: Playwright driving the system Chromium against live_server."""

import re
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from claims.models import Claim, Event, Figure, Verdict
from claims.roles import sync_desk_groups
from sources.models import Source
from tests.browser import OUTPUT, PASSWORD, chromium_browser, expect  # noqa: F401  (the browser fixture)


@pytest.fixture
def desk(live_server, transactional_db):
    """The seed, the desk groups and three people, on a database live_server can see."""
    call_command("load_seed", stdout=StringIO())
    sync_desk_groups(apps)
    User = get_user_model()
    people = {}
    for username, group in (("rita", "Reviewer"), ("eddie", "Editor")):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        people[username] = user
    hospital = Source.objects.create(kind="organization", name="Ramadi General Hospital", country="IQ")
    director = Source.objects.create(kind="person", name="Ahmad Director", country="IQ")
    director.affiliations.create(organization=hospital, role="director")
    return people


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def log_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def claim_500() -> Claim:
    return Claim.objects.get(text__startswith="Islamic State militants killed at least 500")


def add_supporting_evidence(page, source_name: str, note: str) -> None:
    page.click("text=Add another New evidence")
    page.check("#id_evidence-2-0-basis input[value=statement]")
    page.select_option("#id_evidence-2-0-stance", "supports")
    page.locator("#id_evidence-2-0-source + .select2").click()
    page.locator(".select2-search__field").fill(source_name.split()[-1])
    page.locator(".select2-results__option", has_text=source_name).click()
    page.fill("#id_evidence-2-0-note", note)
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")


def propose(page, status: str, rationale: str) -> None:
    page.click("text=Record verdict")
    page.check(f"input[name=status][value={status}]")
    page.fill("#id_rationale", rationale)
    page.click("input[type=submit][value='Propose verdict']")


def test_a_same_organization_confirmation_is_refused_with_its_reason(desk, page):
    log_in(page, "rita")
    page.goto("/admin/claims/claim/")
    page.click("#changelist-filter >> text=Unreviewed")
    page.click("#changelist-filter >> text=Figure")
    expect(page.locator("#result_list tbody tr")).to_have_count(6)
    screenshot(page, "review-queue")

    page.click("text=Islamic State militants killed at least 500")
    add_supporting_evidence(page, "Sabah Karhout", "Karhout gives the same toll.")
    assert "not independent: same organization tree as the speaker (Anbar provincial authorities)" in (
        page.inner_text("body")
    )

    propose(page, "confirmed", "Karhout agrees with Haimour.")
    error = page.inner_text("ul.messagelist li.error")
    assert "Cannot confirm: needs supporting evidence from a source independent of the speaker" in error
    assert "same organization tree as the speaker (Anbar provincial authorities)" in error
    assert claim_500().status == "unreviewed"
    assert not Verdict.objects.exists()


def test_an_independent_confirmation_is_proposed_then_published_by_an_editor(desk, page):
    log_in(page, "rita")
    page.goto(f"/admin/claims/claim/{claim_500().pk}/change/")
    add_supporting_evidence(page, "Ahmad Director", "The hospital counted 500 bodies.")
    propose(page, "confirmed", "The hospital director's count matches.")
    assert "Proposed confirmed" in page.inner_text("ul.messagelist li.success")
    assert "Awaiting an editor." in page.inner_text("body")
    assert claim_500().status == "unreviewed"

    log_in(page, "eddie")
    page.goto(f"/admin/claims/claim/{claim_500().pk}/change/")
    page.click("button[name=_publish]")
    assert "is now confirmed" in page.inner_text("ul.messagelist li.success")
    assert claim_500().status == "confirmed"

    page.click("text=History")
    history = page.inner_text("#content")
    assert "verdict proposed: confirmed" in history and "rita" in history
    assert "verdict published: confirmed" in history and "eddie" in history


def test_a_reviewer_cannot_publish(desk, page):
    from claims import services

    proposal = services.propose_verdict(
        claim=claim_500(), status="unconfirmed", rationale="Rests on Haimour alone.", reviewer=desk["eddie"]
    )
    log_in(page, "rita")
    page.goto(f"/admin/claims/claim/{claim_500().pk}/change/")
    assert "Awaiting an editor." in page.inner_text("body")
    assert page.locator("button[name=_publish]").count() == 0
    status = page.evaluate(
        """async (url) => {
            const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
            const response = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': token}});
            return response.status;
        }""",
        f"/admin/claims/claim/{claim_500().pk}/verdicts/{proposal.pk}/publish/",
    )
    assert status == 403
    assert claim_500().status == "unreviewed"


def boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_the_event_page_draws_the_seed_figures_by_source_with_no_label_on_another(desk, page):
    event = Event.objects.get(name="Fall of Ramadi, May 2015")
    log_in(page, "rita")
    page.goto(f"/admin/claims/event/{event.pk}/change/")
    # The comparison comes first on the page, above the event's own fields.
    assert page.locator(".field-figure_comparison").bounding_box()["y"] < page.locator("#id_name").bounding_box()["y"]
    figures = Figure.objects.filter(claim__event=event)
    drawn = [f for f in figures if f.low is not None or f.high is not None]
    marks = page.locator("svg.figure-strip g.figure")
    assert marks.count() == len(drawn) == 6
    for figure in drawn:
        mark = page.locator(f'svg.figure-strip g.figure[data-figure-id="{figure.pk}"]')
        assert mark.get_attribute("data-qualifier") == figure.qualifier
        assert mark.get_attribute("data-source") == figure.claim.speaker.name
    killed = page.locator('svg.figure-strip[data-metric="killed"]')
    assert killed.locator("g.source-row").count() == 2
    assert killed.locator("g.figure.open-ended path.open-end").count() == 3
    assert page.locator('svg[data-metric="displaced"] g.figure.approximate path.mark').count() == 1
    assert page.locator('svg[data-metric="wounded"] g.figure.exact circle.mark').count() == 2
    assert page.locator('svg[data-metric="deployed"] text.reading').text_content() == "a large number"
    assert page.locator("svg.figure-chart").count() == 0  # all said on one day
    for strip in page.locator("svg.figure-strip").all():
        texts = [t.bounding_box() for t in strip.locator("text").all()]
        assert all(b["width"] > 0 for b in texts)
        assert not [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if boxes_overlap(a, b)]
    assert page.locator("table.figure-table tbody tr").count() == figures.count()
    screenshot(page, "event-chart")
    assert (OUTPUT / "event-chart.png").stat().st_size > 10_000


def test_the_worked_example_draws_its_revised_toll_over_time_with_an_arrow_to_the_successor(desk, page):
    call_command("load_example", stdout=StringIO())
    event = Event.objects.get(name__startswith="Example River flood")
    revised = Figure.objects.get(claim__event=event, supersedes__isnull=False)
    log_in(page, "rita")
    page.goto(f"/admin/claims/event/{event.pk}/change/")
    assert page.locator('svg.figure-strip[data-metric="killed"] a.supersession-link').count() == 1
    assert page.locator('svg.figure-chart[data-metric="killed"]').count() == 1  # said on two days
    screenshot(page, "event-chart-revised")
    page.locator('svg.figure-strip[data-metric="killed"] a.supersession-link').click()
    page.wait_for_url(f"**/admin/claims/claim/{revised.claim_id}/change/")


def add_evidence_by(page, field: str, search: str, option_text: str, note: str) -> None:
    """Add supporting evidence through the admin's "add evidence" inline, choosing `field` by search."""
    page.click("text=Add another New evidence")
    basis = {"evidence_claim": "claim", "document": "document", "source": "statement"}[field]
    page.check(f"#id_evidence-2-0-basis input[value={basis}]")
    page.select_option("#id_evidence-2-0-stance", "supports")
    page.locator(f"#id_evidence-2-0-{field} + .select2").click()
    page.locator(".select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option_text).first.click()
    page.fill("#id_evidence-2-0-note", note)
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")


def test_an_article_quoting_haimour_is_circular_and_cannot_confirm(desk, page):
    from claims import services

    claim = claim_500()
    outlet = Source.objects.create(kind="outlet", name="Probe Wire")
    article = services.record_document(
        url="https://probe.example/ramadi",
        outlet=outlet,
        title="Ramadi toll passes 500",
        text="At least 500 people were killed, Anbar spokesman Muhannad Haimour told Probe Wire.",
    )
    services.record_claim(
        speaker=claim.speaker,
        text="At least 500 people were killed.",
        said_on=claim.said_on,
        user=desk["rita"],
        appearances=[{"document": article, "excerpt": "At least 500 people were killed"}],
    )
    log_in(page, "rita")
    page.goto(f"/admin/claims/claim/{claim.pk}/change/")
    add_evidence_by(page, "document", "Ramadi toll", "Ramadi toll passes 500", "Probe Wire reports 500 dead.")
    assert "circular: the Probe Wire article “Ramadi toll passes 500” quotes Muhannad Haimour" in (
        page.inner_text("body")
    )
    propose(page, "confirmed", "Probe Wire reports the same toll.")
    error = page.inner_text("ul.messagelist li.error")
    assert "Cannot confirm" in error and "quotes Muhannad Haimour" in error
    screenshot(page, "circular-refused")
    assert claim_500().status == "unreviewed"
    assert not Verdict.objects.exists()


def test_unnamed_officials_in_the_same_report_cannot_confirm(desk, page):
    log_in(page, "rita")
    page.goto(f"/admin/claims/claim/{claim_500().pk}/change/")
    add_evidence_by(
        page, "evidence_claim", "Malaab", "Four nearly simultaneous bombings", "Officials describe the assault."
    )
    assert "officials are quoted in the same report as the claim" in page.inner_text("body")
    propose(page, "confirmed", "Officials say so too.")
    error = page.inner_text("ul.messagelist li.error")
    assert "Cannot confirm" in error and "same report" in error
    assert claim_500().status == "unreviewed"


def test_a_reviewer_lands_on_the_desk_queues_and_opens_the_unreviewed_list(page, desk):
    log_in(page, "rita")
    page.goto("/admin/")
    queues = page.locator("#desk-queues")
    expect(queues).to_contain_text("Unreviewed claims")
    expect(queues.locator("tr").first.locator(".desk-count")).to_have_text(str(Claim.objects.count()))
    first_app = page.locator("#content-main .module caption").first  # the desk table has none
    expect(first_app).to_contain_text("Claims")
    screenshot(page, "desk-landing")
    queues.get_by_role("link", name="Unreviewed claims").click()
    expect(page).to_have_url(re.compile(r"/admin/claims/claim/\?status__exact=unreviewed"))
    expect(page.locator("#result_list tbody tr")).to_have_count(Claim.objects.count())


def test_a_candidate_is_edited_in_figure_rows_and_accepted_on_its_page(desk, page):
    from tests.test_intake import ARTICLE, import_

    candidate = import_(ARTICLE)[2][0]
    log_in(page, "rita")
    page.goto(f"/admin/claims/candidate/{candidate.pk}/change/")
    assert page.locator('textarea[name="figures"]').count() == 0  # figures are rows, not JSON
    page.select_option("#id_figure-0-qualifier", "range")
    page.fill("#id_figure-0-low", "14")
    page.fill("#id_figure-0-high", "20")
    assert page.locator("button[name=_reject]").is_visible()
    screenshot(page, "candidate")
    page.click("button[name=_accept]")
    expect(page.locator("ul.messagelist li")).to_contain_text("Accepted")
    candidate.refresh_from_db()
    assert candidate.state == "accepted"
    figure = candidate.claim.figures.get()
    assert (figure.qualifier, figure.low, figure.high) == ("range", 14, 20)


def test_the_claim_picker_says_who_made_each_claim_and_the_tab_has_an_icon(desk, page):
    log_in(page, "rita")
    page.goto(f"/admin/claims/claim/{claim_500().pk}/change/")
    page.click("text=Add another New evidence")
    page.check("#id_evidence-2-0-basis input[value=claim]")
    page.locator("#id_evidence-2-0-evidence_claim + .select2").click()
    page.locator(".select2-search__field").fill("Karhout")
    option = page.locator(".select2-results__option", has_text="Sabah Karhout: ").first
    option.wait_for()
    assert option.text_content().startswith("Sabah Karhout: ")
    icon = page.request.get("/favicon.ico")  # what a browser asks for on every page
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg")
