"""Reviewers saving the same claim page in the admin at the same moment, on real parallel connections.

Each writer is a thread with its own database connection (Django keeps one per thread) and its
own logged-in client, going through the whole request stack; a barrier releases them together.
Where a race must be won a particular way to mean anything, another connection holds the
claim's row lock until every writer is waiting on it, so their writes really do overlap.
PostgreSQL only: SQLite serializes writers on the whole file, so nothing would overlap there.
"""

import threading
import time
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client

from claims import services
from claims.models import Claim, Status
from tests.concurrency import (
    REAL_CONCURRENCY,
    ROUNDS,
    STALE,
    STATUSES,
    assert_published_status_and_history_agree,
    desk_member,
    logged_in,
    queued,
    record_run,
    run_writers,
    together,
    waiting,
)
from tests.conftest import admin_form_data, source

pytestmark = REAL_CONCURRENCY


def change_url(claim: Claim) -> str:
    return f"/admin/claims/claim/{claim.pk}/change/"


# Each reviewer's edit of one kind, told apart by a mark unique to the reviewer and the round.
EDITS = {
    "text": lambda mark: {"described_as": f"as edited, {mark}"},
    "figure": lambda mark: {"figures-0-low": str(600 + mark)},
    "evidence": lambda mark: {
        "evidence-2-TOTAL_FORMS": "1",
        "evidence-2-0-stance": "supports",
        "evidence-2-0-source": str(source("John Kerry").pk),
        "evidence-2-0-note": f"Evidence, {mark}.",
    },
}


def edit_kept(claim: Claim, kind: str, mark: int) -> bool:
    claim.refresh_from_db()
    if kind == "text":
        return claim.described_as == f"as edited, {mark}"
    if kind == "figure":
        return claim.figures.order_by("pk").first().low == 600 + mark
    return claim.evidence.filter(note=f"Evidence, {mark}.").exists()


def saved(response) -> bool:
    page = response.content.decode()
    if STALE in page:
        return False
    assert "was changed successfully" in page, page[:2000]
    return True


def race_two_claim_pages(claim: Claim, kinds: tuple[str, str], clients: list[Client], hold: bool, round_: int = 0):
    """Both reviewers open the claim page, then save their edits at the same moment.
    Returns which of them got through: exactly one must."""
    marks = [2 * round_, 2 * round_ + 1]
    pages = [client.get(change_url(claim)) for client in clients]
    forms = [admin_form_data(page, **EDITS[kind](mark)) for page, kind, mark in zip(pages, kinds, marks, strict=True)]
    claim.refresh_from_db()
    start = claim.version

    def writer(n):
        def write(go):
            go()
            return clients[n].post(change_url(claim), forms[n], follow=True)

        return write

    responses = together(writer(0), writer(1), hold=claim if hold else None)
    outcome = [saved(r) for r in responses]
    assert outcome.count(True) == 1, f"{kinds}: both saves went through"
    winner, loser = outcome.index(True), outcome.index(False)
    assert edit_kept(claim, kinds[winner], marks[winner])
    assert not edit_kept(claim, kinds[loser], marks[loser]), f"{kinds}: the refused edit was written"
    claim.refresh_from_db()
    assert claim.version == start + 1
    return winner


@pytest.mark.parametrize(
    "kinds",
    [("text", "text"), ("text", "figure"), ("figure", "text"), ("figure", "figure"), ("text", "evidence")],
    ids="-vs-".join,
)
def test_the_second_of_two_overlapping_claim_page_saves_is_refused_and_the_first_kept(killed_500, kinds):
    clients = [logged_in(desk_member("rita")), logged_in(desk_member("ravi"))]
    race_two_claim_pages(killed_500, kinds, clients, hold=True)
    assert_published_status_and_history_agree(killed_500)


def test_claim_page_saves_racing_round_after_round_never_both_land(killed_500):
    clients = [logged_in(desk_member("rita")), logged_in(desk_member("ravi"))]
    pairs = [("text", "text"), ("text", "figure"), ("figure", "figure"), ("figure", "evidence")]
    winners = Counter()
    began = time.monotonic()
    for round_ in range(ROUNDS):
        winners[race_two_claim_pages(killed_500, pairs[round_ % len(pairs)], clients, False, round_)] += 1
    record_run(
        "admin claim page, two reviewers saving at once",
        rounds=ROUNDS,
        winners={"first": winners[0], "second": winners[1]},
        seconds=round(time.monotonic() - began, 1),
    )


def test_an_editor_publishing_from_a_claim_page_someone_changed_is_refused(killed_500):
    reviewer, editor = desk_member("rita"), desk_member("eddie")
    proposal = services.propose_verdict(
        claim=killed_500, status=Status.UNCONFIRMED, rationale="AP alone.", reviewer=reviewer
    )
    client = logged_in(editor)
    page = client.get(change_url(killed_500))
    services.add_evidence(
        claim=killed_500, stance="contradicts", note="Says otherwise.", added_by=reviewer, source=source("John Kerry")
    )
    response = client.post(
        f"/admin/claims/claim/{killed_500.pk}/verdicts/{proposal.pk}/publish/", admin_form_data(page), follow=True
    )
    assert f"Not published: {STALE}" in response.content.decode()
    killed_500.refresh_from_db()
    assert killed_500.status == Status.UNREVIEWED and not killed_500.verdicts.published().exists()


