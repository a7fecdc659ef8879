"""The read model: every claim's stored rendering is what rendering it now gives, whatever
changed it, and the API serves the stored bytes in a fixed number of statements."""

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ThrottleCount
from api.serializers import ClaimSerializer
from bench.synthetic import Generator, Plan
from claims import bulk_rendering, rendering, services
from claims.models import Claim, ClaimChange, ClaimRendering, Event, Evidence, Figure, Verdict
from exchange.csv_exchange import export_csv, import_csv
from sources.models import Source
from tests.concurrency import REAL_CONCURRENCY, together
from tests.conftest import admin_form_data, decide, source, support


def stale_renderings() -> list[int]:
    """Claims whose stored rendering differs from rendering them now (or is missing)."""
    ids = list(Claim.objects.values_list("pk", flat=True))
    fresh = rendering.render(ids)
    stored = {r.claim_id: r for r in ClaimRendering.objects.all()}
    return [
        pk
        for pk, now in fresh.items()
        if pk not in stored or (stored[pk].body, stored[pk].version) != (now.body, now.version)
    ]


def stored_body(claim: Claim) -> dict:
    return json.loads(ClaimRendering.objects.get(claim=claim).body)


@pytest.fixture
def generated(seed):
    """The seed and 120 generated claims, with their renderings as the generator stores them."""
    Generator(Plan(120), seed=7, progress=lambda message: None).run()


def test_every_service_write_leaves_the_stored_rendering_current(seed, reviewer, hospital_director):
    claim = Claim.objects.get(text__startswith="Islamic State militants killed at least 500")
    assert stale_renderings() == []
    services.update_claim(claim=claim, user=reviewer, text="At least 500 people were killed in Ramadi.")
    support(claim, reviewer, source=hospital_director)
    decide(claim, reviewer, "confirmed", "The hospital counted them.")
    assert stored_body(claim)["status"]["code"] == "confirmed"
    assert stored_body(claim)["text"] == "At least 500 people were killed in Ramadi."
    assert stale_renderings() == []


def test_a_renamed_source_changes_every_claim_that_prints_it(seed, reviewer, hospital_director, admin_client):
    """A speaker's organization, an outlet and an evidence item's origin print names too."""
    anbar = source("Anbar provincial government")
    printing = {c.pk for c in Claim.objects.all() if "Anbar provincial government" in rendering_text(c)}
    citing = Claim.objects.exclude(pk__in=printing).first()
    support(citing, reviewer, source=hospital_director)
    assert len(printing) >= 2
    before = {r.claim_id: r.body for r in ClaimRendering.objects.all()}

    page = admin_client.get(f"/admin/sources/source/{anbar.pk}/change/")
    response = admin_client.post(page.request["PATH_INFO"], admin_form_data(page, name="Anbar Provincial Council"))
    assert response.status_code == 302
    hospital_director.name = "Dr Ahmed"
    hospital_director.save()
    services.refresh_independence_around(sources=[hospital_director])

    after = {r.claim_id: r.body for r in ClaimRendering.objects.all()}
    assert {pk for pk in before if before[pk] != after[pk]} >= printing | {citing.pk}
    assert not any("Anbar provincial government" in body for body in after.values())
    assert all("Anbar Provincial Council" in after[pk] for pk in printing) and "Dr Ahmed" in after[citing.pk]
    assert stale_renderings() == []


def rendering_text(claim: Claim) -> str:
    return ClaimRendering.objects.get(claim=claim).body


def test_the_etag_moves_exactly_when_the_body_moves(api, seed, reviewer, hospital_director):
    claim = Claim.objects.get(text__startswith="Islamic State militants killed at least 500")
    url = f"/api/v1/claims/{claim.pk}/"
    steps = [
        lambda: None,
        lambda: services.assign_claim(claim=claim, assignee=reviewer, by=reviewer),  # desk-internal
        lambda: services.propose_verdict(claim=claim, status="unconfirmed", rationale="So far.", reviewer=reviewer),
        lambda: support(claim, reviewer, source=hospital_director),
        lambda: decide(claim, reviewer, "confirmed", "Counted."),
        lambda: Source.objects.filter(pk=hospital_director.pk).update(description="Not printed."),
        lambda: services.refresh_independence_around(sources=[claim.speaker]),  # nothing printed changed
    ]
    previous = api.get(url)
    for step in steps:
        step()
        now = api.get(url)
        assert (now["ETag"] != previous["ETag"]) == (now.content != previous.content)
        previous = now


