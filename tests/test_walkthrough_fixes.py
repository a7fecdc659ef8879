"""What a first walk through the running tracker found, kept from coming back."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from claims import services
from claims.models import Claim
from intake import services as intake_services
from intake.extraction import extract
from tests.conftest import source

ARTICLE = (
    "Heavy rains hit the province on Sunday. Provincial health director Karim Nasser said on Tuesday that "
    '42 people had died.\n"We expect the toll to rise," Nasser told reporters. He said 42 people had died.\n'
    "Separately, the Red Crescent said about 1,200 families were displaced."
)


@pytest.fixture
def desk(client, db):
    people = {}
    for username, group in (("rita", "Reviewer"), ("eddie", "Editor")):
        people[username] = get_user_model().objects.create_user(username, is_staff=True)
        people[username].groups.add(Group.objects.get(name=group))
    return people


def test_editors_create_newsroom_keys_and_reviewers_cannot(client, desk):
    client.force_login(desk["rita"])
    assert client.get("/admin/claims/newsroomkey/add/").status_code == 403
    client.force_login(desk["eddie"])
    response = client.post("/admin/claims/newsroomkey/add/", {"name": "Daily Planet"}, follow=True)
    assert "The API key for Daily Planet is:" in response.content.decode()


def test_the_site_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/admin/"


def test_speakers_are_not_adverbs_and_surnames_are_the_full_name():
    candidates = extract(ARTICLE, published=date(2024, 3, 5))
    names = [c["speaker"]["name"] for c in candidates]
    assert "Separately" not in names and "Red Crescent" in names
    assert names.count("Karim Nasser") >= 2 and "Nasser" not in names


def test_the_day_said_is_the_one_by_the_cue():
    nasser = next(c for c in extract(ARTICLE, published=date(2024, 3, 5)) if c["cue"] == "said")
    assert nasser["said_on"] == "2024-03-05"  # Tuesday, not the Sunday the rains hit


def test_a_second_candidate_with_the_same_figure_joins_the_first_accepted(desk, seed):
    ap = source("Associated Press")
    _, _, candidates = intake_services.import_article(
        url="https://news.example/rains", outlet=ap, title="Rains", text=ARTICLE, user=desk["rita"]
    )
    tolls = [c for c in candidates if c.figures and c.figures[0]["low"] == 42]
    assert len(tolls) == 2
    first = intake_services.accept_candidate(candidate=tolls[0], user=desk["rita"])
    again = intake_services.accept_candidate(candidate=tolls[1], user=desk["rita"])
    assert again == first and Claim.objects.filter(speaker__name="Karim Nasser").count() == 1


def test_the_review_page_reads_figures_as_people_write_them(client, desk, seed):
    client.force_login(desk["rita"])
    response = client.post(
        "/admin/sources/document/import/",
        {"url": "https://news.example/rains", "new_outlet": "Rain Gazette", "title": "Rains", "text": ARTICLE},
        follow=True,
    )
    page = response.content.decode()
    assert "42 killed" in page and "≈ 1,200 displaced (families)" in page and "at_least" not in page
    assert source("Rain Gazette").kind == "outlet"


def test_an_overtaken_proposal_says_so_on_the_claim_page(admin_client, killed_500, reviewer):
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="First.", reviewer=reviewer)
    services.propose_verdict(claim=killed_500, status="retracted", rationale="Second.", reviewer=reviewer)
    page = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/change/").content.decode()
    assert "overtaken by a newer proposal" in page and "awaiting an editor" in page


def test_the_verdict_history_costs_no_query_per_verdict(
    admin_client, killed_500, reviewer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="One.", reviewer=reviewer)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for n in range(6):
        services.propose_verdict(claim=killed_500, status="retracted", rationale=f"More {n}.", reviewer=reviewer)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = admin_client.get(url).content.decode()
    assert page.count("overtaken by a newer proposal") == 6
