"""Claims' renderings built in PostgreSQL, for bulk loads (the generator, a restore, `manage.py
render_claims`): one statement builds the JSON of a range of claims from the base tables, and
COPY stores it.

The statement is a second writer of the representation, so it is held to the first: Python's
claims.rendering.representation. tests/test_rendering.py checks every claim it renders is equal
byte for byte, after `normalised` writes the statement's JSON as the API writes JSON. Its URLs
are relative, as stored renderings' are; bench/floor.py reuses it with the request's host.
"""

import json
from collections.abc import Callable

from django.db import connections, models

from claims.models import Status
from claims.wording import LOWER, PREDICATES, QUALIFIER_WORDS, UPPER, VERIFICATION

# SQL pieces. Literal % is doubled: the statements go through psycopg's %-style parameters.


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _case(expr: str, mapping: dict, default: str = "NULL") -> str:
    whens = " ".join(f"WHEN {_literal(str(key))} THEN {_literal(str(value))}" for key, value in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


def iso(expr: str) -> str:
    """DRF's datetime: ISO 8601 in UTC ending in Z, with microseconds only when there are some."""
    return (
        f"(to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"|| CASE WHEN to_char({expr}, 'US') = '000000' THEN '' ELSE to_char({expr}, '.US') END || 'Z')"
    )


def _bound(expr: str) -> str:
    """BoundField: 500, not 500.0 or "500.0000"."""
    return f"(CASE WHEN {expr} = trunc({expr}) THEN to_json({expr}::bigint) ELSE to_json({expr}::float8) END)"


def _number_text(expr: str) -> str:
    """Figure.low_text: "114,000", "0.3333"."""
    return (
        f"(to_char(trunc({expr}), 'FM999,999,999,999,999,990') "
        f"|| CASE WHEN {expr} = trunc({expr}) THEN '' ELSE substr(trim_scale({expr} - trunc({expr}))::text, 2) END)"
    )


def _status_label(expr: str) -> str:
    return _case(expr, {s.value: s.label for s in Status})


def _status_definition(expr: str) -> str:
    return _case(expr, {s.value: s.definition for s in Status})


# One figure's words in the attribution text (claims.wording._figures_phrase).
FIGURE_PREDICATE = _case("f.metric", {str(k): v for k, v in PREDICATES.items()})
FIGURE_AMOUNT = f"""(CASE f.qualifier
    WHEN 'vague' THEN f.vague_text
    WHEN 'range' THEN 'between ' || coalesce({_number_text("f.low")}, '–') || ' and '
                      || coalesce({_number_text("f.high")}, '–')
    ELSE {_case("f.qualifier", {str(k): v for k, v in QUALIFIER_WORDS.items()}, default="''")}
         || coalesce({_number_text("f.low")}, {_number_text("f.high")}, '–')
    END)"""
FIGURE_WHO = "(CASE WHEN f.population IN ('', 'people') THEN 'people' ELSE 'people (' || f.population || ')' END)"

# The claim columns the representation reads. A list's claims are picked first into a MATERIALIZED
# CTE of these, so the planner never builds representations for claims it then throws away.
CLAIM_COLUMNS = (
    "c.id, c.text, c.quote, c.kind, c.status, c.speaker_id, c.described_as, c.said_on, c.event_id, c.version,"
    " c.created_at, c.updated_at, c.language"
)