def test_an_event_deleted_in_the_admin_leaves_its_claims_renderings_current(seed, admin_client):
    claim = Claim.objects.filter(event__isnull=False).first()
    event = claim.event
    response = admin_client.post(f"/admin/claims/event/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert stored_body(claim)["event"] is None
    assert stale_renderings() == []


def test_a_missing_or_stale_rendering_is_rendered_stored_and_served(api, seed):
    claim, other = Claim.objects.order_by("pk")[:2]
    ClaimRendering.objects.filter(claim=claim).delete()
    Claim.objects.filter(pk=other.pk).update(text="Changed with raw SQL.")  # updated_at stays
    Claim.objects.filter(pk=other.pk).update(updated_at=other.updated_at.replace(year=2020))
    assert api.get(f"/api/v1/claims/{claim.pk}/").json()["id"] == claim.pk
    assert ClaimRendering.objects.filter(claim=claim).exists()
    listed = {c["id"]: c for c in api.get("/api/v1/claims/", {"page_size": 200}).json()["results"]}
    assert listed[other.pk]["text"] == "Changed with raw SQL."
    assert stale_renderings() == []


def test_a_rendering_that_fails_fails_the_write_with_nothing_written(seed, reviewer, monkeypatch):
    claim = Claim.objects.order_by("pk").first()
    feed = ClaimChange.objects.count()

    def broken(claim):
        raise RuntimeError("rendering bug")

    monkeypatch.setattr(rendering, "representation", broken)
    with pytest.raises(RuntimeError, match="rendering bug"):
        services.update_claim(claim=claim, user=reviewer, text="Never committed.")
    monkeypatch.undo()
    claim.refresh_from_db()
    assert claim.text != "Never committed." and claim.version == 1
    assert ClaimChange.objects.count() == feed
    assert stale_renderings() == []


def test_a_claim_change_outside_a_service_transaction_is_refused(seed):
    from claims.services.writes import bump

    with pytest.raises(RuntimeError, match="outside"):
        bump(Claim.objects.first(), None, "raw")


def test_the_generator_and_bulk_renderings_equal_the_rendering_function(generated, reviewer, hospital_director):
    claims = list(Claim.objects.order_by("pk"))
    support(claims[0], reviewer, source=hospital_director)
    decide(claims[0], reviewer, "confirmed")
    assert ClaimRendering.objects.count() == len(claims)
    assert Evidence.objects.exists() and Verdict.objects.filter(published_at__isnull=False).count() > 1
    assert stale_renderings() == []
    ClaimRendering.objects.all().delete()
    assert bulk_rendering.store_all(batch=50) == len(claims)
    assert stale_renderings() == []


def test_every_rendering_has_the_fields_the_schema_declares(generated):
    def fields(serializer):
        return set(serializer.fields)

    declared = fields(ClaimSerializer())
    nested = ClaimSerializer().fields
    for claim in rendering.claims_for_rendering():
        body = rendering.representation(claim)
        assert set(body) == declared
        assert set(body["status"]) == fields(nested["status"])
        assert set(body["speaker"]) == fields(nested["speaker"])
        assert set(body["evidence"]) == fields(nested["evidence"])
        for figure in body["figures"]:
            assert set(figure) == fields(nested["figures"].child)
        for item in body["evidence"]["items"]:
            assert set(item) == fields(nested["evidence"].fields["items"].child)
        for verdict in body["verdicts"]:
            assert set(verdict) == fields(nested["verdicts"].child)


def data_statements(queries) -> list[str]:
    """The statements a read sends for its data: not the caller's key, nor its throttle count."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "api_throttlecount" not in q["sql"] and "claims_newsroomkey" not in q["sql"]
        and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]  # fmt: skip


def test_reads_take_at_most_three_statements_at_any_page_size(api, generated):
    document = Claim.objects.filter(appearances__isnull=False).first().appearances.first().document
    claim = Claim.objects.order_by("pk").first()
    reads = {
        "list 10": ("/api/v1/claims/", {"page_size": 10}),
        "list 200": ("/api/v1/claims/", {"page_size": 200}),
        "filtered": ("/api/v1/claims/", {"page_size": 200, "status": "unreviewed,unconfirmed"}),
        "search": ("/api/v1/claims/", {"page_size": 200, "q": "killed"}),
        "detail": (f"/api/v1/claims/{claim.pk}/", {}),
        "lookup": ("/api/v1/lookup/", {"url": document.url}),
        "event figures": (f"/api/v1/events/{claim.event_id or 1}/figures/", {"page_size": 200}),
    }
    for name, (path, params) in reads.items():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(path, params)
        assert response.status_code == 200, name
        statements = data_statements(queries)
        assert len(statements) <= 3, (name, statements)


def test_reads_are_private_and_revalidated_through_the_etag(api, seed):
    claim = Claim.objects.first()
    response = api.get(f"/api/v1/claims/{claim.pk}/")
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert api.get(f"/api/v1/claims/{claim.pk}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@REAL_CONCURRENCY[0]
@REAL_CONCURRENCY[1]
def test_throttle_counts_are_shared_between_workers(db):
    """Fifty callers at once, each on its own connection as workers are: not one count lost."""

    def request(go):
        go()
        return ThrottleCount.hit("throttle_newsroom_key_abc", time.time(), 60)[0]

    counts = together(*[request] * 50)
    assert sorted(counts) == list(range(1, 51))
    assert ThrottleCount.objects.get(key="throttle_newsroom_key_abc").hits == 50


def test_a_throttle_window_closes_after_its_period(db):
    assert ThrottleCount.hit("k", 1000.0, 60) == (1, 1000.0)
    assert ThrottleCount.hit("k", 1059.0, 60) == (2, 1000.0)
    assert ThrottleCount.hit("k", 1060.0, 60) == (1, 1060.0)


OPERATIONS = [
    "edit_text",
    "add_evidence",
    "publish",
    "figure_supersedes",
    "delete_figure",
    "rename_speaker",
    "rename_organization",
    "edit_document",
    "admin_claim_save",
    "csv_import",
    "change_speaker",
    "delete_event",
]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(steps=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 10_000)), min_size=1, max_size=8))
def test_random_changes_leave_every_stored_rendering_equal_to_a_fresh_one(steps, generated, client):
    with transaction.atomic():
        world = RandomWorld(client)
        for operation, number in steps:
            try:
                with transaction.atomic():
                    getattr(world, operation)(number)
            except ValidationError:
                pass  # a change the rules refuse changes nothing
        assert stale_renderings() == []
        transaction.set_rollback(True)


class RandomWorld:
    """The seed and generated claims, changed through the services, the admin and an import."""

    def __init__(self, client):
        User = get_user_model()
        self.user, _ = User.objects.get_or_create(
            username="prop-reviewer", defaults={"is_staff": True, "is_superuser": True}
        )
        self.client = client
        self.client.force_login(self.user)
        self.claims = list(Claim.objects.order_by("pk"))
        self.superseded = 0

    def claim(self, n: int) -> Claim:
        return Claim.objects.get(pk=self.claims[n % len(self.claims)].pk)

    def edit_text(self, n):
        services.update_claim(claim=self.claim(n), user=self.user, text=f"Edited {n}.")

    def add_evidence(self, n):
        origin = Source.objects.order_by("pk")[n % Source.objects.count()]
        services.add_evidence(claim=self.claim(n), stance="supports", note="Random.", added_by=self.user, source=origin)

    def publish(self, n):
        decide(self.claim(n), self.user, ["unconfirmed", "retracted", "confirmed"][n % 3])

    def figure_supersedes(self, n):
        """A later figure of the same speaker and metric takes over an earlier one's count."""
        figures = list(Figure.objects.select_related("claim").filter(claim__said_on__isnull=False).order_by("pk"))
        pairs = [
            (later, earlier)
            for later in figures
            for earlier in figures
            if later.pk != earlier.pk
            and (later.claim.speaker_id, later.metric) == (earlier.claim.speaker_id, earlier.metric)
            and earlier.claim.said_on <= later.claim.said_on
        ]
        if pairs:
            later, earlier = pairs[n % len(pairs)]
            later.supersedes = earlier
            services.save_figure(figure=later, user=self.user)
            self.superseded += 1

    def delete_figure(self, n):
        figures = list(Figure.objects.order_by("pk"))
        services.delete_figure(figure=figures[n % len(figures)], user=self.user)

    def rename_speaker(self, n):
        speaker = self.claim(n).speaker
        speaker.name = f"{speaker.name} {n}"
        speaker.save()
        services.refresh_independence_around(sources=[speaker])

    def rename_organization(self, n):
        organizations = list(Source.objects.filter(kind="organization").order_by("pk"))
        page = self.client.get(f"/admin/sources/source/{organizations[n % len(organizations)].pk}/change/")
        self.client.post(page.request["PATH_INFO"], admin_form_data(page, name=f"Organization {n}"))

    def edit_document(self, n):
        appearance = self.claim(n).appearances.select_related("document").first()
        if appearance:
            document = appearance.document
            document.title = f"Retitled {n}"
            services.save_document(document=document, user=self.user)

    def admin_claim_save(self, n):
        claim = self.claim(n)
        page = self.client.get(f"/admin/claims/claim/{claim.pk}/change/")
        if page.status_code == 200:
            self.client.post(page.request["PATH_INFO"], admin_form_data(page, described_as=f"as {n}"))

    def csv_import(self, n):
        import_csv(export_csv(Claim.objects.filter(pk=self.claim(n).pk)), self.user)

    def delete_event(self, n):
        events = list(Event.objects.order_by("pk"))
        if events:
            services.delete_event(event=events[n % len(events)], user=self.user)

    def change_speaker(self, n):
        speakers = list(Source.objects.filter(kind="person").order_by("pk"))
        services.update_claim(claim=self.claim(n), user=self.user, speaker=speakers[n % len(speakers)])


@REAL_CONCURRENCY[0]
@REAL_CONCURRENCY[1]
def test_two_transactions_on_one_claim_leave_its_rendering_equal_to_what_committed(seed, reviewer):
    """An edit of the claim and a rename of its speaker, at once: the rendering shows both."""
    claim = Claim.objects.order_by("pk").first()
    speaker_id = claim.speaker_id

    def edit(go):
        go()
        services.update_claim(claim=claim, user=reviewer, text="Edited at the same time.")

    def rename(go):
        go()
        with transaction.atomic():
            speaker = Source.objects.get(pk=speaker_id)
            speaker.name = "Renamed at the same time"
            speaker.save()
            services.refresh_independence_around(sources=[speaker])

    together(edit, rename, hold=claim)
    body = stored_body(claim)
    assert body["text"] == "Edited at the same time." and body["speaker"]["name"] == "Renamed at the same time"
    assert stale_renderings() == []
