import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Claim, Figure, Verdict
from claims.roles import DESK_GROUPS
from review.admin.common import EstimatedCountPaginator
from sources.models import Source
from tests.conftest import first_appearance, seed_claim, source, support


@pytest.fixture
def desk(db):
    """A reviewer and an editor in the groups the data migration created, and a newsroom user."""
    User = get_user_model()
    reviewer = User.objects.create_user("rita", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewer"))
    editor = User.objects.create_user("eddie", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    newsroom = User.objects.create_user("newsroom")
    return reviewer, editor, newsroom


def logged_in(client, user):
    client.force_login(user)
    return client


def propose(client, claim, status, rationale="Reviewed.", **extra):
    claim.refresh_from_db()  # the version the page would show now
    return client.post(
        f"/admin/claims/claim/{claim.pk}/propose-verdict/",
        {"status": status, "rationale": rationale, "version": claim.version, **extra},
        follow=True,
    )


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_groups_hold_exactly_their_permissions(desk):
    for name, wanted in DESK_GROUPS.items():
        held = {(p.content_type.app_label, p.codename) for p in Group.objects.get(name=name).permissions.all()}
        assert held == wanted
    reviewer, editor, _ = desk
    assert not reviewer.has_perm("claims.publish_verdict")
    assert editor.has_perm("claims.publish_verdict")
    assert not reviewer.has_perm("claims.delete_claim")


def test_newsroom_users_get_no_admin_access(client, desk, seed):
    response = logged_in(client, desk[2]).get("/admin/claims/claim/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_a_stale_proposal_page_is_refused(client, desk, killed_500):
    reviewer, _, _ = desk
    response = logged_in(client, reviewer).post(
        f"/admin/claims/claim/{killed_500.pk}/propose-verdict/",
        {"status": "unconfirmed", "rationale": "As AP.", "version": killed_500.version - 1 or 99},
    )
    assert "Not recorded: Someone else changed this claim" in page_text(response)
    assert not Verdict.objects.exists()


def test_a_refused_proposal_names_the_reason_and_saves_nothing(client, desk, killed_500):
    reviewer, _, _ = desk
    support(killed_500, reviewer, source=source("Sabah Karhout"))
    response = propose(logged_in(client, reviewer), killed_500, "confirmed", "Karhout agrees.")
    text = page_text(response)
    assert "Not recorded: Cannot confirm: needs supporting evidence from a source independent of the speaker" in text
    assert "same organization tree as the speaker (Anbar provincial authorities)" in text
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"
    assert not Verdict.objects.exists()


def test_a_proposal_waits_for_an_editor_and_newsrooms_keep_the_published_status(client, desk, killed_500):
    reviewer, _, _ = desk
    response = propose(logged_in(client, reviewer), killed_500, "unconfirmed", "Could not be confirmed.")
    assert response.redirect_chain[-1][0] == f"/admin/claims/claim/{killed_500.pk}/change/"
    text = page_text(response)
    assert "Proposed unconfirmed for" in text
    assert "Proposed: " in text and "Awaiting an editor." in text
    assert "Publish unconfirmed" not in text  # a reviewer is offered no Publish button
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"
    assert killed_500.pending_proposal().status == "unconfirmed"


def test_an_editor_publishes_and_the_history_shows_both_people(client, desk, killed_500):
    reviewer, editor, _ = desk
    propose(logged_in(client, reviewer), killed_500, "unconfirmed", "Could not be confirmed.")
    verdict = killed_500.verdicts.get()
    page = logged_in(client, editor).get(f"/admin/claims/claim/{killed_500.pk}/change/")
    assert "Publish unconfirmed" in page_text(page)
    response = client.post(f"/admin/claims/claim/{killed_500.pk}/verdicts/{verdict.pk}/publish/", follow=True)
    assert "is now unconfirmed" in page_text(response)
    killed_500.refresh_from_db()
    verdict.refresh_from_db()
    assert killed_500.status == "unconfirmed"
    assert (verdict.proposed_by, verdict.published_by) == (reviewer, editor)
    history = page_text(client.get(f"/admin/claims/claim/{killed_500.pk}/history/"))
    assert "verdict proposed: unconfirmed" in history and "verdict published: unconfirmed" in history
    assert "rita" in history and "eddie" in history


def test_a_reviewer_cannot_publish(client, desk, killed_500):
    reviewer, editor, _ = desk
    proposed = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=editor)
    response = logged_in(client, reviewer).post(f"/admin/claims/claim/{killed_500.pk}/verdicts/{proposed.pk}/publish/")
    assert response.status_code == 403
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"


def test_publishing_needs_a_second_person(client, desk, killed_500, settings):
    _, editor, _ = desk
    proposed = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=editor)
    response = logged_in(client, editor).post(
        f"/admin/claims/claim/{killed_500.pk}/verdicts/{proposed.pk}/publish/", follow=True
    )
    assert "Not published: Publishing needs a second person: you proposed this verdict." in page_text(response)
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"

    settings.VERDICT_SELF_PUBLISH = True
    services.publish_verdict(verdict=proposed, editor=editor)
    killed_500.refresh_from_db()
    assert killed_500.status == "unconfirmed"


def test_only_the_newest_proposal_can_be_published(desk, killed_500):
    reviewer, editor, _ = desk
    older = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=reviewer)
    services.propose_verdict(claim=killed_500, status="retracted", rationale="Withdrawn.", reviewer=reviewer)
    with pytest.raises(Exception, match="newer verdict"):
        services.publish_verdict(verdict=older, editor=editor)