# Everything a claim's representation reads, joined to the claims relation `c`.
CLAIM_JOINS = f"""
JOIN sources_source s ON s.id = c.speaker_id
LEFT JOIN LATERAL (
    SELECT a.role, o.id AS org_id, o.name AS org_name
    FROM sources_affiliation a JOIN sources_source o ON o.id = a.organization_id
    WHERE a.person_id = c.speaker_id
      AND (c.said_on IS NULL OR ((a.start_date IS NULL OR a.start_date <= c.said_on)
                                 AND (a.end_date IS NULL OR a.end_date >= c.said_on)))
    ORDER BY a.start_date DESC NULLS LAST, a.id
    LIMIT 1
) aff ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'id', f.id, 'as_written', f.as_written, 'metric', f.metric, 'population', f.population,
               'measure', f.measure,
               'qualifier', f.qualifier, 'low', {_bound("f.low")}, 'high', {_bound("f.high")},
               'vague_text', f.vague_text, 'unit', f.unit, 'unit_of', f.unit_of, 'currency', f.currency,
               'period_start', f.period_start,
               'period_end', f.period_end, 'place', f.place, 'supersedes', f.supersedes_id,
               'superseded_by', (SELECT s.id FROM claims_figure s WHERE s.supersedes_id = f.id))
               ORDER BY f.id) AS items,
           count(*) AS n,
           CASE WHEN bool_and({FIGURE_PREDICATE} IS NOT NULL AND f.unit = 'people')
                THEN string_agg({FIGURE_AMOUNT} || ' ' || {FIGURE_WHO} || ' ' || {FIGURE_PREDICATE}, ' and '
                                ORDER BY f.id)
           END AS phrase
    FROM claims_figure f
    WHERE f.claim_id = c.id
) fig ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'document', json_build_object('url', d.url, 'outlet', o.name, 'title', d.title,
                                             'published_at', {iso("d.published_at")}),
               'excerpt', a.excerpt, 'start', a.start, 'end', a."end") ORDER BY d.published_at, a.id) AS items,
           (array_agg(a.id ORDER BY d.published_at, a.id))[1] AS first_id
    FROM claims_appearance a
    JOIN sources_document d ON d.id = a.document_id
    JOIN sources_source o ON o.id = d.outlet_id
    WHERE a.claim_id = c.id
) app ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('source', json_build_object('id', l.source_id, 'name', ls.name),
                                      'role', l.role) ORDER BY l.position) AS items,
           array_agg(ls.name ORDER BY l.position) AS names
    FROM claims_chainlink l JOIN sources_source ls ON ls.id = l.source_id
    WHERE l.appearance_id = app.first_id
) ch ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'id', e.id, 'stance', e.stance,
               'basis', CASE WHEN e.evidence_claim_id IS NOT NULL THEN 'claim'
                             WHEN e.document_id IS NOT NULL THEN 'document' ELSE 'statement' END,
               'origin', json_build_object('id', origin.id, 'name', origin.name),
               'evidence_claim', e.evidence_claim_id, 'document_url', ed.url, 'stated_on', e.stated_on,
               'note', e.note, 'independent', e.independent, 'independence_code', e.independence_code,
               'reason', e.independence_reason, 'created_at', {iso("e.created_at")}) ORDER BY e.id) AS items,
           count(*) FILTER (WHERE e.stance = 'supports' AND e.independent) AS supporting,
           count(*) FILTER (WHERE e.stance = 'contradicts' AND e.independent) AS contradicting
    FROM claims_evidence e
    LEFT JOIN claims_claim ec ON ec.id = e.evidence_claim_id
    LEFT JOIN sources_document ed ON ed.id = e.document_id
    JOIN sources_source origin ON origin.id = CASE WHEN e.evidence_claim_id IS NOT NULL THEN ec.speaker_id
                                                   WHEN e.document_id IS NOT NULL THEN ed.outlet_id
                                                   ELSE e.source_id END
    WHERE e.claim_id = c.id
) ev ON true
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'id', v.id, 'status', v.status, 'label', {_status_label("v.status")},
               'rationale', v.rationale, 'superseded_by', v.superseded_by_id,
               'proposed_at', {iso("v.created_at")}, 'published_at', {iso("v.published_at")})
               ORDER BY v.published_at, v.id) AS items,
           (array_agg(v.published_at ORDER BY v.published_at DESC, v.id DESC))[1] AS as_of,
           (array_agg(v.rationale ORDER BY v.published_at DESC, v.id DESC))[1] AS rationale
    FROM claims_verdict v
    WHERE v.claim_id = c.id AND v.published_at IS NOT NULL
) ver ON true
CROSS JOIN LATERAL (
    SELECT coalesce(ch.names, ARRAY[s.name]) AS names,
           concat_ws(', ', nullif(aff.role, ''), nullif(aff.org_name, '')) AS role_text,
           c.kind = 'figure' AND fig.phrase IS NOT NULL AS phrased
) attr
"""

# claims.wording.attribution_text. `noun` follows the Python exactly: "the figure" when the claim
# has figures and the wording is not the claim's text object itself (a phrase, or the text with
# its final ". " stripped).
# claims.wording.report_note: the first appearance's verification note as a clause, while the
# claim has no published verdict ('' otherwise).
REPORT_NOTE = f"""coalesce((
    SELECT CASE WHEN substr(t.n, 1, 1) <> '' AND position(substr(t.n, 1, 1) IN {_literal(UPPER)}) > 0
                     AND substr(t.n, 2, 1) <> '' AND position(substr(t.n, 2, 1) IN {_literal(LOWER)}) > 0
                THEN translate(substr(t.n, 1, 1), {_literal(UPPER)}, {_literal(LOWER)}) || substr(t.n, 2)
                ELSE t.n END
    FROM (SELECT rtrim(btrim(a.verification_note, ' '), '. ') AS n
          FROM claims_appearance a WHERE a.id = app.first_id AND ver.as_of IS NULL) t
), '')"""
REPORTED = """(cardinality(attr.names) > 1 AND attr.names[cardinality(attr.names)] <> ''
               AND attr.names[cardinality(attr.names)] <> s.name)"""
