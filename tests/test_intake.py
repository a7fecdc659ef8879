import re
from datetime import UTC
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.models import Candidate, Claim
from intake import services as intake_services
from sources.models import Document, Source
from tests.conftest import seed_claim, source

MIRROR = "https://mirror.example/world/ramadi-falls"
ARTICLE = (
    "Flooding in the delta has killed at least 14 people, the regional governor, Amal Nasser, said on Tuesday.\n"
    "About 3,000 residents have fled their homes, according to the Red Crescent."
)


def seed_text():
    return Document.objects.get(url__startswith="https://seed.invalid").text


def import_(text, url=MIRROR, outlet="Mirror Daily", user=None):
    outlet_source = Source.objects.get_or_create(kind="outlet", name=outlet)[0]
    return intake_services.import_article(
        url=url, outlet=outlet_source, title="Ramadi falls", text=text, user=user, published_at=None
    )


def test_an_imported_article_is_stored_with_its_hash_and_candidates(db, reviewer):
    document, outcome, candidates = import_(ARTICLE, url="https://news.example/delta?utm_source=x", user=reviewer)
    assert outcome == "created" and document.url == "https://news.example/delta"
    assert document.text_matches(ARTICLE)
    assert [(c.speaker_name, c.figures[0]["qualifier"], c.figures[0]["low"]) for c in candidates] == [
        ("Amal Nasser", "at_least", 14),
        ("Red Crescent", "approximately", 3000),
    ]
    for candidate in candidates:
        assert ARTICLE[candidate.start : candidate.end] == candidate.text
        assert candidate.state == "pending"


def test_reimporting_the_same_text_changes_nothing(db, reviewer):
    document, _, first = import_(ARTICLE, user=reviewer)
    history = document.history.count()
    again, outcome, candidates = import_(ARTICLE, url=MIRROR + "/#top", user=reviewer)
    assert (again.pk, outcome, candidates) == (document.pk, "unchanged", [])
    assert Candidate.objects.count() == len(first) and document.history.count() == history


def test_a_changed_text_is_kept_flagged_and_extracted_again(db, reviewer):
    document, _, _ = import_(ARTICLE, user=reviewer)
    old_hash = document.text_sha256
    changed = ARTICLE.replace("at least 14", "at least 19")
    again, outcome, candidates = import_(changed, user=reviewer)
    again.refresh_from_db()
    assert outcome == "text changed"
    assert again.text == changed and again.previous_text_sha256 == old_hash and again.text_changed_at
    assert Candidate.objects.filter(state="pending").count() == len(candidates)
    assert candidates[0].figures[0]["low"] == 19


def test_wire_copy_is_offered_as_a_new_appearance_of_the_known_claim(killed_500, reviewer):
    before = Claim.objects.count()
    _, _, candidates = import_(seed_text().replace("AP said", "the agency said"), user=reviewer)
    un = next(c for c in candidates if c.speaker_name == "United Nations")
    assert un.match_claim == seed_claim("As many as 114,000")
    assert un.match_reason.startswith("same speaker and the same figure: ≤ 114,000 displaced")
    karhout_statement = next(c for c in candidates if c.speaker_name == "Sabah Karhout")
    assert karhout_statement.match_claim is not None

    claim = intake_services.accept_candidate(candidate=un, user=reviewer)
    un.refresh_from_db()
    assert (claim, un.state) == (seed_claim("As many as 114,000"), "merged")
    assert Claim.objects.count() == before
    assert {a.document.url for a in claim.appearances.select_related("document")} == {
        "https://seed.invalid/ap/2015-05-18/hundreds-killed-as-ramadi-falls-to-is",
        MIRROR,
    }


def test_accepting_a_new_claim_goes_through_the_services(db, reviewer):
    _, _, candidates = import_(ARTICLE, user=reviewer)
    governor = candidates[0]
    claim = intake_services.accept_candidate(candidate=governor, user=reviewer)
    assert (claim.status, claim.machine_suggested, claim.kind) == ("unreviewed", True, "figure")
    assert claim.speaker.name == "Amal Nasser" and claim.speaker.kind == "person"  # proposed, made on accepting
    figure = claim.figures.get()
    assert (figure.qualifier, figure.low, figure.metric) == ("at_least", 14, "killed")
    appearance = claim.appearances.get()
    assert appearance.document.text[appearance.start : appearance.end] == appearance.excerpt
    assert claim.history.first().history_user == reviewer
    with pytest.raises(ValidationError, match="already"):
        intake_services.accept_candidate(candidate=governor, user=reviewer)


def test_an_unknown_described_speaker_becomes_an_unnamed_source(db, reviewer):
    _, _, candidates = import_("Two guards were killed, a prison official said.", user=reviewer)
    claim = intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    assert (claim.speaker.kind, claim.speaker.name) == ("unnamed", "prison official")