def test_publishing_checks_the_rule_against_the_evidence_as_it_is_now(desk, killed_500, hospital_director):
    reviewer, editor, _ = desk
    evidence = support(killed_500, reviewer, source=hospital_director)
    proposed = services.propose_verdict(claim=killed_500, status="confirmed", rationale="Counted.", reviewer=reviewer)
    services.remove_evidence(evidence=evidence, user=reviewer)
    with pytest.raises(Exception, match="Cannot confirm"):
        services.publish_verdict(verdict=proposed, editor=editor)
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"


def test_a_published_verdict_cannot_be_published_twice(desk, killed_500):
    reviewer, editor, _ = desk
    proposed = services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP.", reviewer=reviewer)
    services.publish_verdict(verdict=proposed, editor=editor)
    with pytest.raises(Exception, match="already published"):
        services.publish_verdict(verdict=proposed, editor=editor)


def test_editors_publish_from_the_verdict_queue(client, desk, seed):
    reviewer, editor, _ = desk
    claims = [seed_claim("Four nearly"), seed_claim("Three suicide")]
    for claim in claims:
        services.propose_verdict(claim=claim, status="unconfirmed", rationale="Officials only.", reviewer=reviewer)
    queue = logged_in(client, editor).get("/admin/claims/verdict/", {"published": "no"})
    assert queue.context["cl"].result_count == 2
    response = client.post(
        "/admin/claims/verdict/",
        {"action": "publish_selected", "_selected_action": [v.pk for v in Verdict.objects.all()]},
        follow=True,
    )
    assert "Published 2 verdict(s)." in page_text(response)
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {"unconfirmed"}


def test_reviewers_are_not_offered_the_publish_action(client, desk, seed):
    response = logged_in(client, desk[0]).get("/admin/claims/verdict/")
    assert "publish_selected" not in response.content.decode()


def test_assign_to_me_and_unassign_loop_through_the_service(client, desk, seed):
    reviewer, _, _ = desk
    picked = list(Claim.objects.filter(speaker__name="Muhannad Haimour").values_list("pk", flat=True))
    logged_in(client, reviewer).post(
        "/admin/claims/claim/", {"action": "assign_to_me", "_selected_action": picked}, follow=True
    )
    assert set(Claim.objects.filter(assigned_to=reviewer).values_list("pk", flat=True)) == set(picked)
    assert Claim.objects.get(pk=picked[0]).history.first().history_change_reason == "assigned to rita"
    mine = client.get("/admin/claims/claim/", {"assigned": "me"})
    assert mine.context["cl"].result_count == len(picked)

    client.post("/admin/claims/claim/", {"action": "unassign", "_selected_action": picked})
    assert not Claim.objects.filter(assigned_to__isnull=False).exists()


