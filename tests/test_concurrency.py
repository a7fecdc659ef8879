"""Reviewers and editors writing the same claim at the same moment, on real parallel connections.

Each writer is a thread with its own database connection (Django keeps one per thread) and its
own logged-in client, going through the whole request stack; a barrier releases them together.
Where a race must be won a particular way to mean anything, another connection holds the
claim's row lock until every writer is waiting on it, so their writes really do overlap.
PostgreSQL only: SQLite serializes writers on the whole file, so nothing would overlap there.
"""

import itertools
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client

from claims import services
from claims.models import Claim, ClaimChange, Status, Verdict
from tests.conftest import admin_form_data, source

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs real concurrent connections and row locks (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 50
ROUNDS = 20
STALE = "Someone else changed this claim"
CONFLICT = 409  # refused for what the claim has become: a newer proposal, already published
# Statuses the seed's claims can take without evidence, so any writer's verdict is admissible.
STATUSES = [Status.UNCONFIRMED, Status.RETRACTED]


def run_writers(writers, go, started=None, before_join=None, on_failure=None, timeout: float = 120) -> list:
    """Run each writer in its own thread, so on its own database connection, passing it `go`
    to call just before its write. Returns what each returned; a writer that raised (a 500
    does: the test client re-raises it) fails the test."""
    results: list = [None] * len(writers)

    def run(number, writer):
        try:
            results[number] = writer(go)
        except BaseException as exc:
            results[number] = exc
            if on_failure:
                on_failure()
        finally:
            connection.close()

    threads = []
    for number, writer in enumerate(writers):
        threads.append(threading.Thread(target=run, args=(number, writer)))
        threads[-1].start()
        if started:
            started(number)
    if before_join:
        before_join()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} writer(s) failed, first: {failures[0]!r}"
    return results


def together(*writers, hold: Claim | None = None) -> list:
    """Release the writers at once. With `hold`, another connection also holds that claim's
    row lock until every writer waits on it, so their writes certainly overlap."""
    barrier = threading.Barrier(len(writers))
    go = lambda: barrier.wait(timeout=60)  # noqa: E731
    if hold is None:
        return run_writers(writers, go, on_failure=barrier.abort)
    with HeldLock(hold) as lock:
        results = run_writers(writers, go, on_failure=barrier.abort, before_join=lambda: lock.let_go(len(writers)))
    assert lock.waited >= len(writers), "the writers did not all wait on the claim"
    return results


def queued(claim: Claim, *writers) -> list:
    """Writers reach the claim's row lock in the order given, while another connection holds
    it; then it is let go, and each writes in that order, on what the one before left."""
    with HeldLock(claim) as lock:
        results = run_writers(writers, lambda: None, started=lambda n: lock.wait_for(n + 1), before_join=lock.let_go)
    assert lock.waited >= len(writers), "the writers did not all wait on the claim"
    return results


def waiting(waiters: int, timeout: float = 20) -> int:
    """How many connections wait for a lock, once `waiters` do (or the timeout passes)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            count = cursor.fetchone()[0]
            if count >= waiters or time.monotonic() > deadline:
                return count
            time.sleep(0.02)


class HeldLock:
    """Hold a claim's row lock on another connection, until let go."""

    def __init__(self, claim: Claim):
        self.claim = claim
        self.held, self.released = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.waited = 0

    def _hold(self):
        try:
            with transaction.atomic():
                Claim.objects.select_for_update().get(pk=self.claim.pk)
                self.held.set()
                self.released.wait(60)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def wait_for(self, waiters: int) -> None:
        self.waited = waiting(waiters)

    def let_go(self, waiters: int = 0) -> None:
        self.wait_for(waiters)
        self.released.set()

    def __exit__(self, *exc):
        self.released.set()
        self.thread.join(30)


def desk_member(name: str):
    return get_user_model().objects.create_user(name, is_staff=True, is_superuser=True)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, path: str, data: dict | None = None, etag: str | None = None):
    headers = {"If-Match": etag} if etag else {}
    return client.post(path, data or {}, content_type="application/json", headers=headers)