def test_a_known_speaker_is_resolved_not_duplicated(seed, reviewer):
    sources = Source.objects.count()
    _, _, candidates = import_("Sabah Karhout said 40 fighters were wounded on Friday.", user=reviewer)
    assert candidates[0].speaker_source == source("Sabah Karhout")
    intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    assert Source.objects.count() == sources + 1  # the new outlet only


def test_rejecting_leaves_no_claim(db, reviewer):
    _, _, candidates = import_(ARTICLE, user=reviewer)
    claims = Claim.objects.count()
    intake_services.reject_candidate(candidate=candidates[1], user=reviewer)
    candidates[1].refresh_from_db()
    assert candidates[1].state == "rejected" and Claim.objects.count() == claims


def test_import_article_command(db, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE + "\n\u0627\u0644\u0645\u062d\u0627\u0641\u0638 said nothing.", encoding="utf-8")
    out = StringIO()
    args = [str(path), "--url", "https://news.example/delta", "--outlet", "Delta News", "--title", "Floods"]
    call_command("import_article", *args, "--published", "2024-03-05", stdout=out)
    assert "created" in out.getvalue() and "2 candidate(s) to review." in out.getvalue()
    again = StringIO()
    call_command("import_article", *args, stdout=again)
    assert "unchanged" in again.getvalue() and "0 candidate(s)" in again.getvalue()
    text = Document.objects.get(url="https://news.example/delta").text
    assert "\u0627\u0644\u0645\u062d\u0627\u0641\u0638" in text  # right-to-left text kept


def test_the_admin_import_page_and_review_side_by_side(client, desk_reviewer, seed):
    ap = source("Associated Press")
    response = client.post(
        "/admin/sources/document/import/",
        {"url": "https://news.example/delta", "outlet": ap.pk, "title": "Floods", "text": ARTICLE},
        follow=True,
    )
    page = response.content.decode()
    assert "2 candidate claim(s) to review" in page
    assert page.count("<mark id=") == 2 and "Amal Nasser" in page
    candidate = Candidate.objects.get(speaker_name="Amal Nasser")
    decided = client.post(
        f"/admin/sources/document/{candidate.document_id}/candidates/{candidate.pk}/accept/", follow=True
    )
    assert "Accepted" in decided.content.decode()
    assert Claim.objects.filter(machine_suggested=True, speaker__name="Amal Nasser").exists()


def test_a_candidate_can_be_edited_before_accepting(client, desk_reviewer, db):
    _, _, candidates = import_(ARTICLE)
    candidate = candidates[1]
    url = f"/admin/claims/candidate/{candidate.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    from tests.conftest import admin_form_data

    client.post(url, admin_form_data(page, speaker_name="Red Crescent Society"))
    claim = intake_services.accept_candidate(candidate=candidate, user=desk_reviewer)
    assert claim.speaker.name == "Red Crescent Society"


def test_the_import_page_refuses_nul_bytes(client, desk_reviewer, seed):
    response = client.post(
        "/admin/sources/document/import/",
        {"url": "https://news.example/x", "outlet": source("Associated Press").pk, "title": "X", "text": "a\x00b"},
    )
    assert response.status_code == 200
    assert re.search("NUL|null characters", response.content.decode(), re.IGNORECASE)
    assert not Document.objects.filter(url="https://news.example/x").exists()


def test_machine_suggested_claims_can_be_found_in_the_queue(admin_client, db, reviewer):
    _, _, candidates = import_(ARTICLE, user=reviewer)
    intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    response = admin_client.get("/admin/claims/claim/", {"machine_suggested__exact": "1"})
    assert [c.speaker.name for c in response.context["cl"].result_list] == ["Amal Nasser"]