def test_assign_to_a_chosen_reviewer_asks_who_first(client, desk, seed):
    reviewer, editor, _ = desk
    picked = [seed_claim("As many as 114,000").pk]
    client = logged_in(client, editor)
    ask = client.post("/admin/claims/claim/", {"action": "assign_to_reviewer", "_selected_action": picked})
    assert ask.status_code == 200 and "Assign claims to a reviewer" in page_text(ask)
    assert not Claim.objects.filter(assigned_to__isnull=False).exists()
    client.post(
        "/admin/claims/claim/",
        {"action": "assign_to_reviewer", "_selected_action": picked, "apply": "1", "assignee": reviewer.pk},
    )
    assert Claim.objects.get(pk=picked[0]).assigned_to == reviewer


def test_a_bulk_verdict_takes_one_rationale_and_reports_each_refusal(client, desk, seed):
    reviewer, _, _ = desk
    picked = [seed_claim("Four nearly").pk, seed_claim("Three suicide").pk]
    client = logged_in(client, reviewer)
    ask = client.post("/admin/claims/claim/", {"action": "propose_verdict", "_selected_action": picked})
    assert "One rationale, recorded on every verdict." in page_text(ask)
    assert not Verdict.objects.exists()

    done = client.post(
        "/admin/claims/claim/",
        {"action": "propose_verdict", "_selected_action": picked, "apply": "1", "status": "confirmed",
         "rationale": "Seen by our reporter."},
        follow=True,
    )  # fmt: skip
    assert page_text(done).count("Not proposed for") == 2
    assert not Verdict.objects.exists()

    client.post(
        "/admin/claims/claim/",
        {"action": "propose_verdict", "_selected_action": picked, "apply": "1", "status": "unconfirmed",
         "rationale": "Officials only; could not be confirmed."},
    )  # fmt: skip
    assert Verdict.objects.filter(proposed_by=reviewer, rationale__startswith="Officials only").count() == 2


def test_the_queue_shows_role_at_the_time_outlet_and_figures(admin_client, seed):
    text = page_text(admin_client.get("/admin/claims/claim/"))
    assert "Muhannad Haimour, spokesman, Anbar provincial government" in text
    assert "≥ 500 killed" in text and "≈ 8,000 displaced" in text and "≤ 114,000 displaced" in text
    assert "≥ 10 killed; 15 wounded" in text
    assert "Associated Press" in text


def test_the_queue_runs_the_same_queries_for_more_rows(admin_client, seed, reviewer, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as twelve:
        admin_client.get("/admin/claims/claim/")
    document = first_appearance(seed_claim("As many as")).document
    organization = Source.objects.create(kind="organization", name="Ministry of Numbers")
    for n in range(20):
        speaker = Source.objects.create(kind="person", name=f"Speaker {n}")
        speaker.affiliations.create(organization=organization, role=f"official {n}")
        claim = services.record_claim(
            speaker=speaker, text=f"Claim {n}", user=reviewer, kind="figure",
            figures=[{"metric": "killed", "qualifier": "at_least", "low": n + 1}],
            appearances=[{"document": document, "excerpt": "as many as 114,000 residents"}],
        )  # fmt: skip
        services.assign_claim(claim=claim, assignee=reviewer, by=reviewer)
    with django_assert_max_num_queries(len(twelve.captured_queries)):
        response = admin_client.get("/admin/claims/claim/")
    assert "Speaker 19, official 19, Ministry of Numbers" in page_text(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"metric": "killed"}, 3),
        ({"metric": "displaced"}, 2),
        ({"status": "unreviewed"}, 12),
        ({"kind": "figure", "status": "unreviewed"}, 6),
        ({"assigned": "none"}, 12),
        ({"independent_support": "no"}, 12),
        ({"independent_support": "yes"}, 0),
    ],
)
def test_the_queue_filters(admin_client, seed, params, expected):
    assert admin_client.get("/admin/claims/claim/", params).context["cl"].result_count == expected