def claim_url(claim: Claim) -> str:
    return f"/api/v1/claims/{claim.pk}/"


def publish_url(verdict_id: int) -> str:
    return f"/api/v1/verdicts/{verdict_id}/publish/"


def refusal(response) -> str:
    return " ".join(m for messages in response.json().values() for m in messages)


def assert_published_status_and_history_agree(claim: Claim) -> list[Verdict]:
    """The status newsrooms see, the verdict log, the change feed and the audit history tell one story."""
    claim.refresh_from_db()
    published = list(claim.verdicts.published().order_by("published_at", "pk"))
    # Only the newest verdict can be published, so publication order is proposal order.
    assert [v.pk for v in published] == sorted(v.pk for v in published)
    for verdict in published:
        assert not claim.verdicts.filter(pk__gt=verdict.pk, created_at__lt=verdict.published_at).exists(), (
            "a verdict was published after a newer one had been proposed"
        )
    assert claim.status == (published[-1].status if published else Status.UNREVIEWED)

    feed = ClaimChange.objects.filter(claim_id=claim.pk).order_by("seq")
    shown = [c.status for c in feed if c.kind == ClaimChange.Kind.STATUS_PUBLISHED]
    assert shown == [v.status for v in published]
    assert feed.last().status == claim.status

    history = list(claim.history.order_by("history_date", "history_id"))
    versions = [h.version for h in history]
    assert all(0 <= b - a <= 1 for a, b in itertools.pairwise(versions)), versions
    assert versions[-1] == claim.version and history[-1].status == claim.status
    reasons = [(h.history_change_reason or "", h.status) for h in history]
    assert [status for reason, status in reasons if reason.startswith("verdict published")] == [
        v.status for v in published
    ]
    return published


# 1. Verdicts through the API


def test_fifty_verdict_writers_with_one_etag_publish_once_and_every_stale_writer_gets_412(killed_500):
    claim, start = killed_500, killed_500.version
    desk = [(logged_in(desk_member(f"reviewer{n}")), logged_in(desk_member(f"editor{n}"))) for n in range(WRITERS)]

    def writer(number):
        reviewer, editor = desk[number]

        def write(go):
            etag = reviewer.get(claim_url(claim))["ETag"]
            go()
            proposal = post_json(
                reviewer,
                f"{claim_url(claim)}verdicts/",
                {"status": STATUSES[number % 2], "rationale": f"Writer {number}."},
                etag,
            )
            if proposal.status_code != 201:
                return proposal, None
            return proposal, post_json(editor, publish_url(proposal.json()["id"]), etag=etag)

        return write

    outcomes = together(*(writer(n) for n in range(WRITERS)))

    proposals = Counter(p.status_code for p, _ in outcomes)
    publications = Counter(p.status_code for _, p in outcomes if p is not None)
    assert set(proposals) <= {201, 412} and set(publications) <= {200, CONFLICT, 412}, (proposals, publications)
    for response in [r for pair in outcomes for r in pair if r is not None and r.status_code == 412]:
        assert STALE in response.json()["version"][0]
    for response in [p for _, p in outcomes if p is not None and p.status_code == CONFLICT]:
        assert "A newer verdict has been proposed since" in refusal(response)

    # One ETag, one publication: it raises the version, so every later write with it is stale.
    assert publications[200] == 1
    (winner,) = [p.json() for _, p in outcomes if p is not None and p.status_code == 200]
    assert winner["claim_version"] == start + 1
    # Every proposal that got 201 is in the log, once; none was written after the publication.
    created = sorted(p.json()["id"] for p, _ in outcomes if p.status_code == 201)
    assert created == sorted(claim.verdicts.values_list("pk", flat=True))
    assert len(created) == proposals[201] and created[-1] == winner["id"]

    published = assert_published_status_and_history_agree(claim)
    assert [(v.pk, v.status) for v in published] == [(winner["id"], winner["status"])]
    assert (claim.version, claim.status) == (start + 1, winner["status"])
    record_run("API, 50 writers sharing one ETag", proposals=proposals, publications=publications)


