"""Intake asks claims.matching whether a candidate repeats a known claim: a paraphrase from
another outlet is offered as a new appearance of that claim, and accepting it adds one."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from claims.models import Candidate, ClaimChange
from intake import services as intake_services
from sources.models import Source

REREPORT = "Some 500 people were killed in Ramadi over the weekend, a provincial spokesman said on Monday."


def import_(text, *, url="https://other.example/ramadi", language=None, user=None):
    outlet = Source.objects.get_or_create(kind="outlet", name="Other Outlet")[0]
    return intake_services.import_article(
        url=url, outlet=outlet, title="Ramadi", text=text, user=user, language=language,
        published_at=datetime(2015, 5, 18, tzinfo=UTC),
    )  # fmt: skip


def test_a_paraphrase_from_another_outlet_is_offered_as_the_known_claim(killed_500, reviewer):
    (candidate,) = import_(REREPORT)[2]
    assert candidate.match_claim == killed_500
    assert candidate.match_reason.startswith("likely the same claim")
    assert "overlapping figures" in candidate.match_reason


def test_accepting_the_offer_adds_an_appearance_and_tells_newsrooms(killed_500, reviewer):
    document, _, (candidate,) = import_(REREPORT)
    appearances, version = killed_500.appearances.count(), killed_500.version
    claim = intake_services.accept_candidate(candidate=candidate, user=reviewer)
    assert claim == killed_500
    killed_500.refresh_from_db()
    assert killed_500.appearances.count() == appearances + 1
    assert killed_500.appearances.filter(document=document).exists()
    assert killed_500.version > version
    assert ClaimChange.objects.filter(claim_id=killed_500.pk).order_by("-seq").first().kind == "updated"
    assert Candidate.objects.get(pk=candidate.pk).state == Candidate.State.MERGED


def test_an_unrelated_statement_is_not_offered(killed_500, reviewer):
    (candidate,) = import_("Three schools reopened in Mosul, the education ministry said on Monday.")[2] or [None]
    assert candidate is None or candidate.match_claim is None


def test_the_candidate_page_lists_the_possible_matches_with_why(admin_client, killed_500):
    (candidate,) = import_(REREPORT)[2]
    page = admin_client.get(f"/admin/claims/candidate/{candidate.pk}/change/").content.decode()
    assert "Known claims it may repeat" in page
    assert f"/admin/claims/claim/{killed_500.pk}/change/" in page and "(offered)" in page


def test_an_articles_language_is_detected_or_taken_as_given(db):
    document = import_("Au moins 40 personnes ont été tuées, selon la police, qui a dit que le bilan est lourd.")[0]
    assert document.language == "fr"
    given = import_("Police said 40 people died.", url="https://other.example/b", language="pt-br")[0]
    assert given.language == "pt-BR"


def test_a_language_that_is_no_tag_is_refused_by_name(db):
    with pytest.raises(ValidationError) as refusal:
        import_("Police said 40 people died.", language="english please")
    assert "language" in refusal.value.message_dict


def test_an_accepted_claim_takes_its_articles_language(db, reviewer):
    text = "At least 40 people died in the warehouse fire, the city's fire chief said on Monday."
    document, _, candidates = import_(text, url="https://other.example/uk", language="en-gb")
    claim = intake_services.accept_candidate(candidate=candidates[0], user=reviewer, as_new=True)
    assert claim.language == document.language == "en-GB"


RAINS = (
    "Heavy rains hit the province on Sunday. Provincial health director Karim Nasser said on Tuesday that "
    '42 people had died.\n"We expect the toll to rise," Nasser told reporters. He said 42 people had died.\n'
    "Separately, the Red Crescent said about 1,200 families were displaced."
)


def test_a_second_candidate_with_the_same_figure_joins_the_first_accepted(desk_reviewer, seed):
    from claims.models import Claim
    from tests.conftest import source

    _, _, candidates = intake_services.import_article(
        url="https://news.example/rains", outlet=source("Associated Press"), title="Rains", text=RAINS,
        user=desk_reviewer,
    )  # fmt: skip
    tolls = [c for c in candidates if c.figures and c.figures[0]["low"] == 42]
    assert len(tolls) == 2
    first = intake_services.accept_candidate(candidate=tolls[0], user=desk_reviewer)
    again = intake_services.accept_candidate(candidate=tolls[1], user=desk_reviewer)
    assert again == first and Claim.objects.filter(speaker__name="Karim Nasser").count() == 1