def test_the_outlet_and_event_filters(admin_client, seed):
    ap = source("Associated Press")
    assert admin_client.get("/admin/claims/claim/", {"outlet": ap.pk}).context["cl"].result_count == 12
    april = Claim.objects.get(text__startswith="As many as").event
    assert admin_client.get("/admin/claims/claim/", {"event__id__exact": april.pk}).context["cl"].result_count == 1


def test_independent_support_filter_finds_confirmable_claims(admin_client, killed_500, reviewer, hospital_director):
    support(killed_500, reviewer, source=source("Sabah Karhout"))
    assert admin_client.get("/admin/claims/claim/", {"independent_support": "yes"}).context["cl"].result_count == 0
    support(killed_500, reviewer, source=hospital_director)
    response = admin_client.get("/admin/claims/claim/", {"independent_support": "yes"})
    assert [c.pk for c in response.context["cl"].result_list] == [killed_500.pk]


def test_an_unfiltered_queue_is_counted_from_statistics_on_postgresql(admin_client, seed, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("estimated counts come from PostgreSQL's statistics")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/claims/claim/")
    assert response.context["cl"].result_count == Claim.objects.count()
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and '"claims_claim"' in q["sql"]]


def test_a_large_filtered_queue_is_counted_from_the_planners_estimate(admin_client, seed, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("estimated counts come from PostgreSQL's planner")
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/claims/claim/", {"kind__exact": "figure"})
    assert response.context["cl"].result_count >= 1
    assert [q for q in queries.captured_queries if q["sql"].startswith("EXPLAIN (FORMAT JSON)")]
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and '"claims_claim"' in q["sql"]]


def test_sidebar_lists_recent_events_and_outlets_and_keeps_the_chosen_one(admin_client, seed, monkeypatch):
    from claims.models import Event
    from review.admin import queue_filters

    monkeypatch.setattr(queue_filters, "SIDEBAR_CHOICES", 1)
    events = list(Event.objects.order_by("start_date"))
    older = events[0]
    page = admin_client.get("/admin/claims/claim/")
    choices = {
        c["display"]
        for spec in page.context["cl"].filter_specs
        if spec.title == "event (most recent)"
        for c in spec.choices(page.context["cl"])
    }
    assert older.name not in choices
    page = admin_client.get("/admin/claims/claim/", {"event__id__exact": older.pk})
    assert page.context["cl"].result_count == Claim.objects.filter(event=older).count()
    choices = {
        c["display"]
        for spec in page.context["cl"].filter_specs
        if spec.title == "event (most recent)"
        for c in spec.choices(page.context["cl"])
    }
    assert older.name in choices
    assert admin_client.get("/admin/claims/claim/", {"event__id__exact": "x"}).status_code == 302  # ?e=1
    assert admin_client.get("/admin/claims/claim/", {"outlet": "x"}).status_code == 302


def test_a_filtered_or_small_queue_is_counted_exactly(seed):
    paginator = EstimatedCountPaginator(Claim.objects.filter(kind="figure"), 50)
    assert paginator.count == 6
    assert EstimatedCountPaginator(Claim.objects.all(), 50).count == 12


def test_the_source_page_lists_claims_with_statuses_and_the_tree(admin_client, seed):
    haimour = source("Muhannad Haimour")
    text = page_text(admin_client.get(f"/admin/sources/source/{haimour.pk}/change/"))
    assert text.count('class="status-badge"') == 3
    council = source("Anbar provincial council")
    tree = page_text(admin_client.get(f"/admin/sources/source/{council.pk}/change/"))
    assert "Anbar provincial council ⊂ Anbar provincial authorities" in tree


