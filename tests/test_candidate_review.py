"""A reviewer edits an intake candidate in a form (figures one row each, not JSON) and accepts or
rejects it on its own page; the intake services decide what may change and when."""

import re

import pytest
from django.core.exceptions import ValidationError

from claims.models import Candidate, Claim
from intake import services as intake_services
from tests.conftest import admin_form_data, source
from tests.test_intake import ARTICLE, import_


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def candidates(db):
    return import_(ARTICLE)[2]


def test_figures_are_edited_as_fields_and_stored_as_numbers(client, desk_reviewer, candidates):
    governor = candidates[0]
    url = f"/admin/claims/candidate/{governor.pk}/change/"
    page = client.get(url)
    assert 'name="figures"' not in page.content.decode()  # no JSON textarea
    assert 'name="figure-0-qualifier"' in page.content.decode()
    changes = {"figure-0-qualifier": "range", "figure-0-low": "14", "figure-0-high": "20"}
    changes |= {"figure-1-metric": "wounded", "figure-1-qualifier": "exact", "figure-1-low": "3", "figure-1-high": "3"}
    response = client.post(url, admin_form_data(page, **changes))
    assert response.status_code == 302
    governor.refresh_from_db()
    first, added = governor.figures
    assert (first["qualifier"], first["low"], first["high"]) == ("range", 14, 20)
    assert first["text"] == "at least 14"  # what the form does not show is kept
    assert (added["metric"], added["low"], added["high"]) == ("wounded", 3, 3)
    assert isinstance(added["low"], int)


def test_a_figure_row_ticked_delete_is_dropped(client, desk_reviewer, candidates):
    url = f"/admin/claims/candidate/{candidates[0].pk}/change/"
    client.post(url, admin_form_data(client.get(url), **{"figure-0-DELETE": "on"}))
    candidates[0].refresh_from_db()
    assert candidates[0].figures == []


def test_save_and_accept_on_the_candidate_page_makes_the_claim_with_the_edits(client, desk_reviewer, candidates):
    url = f"/admin/claims/candidate/{candidates[1].pk}/change/"
    page = client.get(url)
    assert "Save and accept" in page_text(page) and 'name="_reject"' in page.content.decode()
    response = client.post(url, admin_form_data(page, speaker_name="Red Crescent Society", _accept="1"))
    assert response.status_code == 302
    candidate = Candidate.objects.get(pk=candidates[1].pk)
    assert candidate.state == Candidate.State.ACCEPTED
    assert candidate.claim.speaker.name == "Red Crescent Society"


def test_reject_on_the_candidate_page(client, desk_reviewer, candidates):
    url = f"/admin/claims/candidate/{candidates[0].pk}/change/"
    before = Claim.objects.count()
    client.post(url, admin_form_data(client.get(url), _reject="1"))
    assert Candidate.objects.get(pk=candidates[0].pk).state == Candidate.State.REJECTED
    assert Claim.objects.count() == before


def test_the_candidate_page_has_no_row_without_a_label(client, desk_reviewer, candidates):
    html = client.get(f"/admin/claims/candidate/{candidates[0].pk}/change/").content.decode()
    assert not re.search(r"<label[^>]*>\s*:?\s*</label>", html)
    assert "Match claim" not in html  # shown only when the extractor found a match


def test_a_reviewed_candidate_cannot_be_edited_through_the_service(candidates, reviewer):
    intake_services.reject_candidate(candidate=candidates[0], user=reviewer)
    with pytest.raises(ValidationError, match="already rejected"):
        intake_services.edit_candidate(candidate=candidates[0], user=reviewer, text="Changed later.")


def test_acceptance_refuses_an_edit_the_figure_rules_refuse(candidates, reviewer):
    bad = [{**candidates[0].figures[0], "qualifier": "exact", "low": 3, "high": 9}]
    before = Claim.objects.count()
    with pytest.raises(ValidationError, match="Figure 1: An exact or approximate figure has one value"):
        intake_services.accept_candidate(candidate=candidates[0], user=reviewer, edits={"figures": bad})
    assert Claim.objects.count() == before
    assert Candidate.objects.get(pk=candidates[0].pk).is_pending


def test_only_a_reviewers_fields_can_be_edited(candidates, reviewer):
    with pytest.raises(ValidationError) as refusal:
        intake_services.edit_candidate(candidate=candidates[0], user=reviewer, state="accepted")
    assert "state" in refusal.value.message_dict


def test_the_article_review_page_reads_figures_as_people_write_them(client, desk_reviewer, seed):
    from tests.test_intake_matching import RAINS

    response = client.post(
        "/admin/sources/document/import/",
        {"url": "https://news.example/rains", "new_outlet": "Rain Gazette", "title": "Rains", "text": RAINS},
        follow=True,
    )
    page = response.content.decode()
    assert "42 killed" in page and "≈ 1,200 displaced (families)" in page and "at_least" not in page
    assert source("Rain Gazette").kind == "outlet"


MONEY = "The government will spend $3.5 billion on flood defences, the finance minister, Ana Ruiz, said on Monday."


def test_a_reviewer_sets_money_currency_and_measure_in_the_figure_rows(client, desk_reviewer, db):
    candidate = import_(MONEY)[2][0]
    url = f"/admin/claims/candidate/{candidate.pk}/change/"
    page = client.get(url)
    changes = {"figure-0-currency": "eur", "figure-0-metric": "other", "figure-0-measure": "spending on defences"}
    assert client.post(url, admin_form_data(page, **changes)).status_code == 302
    claim = intake_services.accept_candidate(candidate=Candidate.objects.get(pk=candidate.pk), user=desk_reviewer)
    figure = claim.figures.get()
    assert (figure.unit, figure.currency, figure.measure) == ("money", "EUR", "spending on defences")


def test_the_reviewers_unit_wins_over_the_extractors_reading_of_money(client, desk_reviewer, db):
    candidate = import_(MONEY)[2][0]
    url = f"/admin/claims/candidate/{candidate.pk}/change/"
    page = client.get(url)
    changes = {"figure-0-unit": "people", "figure-0-currency": ""}
    assert client.post(url, admin_form_data(page, **changes)).status_code == 302
    claim = intake_services.accept_candidate(candidate=Candidate.objects.get(pk=candidate.pk), user=desk_reviewer)
    assert (claim.figures.get().unit, claim.figures.get().currency) == ("people", "")
