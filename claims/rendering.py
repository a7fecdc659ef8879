"""The read model: the one function that renders a claim's public representation, and the
store that keeps each claim's rendering (ClaimRendering) current.

`representation(claim)` is what GET /api/v1/claims/{id}/ answers, with the API's URLs relative
to the site root; `encode` writes it as the API writes JSON, byte for byte. The services call
`store` for every claim a change touched, inside the change's transaction (claims.services.
writes.changing), so a committed change and its rendering commit together. A read takes the
stored bytes with `current`, which renders again, stores and returns any rendering missing or
older than its claim (a raw SQL change, a bulk load that left it out).
"""

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import Prefetch, QuerySet
from django.urls import get_script_prefix, reverse

from claims.models import (
    Appearance,
    ChainLink,
    Claim,
    ClaimRendering,
    Evidence,
    Figure,
    Status,
    Verdict,
)
from claims.wording import attribution_text
from sources.models import Affiliation

# Columns the related rows load: a batch of 50 claims reads about 1,500 of them, and a
# document's text or a source's description would be dead weight.
APPEARANCE_COLUMNS = [
    "claim_id", "excerpt", "start", "end",
    "document__url", "document__title", "document__published_at", "document__outlet__name",
]  # fmt: skip
BATCH = 500  # claims rendered and stored at a time
# What a read selects of each claim, for `current`: one statement with the page's filter.
READ_COLUMNS = ("id", "version", "updated_at", "rendering__version", "rendering__updated_at", "rendering__body")

CHAIN_COLUMNS = ["appearance_id", "position", "source_id", "role", "source__name"]


def claims_for_rendering() -> QuerySet[Claim]:
    """Claims with everything the representation reads, in a fixed number of queries.

    Each prefetch orders by plain columns: the models' default orderings name foreign keys,
    which would join each related table back to its claim just to sort.
    """
    return Claim.objects.select_related("speaker").prefetch_related(
        Prefetch(
            "speaker__affiliations",
            queryset=Affiliation.objects.select_related("organization")
            .only("person_id", "role", "start_date", "end_date", "organization__name")
            .order_by("pk"),
        ),
        Prefetch("figures", queryset=Figure.objects.select_related("superseded_by").order_by("claim_id", "pk")),
        Prefetch(
            "appearances",
            queryset=Appearance.objects.select_related("document__outlet")
            .only(*APPEARANCE_COLUMNS)
            .prefetch_related(
                Prefetch(
                    "chain",
                    queryset=ChainLink.objects.select_related("source")
                    .only(*CHAIN_COLUMNS)
                    .order_by("appearance_id", "position"),
                )
            )
            .order_by("document__published_at", "pk"),
        ),
        Prefetch(
            "evidence",
            queryset=Evidence.objects.select_related("source", "document__outlet", "evidence_claim__speaker")
            .defer("document__text", "source__description", "evidence_claim__speaker__description")
            .order_by("claim_id", "pk"),
        ),
        Prefetch(
            "verdicts",
            queryset=Verdict.objects.published().order_by("published_at", "pk"),
            to_attr="published_verdicts",
        ),
    )


def representation(claim: Claim) -> dict:
    """A claim as newsrooms read it; `claim` comes from claims_for_rendering()."""
    published = claim.published_verdicts  # oldest first
    latest = published[-1] if published else None
    status = Status(claim.status)
    speaker = _speaker(claim)
    appearances = list(claim.appearances.all())
    chain = list(appearances[0].chain.all()) if appearances else []
    evidence = list(claim.evidence.all())
    role = ", ".join(filter(None, [speaker["role"], (speaker["organization"] or {}).get("name")]))
    return {
        "id": claim.pk,
        "url": _path("api:claim-detail", claim.pk),
        "text": claim.text,
        "quote": claim.quote,
        "kind": claim.kind,
        "language": claim.language,
        "status": {
            "code": status.value,
            "label": status.label,
            "definition": status.definition,
            "as_of": iso_datetime(latest.published_at) if latest else None,
            "rationale": latest.rationale if latest else None,
            "independently_confirmed": claim.independently_confirmed,
        },
        "speaker": speaker,
        "described_as": claim.described_as,
        "said_on": _date(claim.said_on),
        "event": claim.event_id,
        "chain": [{"source": {"id": link.source_id, "name": link.source.name}, "role": link.role} for link in chain],
        "figures": [figure_representation(figure) for figure in claim.figures.all()],
        "appearances": [_appearance(appearance) for appearance in appearances],
        "evidence": {
            "supporting_independent": claim.independent_count(Evidence.Stance.SUPPORTS),
            "contradicting_independent": claim.independent_count(Evidence.Stance.CONTRADICTS),
            "items": [evidence_representation(item) for item in evidence],
        },
        "verdicts": [_verdict(verdict) for verdict in published],
        "attribution_text": attribution_text(
            claim,
            chain=[link.source.name for link in chain],
            role=role,
            note=appearances[0].verification_note if appearances and not published else "",
        ),
        "claimreview_url": _path("api:claim-claimreview", claim.pk) if published else None,
        "version": claim.version,
        "created_at": iso_datetime(claim.created_at),
        "updated_at": iso_datetime(claim.updated_at),
    }