def test_the_same_toll_elsewhere_weeks_later_is_not_taken_for_wire_copy(db, reviewer):
    from datetime import datetime

    ministry = Source.objects.create(kind="organization", name="Interior Ministry")
    outlet = Source.objects.create(kind="outlet", name="Daily Wire")
    _, _, found = intake_services.import_article(
        url="https://wire.example/mosul", outlet=outlet, title="Mosul", user=reviewer,
        text="A car bomb in Mosul killed five people, the Interior Ministry said.",
        published_at=datetime(2024, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    assert found[0].speaker_source == ministry
    intake_services.accept_candidate(candidate=found[0], user=reviewer)
    _, _, later = intake_services.import_article(
        url="https://wire.example/basra", outlet=outlet, title="Basra", user=reviewer,
        text="Gunmen in Basra shot dead five people at a checkpoint, the Interior Ministry said.",
        published_at=datetime(2024, 5, 20, tzinfo=UTC),
    )  # fmt: skip
    assert later[0].match_claim is None


def test_a_wrong_match_can_be_accepted_as_a_new_claim(killed_500, reviewer):
    _, _, candidates = import_(seed_text(), user=reviewer)
    un = next(c for c in candidates if c.speaker_name == "United Nations")
    assert un.match_claim is not None
    claim = intake_services.accept_candidate(candidate=un, user=reviewer, as_new=True)
    assert claim != un.match_claim and claim.machine_suggested


def test_a_changed_text_moves_recorded_excerpts_and_keeps_reviewed_candidates_reviewed(db, reviewer):
    document, _, candidates = import_(ARTICLE, user=reviewer)
    accepted = intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    intake_services.reject_candidate(candidate=candidates[1], user=reviewer)
    _, outcome, again = import_("UPDATE: " + ARTICLE, user=reviewer)
    assert outcome == "text changed"
    assert not [c for c in again if "Red Crescent" in c.text]  # rejected stays rejected
    assert all(c.match_claim == accepted for c in again)  # the accepted one is known now
    appearance = accepted.appearances.get()
    document.refresh_from_db()
    assert document.text[appearance.start : appearance.end] == appearance.excerpt


def test_a_bad_url_is_a_clear_error(db, tmp_path):
    from django.core.management import CommandError

    path = tmp_path / "a.txt"
    path.write_text("x")
    with pytest.raises(CommandError, match="url"):
        call_command("import_article", str(path), "--url", "notaurl", "--outlet", "X", "--title", "T")


def test_an_edited_figure_the_figure_rules_refuse_is_shown_on_the_form_not_saved(client, desk_reviewer, db):
    _, _, candidates = import_(ARTICLE)
    candidate = candidates[0]
    url = f"/admin/claims/candidate/{candidate.pk}/change/"
    from tests.conftest import admin_form_data

    before = list(candidate.figures)
    # "at least 14" given a high bound too: the Figure model's own constraint refuses it
    response = client.post(url, admin_form_data(client.get(url), **{"figure-0-high": "90"}))
    assert response.status_code == 200
    assert "Figure 1: An &#x27;at least&#x27; or &#x27;more than&#x27; figure has a low bound and no high" in (
        response.content.decode()
    )
    candidate.refresh_from_db()
    assert candidate.figures == before


@pytest.mark.parametrize(
    ("content", "refusal"),
    [
        (b"Police said 5 were killed.\x00\x01", "NUL byte at character 26"),
        (b"Police said \xff 5", r"not UTF-8 text \(byte 12\)"),
    ],
)
def test_an_article_that_is_not_plain_text_is_refused_where_it_breaks_and_nothing_is_stored(
    db, tmp_path, content, refusal
):
    from django.core.management import CommandError

    from sources.models import Document

    path = tmp_path / "a.txt"
    path.write_bytes(content)
    args = (str(path), "--url", "https://example.org/a", "--outlet", "Example", "--title", "T")
    before = Document.objects.count()
    with pytest.raises(CommandError, match=refusal):
        call_command("import_article", *args)
    assert Document.objects.count() == before


def test_money_is_kept_as_money_with_its_currency_not_as_people(db, reviewer):
    text = "The government will spend $3.5 billion on flood defences, the finance minister, Ana Ruiz, said on Monday."
    _, _, candidates = import_(text, user=reviewer)
    claim = intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    figure = claim.figures.get()
    assert (figure.unit, figure.currency, figure.low) == ("money", "USD", 3_500_000_000)
    assert "USD" in figure.summary()


def test_only_money_has_a_currency(killed_500):
    from django.db import IntegrityError, transaction

    figure = killed_500.figures.first()
    figure.currency = "USD"
    with pytest.raises(ValidationError, match="Only money has a currency"):
        figure.full_clean()
    with pytest.raises(IntegrityError, match="figure_currency_only_for_money"), transaction.atomic():
        type(figure).objects.filter(pk=figure.pk).update(currency="USD")
    figure.unit, figure.currency = "money", "dollars"
    with pytest.raises(ValidationError, match="ISO 4217"):
        figure.full_clean()


def test_a_figure_no_metric_names_keeps_what_it_counts_in_the_reports_words(db, reviewer):
    text = "U.S. employers added 275,000 jobs in February, the Labor Department said on Friday."
    _, _, candidates = import_(text, user=reviewer)
    claim = intake_services.accept_candidate(candidate=candidates[0], user=reviewer)
    figure = claim.figures.get()
    assert (figure.metric, figure.low) == ("other", 275_000)
    assert "jobs" in figure.measure
    assert figure.summary().startswith("275,000 ") and "other" not in figure.summary()
