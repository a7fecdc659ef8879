"""Reviewers and editors writing the same claim at the same moment, on real parallel connections.

Each writer is a thread with its own database connection (Django keeps one per thread) and its
own logged-in client, going through the whole request stack; a barrier releases them together.
Where a race must be won a particular way to mean anything, another connection holds the
claim's row lock until every writer is waiting on it, so their writes really do overlap.
PostgreSQL only: SQLite serializes writers on the whole file, so nothing would overlap there.
"""

from collections import Counter

from claims import services
from claims.models import Claim, ClaimChange, Status, Verdict
from tests.concurrency import (
    CONFLICT,
    REAL_CONCURRENCY,
    ROUNDS,
    STALE,
    STATUSES,
    WRITERS,
    assert_published_status_and_history_agree,
    claim_url,
    desk_member,
    logged_in,
    post_json,
    publish_url,
    queued,
    record_run,
    refusal,
    together,
)
from tests.conftest import source

pytestmark = REAL_CONCURRENCY


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