ATTRIBUTION_TEXT = f"""(
    (CASE WHEN attr.phrased THEN fig.phrase ELSE rtrim(c.text, '. ') END)
    || ', according to ' || s.name
    || CASE WHEN attr.role_text <> '' THEN ' (' || attr.role_text || ')' ELSE '' END
    || CASE WHEN cardinality(attr.names) > 2
            THEN ', as relayed by ' || array_to_string(attr.names[2:cardinality(attr.names) - 1], ' and ')
            ELSE '' END
    || CASE WHEN {REPORTED} THEN ', as reported by ' || attr.names[cardinality(attr.names)] ELSE '' END
    || (SELECT CASE WHEN hedge.clause <> ''
                    THEN CASE WHEN {REPORTED} THEN ', which said ' ELSE '; the report said ' END
                         || hedge.clause || '.'
                    ELSE '; '
                         || CASE WHEN c.status = {_literal(Status.UNREVIEWED)} THEN ''
                                 WHEN fig.n > 0 AND (attr.phrased OR rtrim(c.text, '. ') <> c.text)
                                 THEN 'the figure '
                                 ELSE 'the claim ' END
                         || {_case("c.status", {str(k): v for k, v in VERIFICATION.items()})} || '.' END
        FROM (SELECT {REPORT_NOTE} AS clause) hedge)
)"""

CLAIM_JSON = f"""json_build_object(
    'id', c.id,
    'url', %(host)s::text || '/api/v1/claims/' || c.id || '/',
    'text', c.text, 'quote', c.quote, 'kind', c.kind, 'language', c.language,
    'status', json_build_object(
        'code', c.status, 'label', {_status_label("c.status")},
        'definition', {_status_definition("c.status")}, 'as_of', {iso("ver.as_of")},
        'rationale', ver.rationale, 'independently_confirmed', c.status = {_literal(Status.CONFIRMED)}),
    'speaker', json_build_object(
        'id', s.id, 'name', s.name, 'kind', s.kind, 'role', aff.role,
        'organization', CASE WHEN aff.org_id IS NOT NULL
                             THEN json_build_object('id', aff.org_id, 'name', aff.org_name) END),
    'described_as', c.described_as, 'said_on', c.said_on, 'event', c.event_id,
    'chain', coalesce(ch.items, '[]'::json),
    'figures', coalesce(fig.items, '[]'::json),
    'appearances', coalesce(app.items, '[]'::json),
    'evidence', json_build_object(
        'supporting_independent', ev.supporting, 'contradicting_independent', ev.contradicting,
        'items', coalesce(ev.items, '[]'::json)),
    'verdicts', coalesce(ver.items, '[]'::json),
    'attribution_text', {ATTRIBUTION_TEXT},
    'claimreview_url', CASE WHEN ver.as_of IS NOT NULL
                            THEN %(host)s::text || '/api/v1/claims/' || c.id || '/claimreview/' END,
    'version', c.version,
    'created_at', {iso("c.created_at")},
    'updated_at', {iso("c.updated_at")}
)"""


RANGE_STATEMENT = f"""SELECT c.id, c.version, c.updated_at, {CLAIM_JSON}::text
FROM claims_claim c {CLAIM_JOINS}
WHERE c.id BETWEEN %(first)s AND %(last)s"""


def normalised(text: str) -> str:
    """The statement's JSON ("key" : value, with spaces) as the API writes JSON."""
    from claims.rendering import encode

    return encode(json.loads(text))


def store_range(first: int, last: int, *, using: str = "default") -> int:
    """Render the claims with ids from `first` to `last` in one statement and store them,
    replacing what was stored; returns how many. PostgreSQL only."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(RANGE_STATEMENT, {"host": "", "first": first, "last": last})
        rows = [(pk, version, updated_at, normalised(text)) for pk, version, updated_at, text in cursor.fetchall()]
        cursor.execute("DELETE FROM claims_claimrendering WHERE claim_id BETWEEN %s AND %s", [first, last])
        with cursor.cursor.copy("COPY claims_claimrendering (claim_id, version, updated_at, body) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def store_all(
    *,
    using: str = "default",
    first: int | None = None,
    batch: int = 5_000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Render and store every claim (from id `first` on, if given), `batch` ids at a time,
    each batch in its own transaction (the caller's, if it has one). PostgreSQL builds them in
    SQL; elsewhere claims.rendering renders them. `progress(done, total)` after each batch."""
    from django.db import transaction

    from claims.models import Claim
    from claims.rendering import store

    claims = Claim.objects.using(using).filter(pk__gte=first or 0)
    bounds = claims.aggregate(low=models.Min("pk"), high=models.Max("pk"), total=models.Count("pk"))
    low, high, total = bounds["low"], bounds["high"], bounds["total"]
    done = 0
    if not total:
        return 0
    postgres = connections[using].vendor == "postgresql"
    for start in range(low, high + 1, batch):
        end = min(start + batch - 1, high)
        with transaction.atomic(using=using):
            if postgres:
                done += store_range(start, end, using=using)
            else:
                ids = claims.filter(pk__range=(start, end)).values_list("pk", flat=True)
                done += len(store(list(ids), using=using))
        if progress:
            progress(done, total)
    return done