def test_fifty_verdict_writers_without_a_version_are_serialized_by_the_claim_lock(killed_500):
    claim, start = killed_500, killed_500.version
    desk = [(logged_in(desk_member(f"reviewer{n}")), logged_in(desk_member(f"editor{n}"))) for n in range(WRITERS)]

    def writer(number):
        reviewer, editor = desk[number]

        def write(go):
            go()
            proposal = post_json(
                reviewer, f"{claim_url(claim)}verdicts/", {"status": STATUSES[number % 2], "rationale": f"W{number}."}
            )
            return proposal, post_json(editor, publish_url(proposal.json()["id"]))

        return write

    outcomes = together(*(writer(n) for n in range(WRITERS)))

    proposals = Counter(p.status_code for p, _ in outcomes)
    publications = Counter(p.status_code for _, p in outcomes)
    assert proposals == {201: WRITERS}
    assert set(publications) <= {200, CONFLICT}, publications
    for _, response in outcomes:
        if response.status_code == CONFLICT:
            assert "A newer verdict has been proposed since" in refusal(response)
    assert claim.verdicts.count() == WRITERS

    published = assert_published_status_and_history_agree(claim)
    assert len(published) == publications[200] >= 1
    assert {v.pk for v in published} == {p.json()["id"] for _, p in outcomes if p.status_code == 200}
    assert claim.version == start + len(published)
    record_run("API, 50 writers sending no version", proposals=proposals, publications=publications)


# 2. Two reviewers saving the same claim page


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


def test_publish_racing_a_newer_proposal_lets_exactly_one_through(killed_500):
    claim = killed_500
    reviewers = [desk_member("rita"), desk_member("ravi")]
    editor = logged_in(desk_member("eddie"))
    proposer = logged_in(reviewers[1])
    outcomes = Counter()
    for round_ in range(ROUNDS):
        pending = services.propose_verdict(
            claim=claim, status=STATUSES[round_ % 2], rationale=f"Round {round_}.", reviewer=reviewers[0]
        )
        etag = proposer.get(claim_url(claim))["ETag"]

        def publish(go, pending=pending, etag=etag):
            go()
            return post_json(editor, publish_url(pending.pk), etag=etag)

        def propose(go, round_=round_, etag=etag):
            go()
            body = {"status": STATUSES[(round_ + 1) % 2], "rationale": f"Round {round_}, second thoughts."}
            return post_json(proposer, f"{claim_url(claim)}verdicts/", body, etag)

        published, proposed = together(publish, propose)
        assert (published.status_code, proposed.status_code) in {(200, 412), (CONFLICT, 201)}, (
            published.content,
            proposed.content,
        )
        if published.status_code == CONFLICT:
            assert "A newer verdict has been proposed since" in refusal(published)
        else:
            assert STALE in proposed.json()["version"][0]
        outcomes["published first" if published.status_code == 200 else "proposed first"] += 1
        assert_published_status_and_history_agree(claim)
    record_run("API, publish racing a newer proposal", rounds=ROUNDS, outcomes=outcomes)