def test_publishing_and_proposing_in_the_admin_at_once_let_exactly_one_through(killed_500):
    claim = killed_500
    rita, ravi = desk_member("rita"), desk_member("ravi")
    editor, proposer = logged_in(desk_member("eddie")), logged_in(ravi)
    outcomes = Counter()
    for round_ in range(ROUNDS):
        pending = services.propose_verdict(
            claim=claim, status=STATUSES[round_ % 2], rationale=f"Round {round_}.", reviewer=rita
        )
        claim_page = editor.get(change_url(claim))
        proposal_page = proposer.get(f"/admin/claims/claim/{claim.pk}/propose-verdict/")
        version = proposal_page.context["form"].initial["version"]

        def publish(go, pending=pending, claim_page=claim_page):
            go()
            url = f"/admin/claims/claim/{claim.pk}/verdicts/{pending.pk}/publish/"
            return editor.post(url, admin_form_data(claim_page), follow=True).content.decode()

        def propose(go, round_=round_, version=version):
            go()
            body = {"status": STATUSES[(round_ + 1) % 2], "rationale": f"Round {round_}, later.", "version": version}
            return proposer.post(f"/admin/claims/claim/{claim.pk}/propose-verdict/", body, follow=True).content.decode()

        published, proposed = together(publish, propose)
        if "Published:" in published:
            assert f"Not recorded: {STALE}" in proposed
            outcomes["published first"] += 1
        else:
            assert "Not published: A newer verdict has been proposed since" in published
            assert "It shows to newsrooms once an editor publishes it." in proposed
            outcomes["proposed first"] += 1
        assert_published_status_and_history_agree(claim)
    record_run("admin, publish racing a newer proposal", rounds=ROUNDS, outcomes=outcomes)


def test_a_figure_or_evidence_someone_deleted_meanwhile_is_refused_not_written_back(killed_500):
    claim = killed_500
    deleter, editor = logged_in(desk_member("dora")), logged_in(desk_member("rita"))
    figure = claim.figures.order_by("pk").first()
    evidence = services.add_evidence(
        claim=claim, stance="supports", note="Same toll.", added_by=desk_member("ravi"), source=source("John Kerry")
    )
    figure_page = editor.get(f"/admin/claims/figure/{figure.pk}/change/")

    def delete(url):
        def write(go):
            go()
            return deleter.post(url, {"post": "yes"}, follow=True).content.decode()

        return write

    def edit_figure(go):
        go()
        data = admin_form_data(figure_page, low="650")
        return editor.post(f"/admin/claims/figure/{figure.pk}/change/", data, follow=True).content.decode()

    deleted, edited = queued(claim, delete(f"/admin/claims/figure/{figure.pk}/delete/"), edit_figure)
    assert "was deleted successfully" in deleted
    assert "Someone else deleted this figure meanwhile." in edited
    assert not claim.figures.filter(pk=figure.pk).exists()

    removals = queued(claim, *[delete(f"/admin/claims/evidence/{evidence.pk}/delete/")] * 2)
    assert "was deleted successfully" in removals[0]
    assert "Someone else removed this evidence meanwhile." in removals[1]
    assert not claim.evidence.exists()
    assert_published_status_and_history_agree(claim)


def test_an_edit_that_rejudges_evidence_on_another_claim_never_deadlocks_with_a_save_of_that_claim(killed_500):
    """Re-attributing X to the speaker's own organization makes the evidence that cites X on
    Haimour's claim dependent, so the edit must also raise Haimour's claim. Meanwhile a
    reviewer's save of Haimour's claim page has locked it, and is about to add evidence."""
    reviewer = desk_member("rita")
    kerry_claim = services.record_claim(speaker=source("John Kerry"), text="Ramadi has fallen.", user=reviewer)
    services.add_evidence(
        claim=killed_500, stance="supports", note="Kerry says so.", added_by=reviewer, evidence_claim=kerry_claim
    )
    page_locked, done = threading.Event(), threading.Event()

    def save_haimour_page(go):  # what the admin does: lock the claim, then save the page's new evidence
        go()
        with transaction.atomic():
            services.update_claim(claim=killed_500, user=reviewer)
            page_locked.set()
            done.wait(20)
            services.add_evidence(
                claim=killed_500, stance="supports", note="Same toll.", added_by=reviewer, source=source("John Kerry")
            )
        return "saved"

    def reattribute(go):
        go()
        page_locked.wait(20)
        services.update_claim(claim=kerry_claim, user=reviewer, speaker=source("Sabah Karhout"))
        return "re-attributed"

    # Once the re-attribution waits for a lock, the page save goes on to write.
    results = run_writers([save_haimour_page, reattribute], lambda: None, before_join=lambda: waiting(1) and done.set())
    assert results == ["saved", "re-attributed"]
    cited = killed_500.evidence.get(evidence_claim=kerry_claim)
    assert (cited.independent, cited.independence_code) == (False, "same_organization")
    assert killed_500.evidence.count() == 2
    assert_published_status_and_history_agree(killed_500)


# 3. Publishing racing proposing, publishing and deleting
