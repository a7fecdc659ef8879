"""generate_claims: synthetic claims shaped like a desk's, consistent with the rules, deterministic."""

from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from bench.synthetic import Generator, Plan
from claims.independence import assess
from claims.models import Appearance, ChangeSequence, Claim, ClaimChange, Evidence, Figure, Verdict
from sources.models import Source

pytestmark = pytest.mark.django_db

CLAIMS = 600


@pytest.fixture
def generated(seed):
    """The seed plus CLAIMS generated claims; returns the generated claims' ids."""
    before = Claim.objects.order_by("-pk").values_list("pk", flat=True).first()
    out = StringIO()
    call_command("generate_claims", claims=CLAIMS, seed=11, batch=250, stdout=out)
    return out.getvalue(), Claim.objects.filter(pk__gt=before)


def test_generate_claims_reports_progress_counts_and_rate(generated):
    output, claims = generated
    assert claims.count() == CLAIMS
    assert "claims 250/600" in output and "claims 600/600" in output
    assert f"Added {CLAIMS} claims" in output and "claims/s" in output
    assert "claims.Figure:" in output


def test_generated_shape_follows_a_desk(generated):
    _, claims = generated
    speakers = Counter(claims.values_list("speaker_id", flat=True))
    counts = sorted(speakers.values(), reverse=True)
    assert counts[0] >= 5 * counts[len(counts) // 2], "a few officials should say most things (Zipf)"

    figures = Figure.objects.filter(claim__in=claims)
    assert set(figures.values_list("qualifier", flat=True)) == set(Figure.Qualifier.values)
    per_claim = Counter(figures.values_list("claim_id", flat=True))
    assert set(per_claim.values()) == {1, 2, 3}

    appearances = Counter(Appearance.objects.filter(claim__in=claims).values_list("claim_id", flat=True))
    assert set(appearances.values()) == {1, 2, 3, 4}
    assert Appearance.objects.filter(claim__in=claims, chain__position=2).exists(), "some chains have a relayer"

    with_evidence = claims.filter(evidence__isnull=False).distinct().count()
    assert 0.2 * CLAIMS < with_evidence < 0.4 * CLAIMS
    verdicts = Counter(
        Verdict.objects.filter(claim__evidence__isnull=False, claim__in=claims)
        .distinct()
        .values_list("claim_id", flat=True)
    )
    assert set(verdicts.values()) == {1, 2, 3}


def test_generated_claims_obey_the_rules(generated):
    _, claims = generated
    for evidence in Evidence.objects.filter(claim__in=claims).select_related("claim__speaker", "source")[:200]:
        computed = assess(evidence)
        assert (evidence.independent, evidence.independence_reason) == (computed.independent, computed.reason)
    for claim in claims.exclude(status="unreviewed")[:200]:
        claim.ensure_status_justified(claim.status)  # raises if the evidence does not justify the status
        latest = claim.verdicts.published().order_by("published_at", "pk").last()
        assert latest.status == claim.status
    for appearance in Appearance.objects.filter(claim__in=claims).select_related("document")[:200]:
        assert appearance.document.text[appearance.start : appearance.end] == appearance.excerpt


def test_generated_claims_are_on_the_change_feed_in_order(generated):
    _, claims = generated
    feed = list(ClaimChange.objects.filter(claim_id__in=claims.values("pk")).order_by("seq"))
    assert sum(1 for change in feed if change.kind == "created") == CLAIMS
    assert [c.at for c in feed] == sorted(c.at for c in feed)
    assert ChangeSequence.objects.get(pk=1).last == ClaimChange.objects.order_by("-seq").first().seq


def test_recording_continues_after_generated_ids(generated, api):
    source = Source.objects.create(kind="person", name="Someone After The Generator")
    assert source.pk > Source.objects.exclude(pk=source.pk).order_by("-pk").first().pk
    body = api.get("/api/v1/claims/", {"page_size": 50}).json()
    assert len(body["results"]) == 50


def test_same_seed_gives_the_same_claims(seed):
    def snapshot(seed_value):
        with transaction.atomic():
            Generator(Plan(120), seed=seed_value, progress=lambda message: None).run()
            rows = list(
                Claim.objects.order_by("pk").values_list("pk", "text", "speaker__name", "status", "said_on")
            ) + list(Figure.objects.order_by("pk").values_list("pk", "qualifier", "low", "high"))
            transaction.set_rollback(True)
        return rows

    assert snapshot(5) == snapshot(5)
    assert snapshot(5) != snapshot(6)


def test_generate_claims_refuses_a_bad_count(db):
    with pytest.raises(CommandError, match="--claims"):
        call_command("generate_claims", claims=0, stdout=StringIO())


def test_a_failed_run_leaves_nothing_behind(seed, monkeypatch):
    before = {model: model.objects.count() for model in (Claim, Figure, Source, ClaimChange)}

    def fail(*args, **kwargs):
        raise ValidationError("the database went away")

    monkeypatch.setattr(Generator, "_evidence", fail)
    with pytest.raises(ValidationError):
        call_command("generate_claims", claims=300, seed=2, stdout=StringIO())
    assert {model: model.objects.count() for model in before} == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="keys and indexes are rebuilt on PostgreSQL only")
def test_generation_puts_back_every_key_and_index(seed):
    def schema():
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f'")
            keys = set(cursor.fetchall())
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
            return keys, set(cursor.fetchall())

    before = schema()
    Generator(Plan(50), seed=3, progress=lambda message: None).run()
    assert schema() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="claims carry their outlets on PostgreSQL only")
def test_generated_claims_carry_the_outlets_the_trigger_would_set(generated):
    _, claims = generated
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM claims_claim WHERE id = ANY(%s) AND outlet_ids <> claims_outlets_of(id)",
            [list(claims.values_list("pk", flat=True))],
        )
        assert cursor.fetchone()[0] == 0