def test_two_editors_publishing_at_once_publish_once(killed_500):
    claim = killed_500
    reviewer = desk_member("rita")
    editors = [logged_in(desk_member("eddie")), logged_in(desk_member("edna"))]
    outcomes = Counter()
    for round_ in range(ROUNDS):
        older = services.propose_verdict(
            claim=claim, status=STATUSES[round_ % 2], rationale=f"Round {round_}.", reviewer=reviewer
        )
        newer = services.propose_verdict(
            claim=claim, status=STATUSES[(round_ + 1) % 2], rationale=f"Round {round_}, later.", reviewer=reviewer
        )
        same = round_ % 2 == 0  # even rounds: both editors publish the newest; odd: one each
        targets = [newer, newer] if same else [older, newer]

        def publish(editor, verdict):
            def write(go):
                go()
                return post_json(editor, publish_url(verdict.pk))

            return write

        responses = together(*(publish(e, v) for e, v in zip(editors, targets, strict=True)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, CONFLICT], [r.content for r in responses]
        (refused,) = [r for r in responses if r.status_code == CONFLICT]
        expected = "was already published by" if same else "A newer verdict has been proposed since"
        assert expected in refusal(refused)
        newer.refresh_from_db()
        assert newer.is_published and not Verdict.objects.get(pk=older.pk).is_published
        outcomes["same proposal" if same else "two proposals"] += 1
        assert_published_status_and_history_agree(claim)
    record_run("API, two editors publishing at once", rounds=ROUNDS, outcomes=outcomes)


# How a verdict write and a deletion of the claim meet, round after round.
DELETE_RACES = [
    "propose and delete at once",
    "delete reaches the claim first, then propose",
    "propose reaches the claim first, then delete",
    "publish and delete at once",
]


def test_a_verdict_written_while_the_claim_is_deleted_is_one_or_the_other_never_a_500(seed):
    reviewer = desk_member("rita")
    proposer, editor, deleter = logged_in(reviewer), logged_in(desk_member("eddie")), logged_in(desk_member("dora"))
    outcomes = Counter()
    for round_ in range(ROUNDS):
        race = DELETE_RACES[round_ % len(DELETE_RACES)]
        claim = services.record_claim(speaker=source("John Kerry"), text=f"Round {round_} claim.", user=reviewer)
        pending = None
        if race.startswith("publish"):
            pending = services.propose_verdict(
                claim=claim, status=Status.UNCONFIRMED, rationale="R.", reviewer=reviewer
            )

        def write(go, claim=claim, pending=pending):
            go()
            if pending is not None:
                return post_json(editor, publish_url(pending.pk))
            return post_json(proposer, f"{claim_url(claim)}verdicts/", {"status": "unconfirmed", "rationale": "R."})

        def delete(go, claim=claim):
            go()
            return deleter.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"}, follow=True)

        if race.startswith("delete reaches"):
            deleted, written = queued(claim, delete, write)
        elif race.startswith("propose reaches"):
            written, deleted = queued(claim, write, delete)
        else:
            written, deleted = together(write, delete)

        page = deleted.content.decode()
        if not Claim.objects.filter(pk=claim.pk).exists():
            assert "was deleted successfully" in page
            assert written.status_code in (404, CONFLICT), written.content
            assert written.status_code == 404 or "Someone else deleted this claim" in written.content.decode()
            assert not Verdict.objects.filter(claim_id=claim.pk).exists()
            tombstone = ClaimChange.objects.filter(claim_id=claim.pk).order_by("-seq").first()
            assert tombstone.kind == ClaimChange.Kind.DELETED
            outcomes[f"{race}: deleted"] += 1
        else:
            # Refused by the admin's look at the claim's verdicts, or by the service's, under its lock.
            assert "verdicts are never deleted" in page or "<h1>Cannot delete claim</h1>" in page
            assert written.status_code in (200, 201), written.content
            assert_published_status_and_history_agree(claim)
            outcomes[f"{race}: verdict written"] += 1
    assert outcomes["delete reaches the claim first, then propose: deleted"] == ROUNDS // len(DELETE_RACES)
    assert outcomes["propose reaches the claim first, then delete: verdict written"] == ROUNDS // len(DELETE_RACES)
    record_run("verdict writes racing a delete", rounds=ROUNDS, outcomes=outcomes)


def record_run(what: str, **counts) -> None:
    """Print what a race came to, for the reliability notes (pytest -s shows it)."""
    print(f"{what}: " + ", ".join(f"{k}={dict(v) if isinstance(v, Counter) else v}" for k, v in counts.items()))