def encode(data) -> str:
    """JSON text exactly as the API's renderer writes it: compact, UTF-8 kept, and U+2028 and
    U+2029 escaped (they end a line in JavaScript)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render(claim_ids: Iterable[int], *, using: str | None = None) -> dict[int, ClaimRendering]:
    """Fresh renderings of the claims that exist, by claim id (not saved)."""
    using = using or router.db_for_read(Claim)
    claims = claims_for_rendering().using(using).filter(pk__in=set(claim_ids))
    return {
        claim.pk: ClaimRendering(
            claim_id=claim.pk, version=claim.version, updated_at=claim.updated_at, body=encode(representation(claim))
        )
        for claim in claims
    }


def store(claim_ids: Iterable[int], *, using: str | None = None) -> dict[int, ClaimRendering]:
    """Render these claims as they stand in the caller's transaction, and store the renderings.

    A rendering that cannot be produced raises, and the caller's transaction rolls back with it:
    a change is never committed with a rendering that does not show it.
    """
    using = using or router.db_for_write(Claim)
    ids = set(claim_ids)
    if not ids:
        return {}
    fresh = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        batch = render(ordered[start : start + BATCH], using=using)
        ClaimRendering.objects.using(using).bulk_create(
            batch.values(),
            update_conflicts=True,
            unique_fields=["claim"],
            update_fields=["version", "updated_at", "body"],
        )
        fresh.update(batch)
    return fresh


STORED_ROW = """SELECT c.id, c.version, c.updated_at, r.version, r.updated_at, r.body
FROM "claims_claim" c LEFT JOIN "claims_claimrendering" r ON r.claim_id = c.id
WHERE c.id = %s"""


def stored_row(pk: int, *, using: str | None = None) -> dict | None:
    """One claim's READ_COLUMNS, as a read of one claim needs them: one statement written
    here, since compiling it through the ORM costs as much as running it."""
    connection = connections[using or router.db_for_read(Claim)]
    with connection.cursor() as cursor:
        cursor.execute(STORED_ROW, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    row = dict(zip(READ_COLUMNS, row, strict=True))
    for name in ("updated_at", "rendering__updated_at"):  # SQLite's are naive, in UTC
        if row[name] is not None and row[name].tzinfo is None:
            row[name] = row[name].replace(tzinfo=UTC)
    return row


def current(rows: Iterable[dict], *, using: str | None = None) -> dict[int, str]:
    """The stored body of each claim, from rows of READ_COLUMNS as a read selected them;
    missing or stale ones are rendered, stored and returned.

    The claims rendered again are locked against writers while they render (PostgreSQL's FOR
    NO KEY UPDATE), so what is stored is one committed state, labelled with its own version.
    """
    bodies, stale = {}, []
    for row in rows:
        body = row["rendering__body"]
        fresh = (row["rendering__version"], row["rendering__updated_at"]) == (row["version"], row["updated_at"])
        if body is not None and fresh:
            bodies[row["id"]] = body
        else:
            stale.append(row["id"])
    if stale:
        using = using or router.db_for_write(Claim)
        with transaction.atomic(using=using):
            locking = Claim.objects.using(using).select_for_update(no_key=True, of=("self",))
            list(locking.filter(pk__in=stale).order_by("pk").values_list("pk", flat=True))
            bodies.update({pk: stored.body for pk, stored in store(stale, using=using).items()})
    return bodies


def absolute(body: str, origin: str) -> str:
    """A stored body with its API URLs made absolute for `origin` ("https://host[/prefix]").

    Only the claim's own "url" and "claimreview_url" are relative: a document's "url" is always
    absolute, and a quote inside a JSON string cannot hold an unescaped `"`, so the keys match
    nothing else.
    """
    return body.replace('"url":"/', f'"url":"{origin}/').replace(
        '"claimreview_url":"/', f'"claimreview_url":"{origin}/'
    )


def figure_representation(figure: Figure) -> dict:
    return {
        "id": figure.pk,
        "as_written": figure.as_written,
        "metric": figure.metric,
        "population": figure.population,
        "measure": figure.measure,
        "qualifier": figure.qualifier,
        "low": _bound(figure.low),
        "high": _bound(figure.high),
        "vague_text": figure.vague_text,
        "unit": figure.unit,
        "unit_of": figure.unit_of,
        "currency": figure.currency,
        "period_start": _date(figure.period_start),
        "period_end": _date(figure.period_end),
        "place": figure.place,
        "supersedes": figure.supersedes_id,
        "superseded_by": _successor(figure),
    }


def evidence_representation(evidence: Evidence) -> dict:
    origin = evidence.origin
    return {
        "id": evidence.pk,
        "stance": evidence.stance,
        "basis": evidence.basis,
        "origin": {"id": origin.pk, "name": origin.name},
        "evidence_claim": evidence.evidence_claim_id,
        "document_url": evidence.document.url if evidence.document_id else None,
        "stated_on": _date(evidence.stated_on),
        "note": evidence.note,
        "independent": evidence.independent,
        "independence_code": evidence.independence_code,
        "reason": evidence.independence_reason,
        "created_at": iso_datetime(evidence.created_at),
    }


def _path(view: str, pk: int) -> str:
    """The view's path from the site root, whatever script prefix the current request has."""
    return "/" + reverse(view, args=[pk])[len(get_script_prefix()) :]