def test_the_document_page_lists_its_claims_and_shows_the_hash(admin_client, killed_500):
    document = first_appearance(killed_500).document
    text = page_text(admin_client.get(f"/admin/sources/document/{document.pk}/change/"))
    assert document.text_sha256 in text
    assert text.count('class="status-badge"') == 12
    assert "Add article" in page_text(admin_client.get("/admin/sources/document/"))
    assert "Add article" in page_text(admin_client.get("/admin/sources/document/add/"))


def test_the_event_page_draws_every_figure_with_its_shape(admin_client, killed_500):
    event = killed_500.event
    page = admin_client.get(f"/admin/claims/event/{event.pk}/change/").content.decode()
    marks = re.findall(r'<g class="figure ([a-z-]+)" data-figure-id="(\d+)"', page)
    figures = {str(f.pk): f for f in Figure.objects.filter(claim__event=event)}
    shapes = {figures[pk].summary(): kind for kind, pk in marks}
    assert shapes["≥ 500 killed (civilians and military)"] == "open-ended"
    assert shapes["≈ 8,000 displaced (people)"] == "approximate"
    assert shapes["15 wounded (police)"] == "exact"
    # Said only in words, "a large number" has no place on a scale: no mark, its words once.
    vague = next(pk for pk, f in figures.items() if f.qualifier == "vague")
    assert vague not in {pk for _, pk in marks}
    assert sorted(pk for _, pk in marks) == sorted(pk for pk in figures if pk != vague)
    assert re.findall(r'<text class="reading"[^>]*>([^<]*)</text>', page).count("a large number") == 1
    assert page.count('class="figure-strip" data-metric=') == 4
    # Every figure of the seed was said the same day: no timeline, whose one column says nothing.
    assert 'class="figure-chart"' not in page
    assert '<table class="figure-table">' in page
    assert "http://" not in page.split('class="figure-comparison"')[1].replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_the_event_strip_gives_each_source_one_row_and_each_figure_its_own_lane(admin_client, killed_500):
    page = admin_client.get(f"/admin/claims/event/{killed_500.event_id}/change/").content.decode()
    killed = page.split('class="figure-strip" data-metric="killed"')[1].split("</svg>")[0]
    rows = re.findall(r'<g class="source-row" data-source="([^"]+)"', killed)
    assert (
        rows
        == sorted(set(rows))
        == sorted({c.speaker.name for c in killed_500.event.claims.filter(figures__metric="killed")})
    )
    # Two figures from one source ("officials": at least 10, at least 5) on separate lines.
    lanes = re.findall(r'<line class="bar" x1="[\d.]+" y1="([\d.]+)"', killed)
    assert (
        len(lanes) == len(set(lanes)) == Figure.objects.filter(claim__event=killed_500.event, metric="killed").count()
    )


def test_the_event_timeline_is_drawn_only_when_figures_were_said_on_different_days(admin_client, killed_500, reviewer):
    services.record_claim(
        speaker=killed_500.speaker, text="At least 600 killed.", kind="figure", event=killed_500.event,
        said_on=killed_500.said_on + timedelta(days=1), user=reviewer,
        figures=[{"metric": "killed", "qualifier": "at_least", "low": 600}],
    )  # fmt: skip
    page = admin_client.get(f"/admin/claims/event/{killed_500.event_id}/change/").content.decode()
    assert page.count('class="figure-chart" data-metric=') == 1
    assert 'class="figure-chart" data-metric="killed"' in page


def test_the_event_chart_links_a_superseded_figure_to_its_successor(admin_client, killed_500, reviewer):
    later = services.record_claim(
        speaker=killed_500.speaker, text="At least 600 killed.", kind="figure", event=killed_500.event,
        said_on=killed_500.said_on, user=reviewer,
        figures=[{"metric": "killed", "qualifier": "at_least", "low": 600, "supersedes": killed_500.figures.get()}],
    )  # fmt: skip
    page = admin_client.get(f"/admin/claims/event/{killed_500.event_id}/change/").content.decode()
    assert f'<a class="supersession-link" href="/admin/claims/claim/{later.pk}/change/">' in page