def _speaker(claim: Claim) -> dict:
    speaker = claim.speaker
    affiliation = speaker.role_on(claim.said_on)
    organization = affiliation.organization if affiliation else None
    return {
        "id": speaker.pk,
        "name": speaker.name,
        "kind": speaker.kind,
        "role": affiliation.role if affiliation else None,
        "organization": {"id": organization.pk, "name": organization.name} if organization else None,
    }


def _appearance(appearance: Appearance) -> dict:
    document = appearance.document
    return {
        "document": {
            "url": document.url,
            "outlet": document.outlet.name,
            "title": document.title,
            "published_at": iso_datetime(document.published_at),
        },
        "excerpt": appearance.excerpt,
        "start": appearance.start,
        "end": appearance.end,
    }


def _verdict(verdict: Verdict) -> dict:
    return {
        "id": verdict.pk,
        "status": verdict.status,
        "label": verdict.get_status_display(),
        "rationale": verdict.rationale,
        "superseded_by": verdict.superseded_by_id,
        "proposed_at": iso_datetime(verdict.created_at),
        "published_at": iso_datetime(verdict.published_at),
    }


def _successor(figure: Figure) -> int | None:
    try:
        return figure.superseded_by.pk
    except Figure.superseded_by.RelatedObjectDoesNotExist:
        return None


def iso_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC ending in Z, microseconds only when there are some (DRF's format)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bound(value: Decimal | None) -> int | float | None:
    """A figure's bound as a JSON number: 500, not "500.0000"."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# A document as the lookup answer names it: only these columns are read (a text can run to
# 200,000 characters).
DOCUMENT_SUMMARY_COLUMNS = ("id", "url", "title", "published_at", "text_sha256", "updated_at", "outlet__name")


def document_summary(row: dict) -> dict:
    """The lookup's document, from a values() row of DOCUMENT_SUMMARY_COLUMNS."""
    return {
        "id": row["id"],
        "url": row["url"],
        "outlet": row["outlet__name"],
        "title": row["title"],
        "published_at": iso_datetime(row["published_at"]),
        "text_sha256": row["text_sha256"],
    }
