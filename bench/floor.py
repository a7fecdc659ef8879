"""The floor: each newsroom API answer built by ONE SQL statement through a plain psycopg connection.

It is what the database alone costs for the same request, the same JSON (json_agg and
json_build_object, timestamps in DRF's format, bounds as JSON numbers, attribution text by
CASE expressions) fetched as text. bench/run.py times the API against it, and
tests/test_bench_floor.py keeps it honest: the floor's JSON must equal the API's.

Python here only parses the request (query parameters, cursors, the URL's canonical spelling)
and picks the SQL text; every value in the answer comes from the statement.
"""

from base64 import b64decode
from urllib.parse import parse_qs, urlencode

from rest_framework.utils.urls import replace_query_param

from api.views import ChangesView, ClaimPagination
from claims.bulk_rendering import CLAIM_COLUMNS, CLAIM_JOINS, CLAIM_JSON, iso
from claims.models import Status
from sources.models import canonical_url

LIST_PARAMETERS = {"page_size", "cursor", "status", "outlet", "q"}
CURSOR_MARK = "BENCHCURSORMARK"


class Unsupported(ValueError):
    """A request the floor does not reproduce (a filter it has no SQL for, a bad parameter)."""


# The claim's JSON is claims.bulk_rendering's statement, the one bulk loads store; this adds
# the request's host to its URLs and puts pages and lookups around it.


def _position(expr: str) -> str:
    """str() of the aware datetime, as DRF's cursor pagination keeps the position."""
    return (
        f"(to_char({expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        f"|| CASE WHEN to_char({expr}, 'US') = '000000' THEN '' ELSE to_char({expr}, '.US') END || '+00:00')"
    )


def search_condition(alias: str = "c") -> str:
    """Claims matching q (ClaimQuerySet.search): the stored full-text vector, or one of the
    speakers closest to q by trigram word similarity of their name or an alias (at most 50 of
    each, closest first), given as an array so the speaker index can serve a rare q."""
    return f"""({alias}.search_vector @@ websearch_to_tsquery('english', %(q)s::text)
        OR {alias}.speaker_id = ANY(ARRAY(
            (SELECT s.id FROM sources_source s WHERE s.name %%> %(q)s::text
             ORDER BY word_similarity(%(q)s::text, s.name) DESC, s.id LIMIT 50)
            UNION
            (SELECT sa.source_id FROM sources_sourcealias sa WHERE sa.name %%> %(q)s::text
             ORDER BY word_similarity(%(q)s::text, sa.name) DESC, sa.source_id LIMIT 50))))"""


def outlet_condition(alias: str = "c") -> str:
    """Claims appearing in a document of the outlet (parameter outlet). It reads the outlets that
    triggers keep on each claim row (migration 0009), the access path the API has too."""
    return f"{alias}.outlet_ids @> ARRAY[%(outlet)s]::bigint[]"


def search_parameters(q: str) -> dict:
    return {"q": q}


def fetch(conn, sql: str, args: dict) -> str | None:
    """Run one floor statement and fetch its JSON text (None when it finds nothing)."""
    with conn.cursor() as cursor:
        cursor.execute(sql, args)
        row = cursor.fetchone()
    return None if row is None else row[0]


# The endpoints: each *_statement gives the one SQL statement and its parameters for a request.


def claim_detail(conn, **request) -> str | None:
    """/api/v1/claims/<id>/ as JSON text, or None when there is no such claim."""
    return fetch(conn, *claim_detail_statement(**request))


def lookup(conn, **request) -> str | None:
    """/api/v1/lookup/?url= as JSON text, or None when no document is known at the URL."""
    return fetch(conn, *lookup_statement(**request))


def changes(conn, **request) -> str:
    """/api/v1/changes/ as JSON text."""
    return fetch(conn, *changes_statement(**request))


def claims_page(conn, **request) -> str:
    """/api/v1/claims/?<params> as JSON text, DRF's cursor page with its next and previous links."""
    return fetch(conn, *claims_page_statement(**request))


def claim_detail_statement(*, host: str, claim_id: int) -> tuple[str, dict]:
    sql = f"SELECT {CLAIM_JSON}::text FROM claims_claim c {CLAIM_JOINS} WHERE c.id = %(claim_id)s"
    return sql, {"host": host, "claim_id": claim_id}


def lookup_statement(*, host: str, url: str) -> tuple[str, dict]:
    sql = f"""
WITH doc AS MATERIALIZED (
    SELECT d.id, d.url, d.title, d.published_at, d.text_sha256, o.name AS outlet
    FROM sources_document d JOIN sources_source o ON o.id = d.outlet_id
    WHERE d.url = %(url)s::text
), picked AS MATERIALIZED (
    SELECT {CLAIM_COLUMNS} FROM claims_claim c
    WHERE c.id IN (SELECT a.claim_id FROM claims_appearance a JOIN doc ON a.document_id = doc.id)
)
SELECT json_build_object(
    'document', json_build_object('id', doc.id, 'url', doc.url, 'outlet', doc.outlet, 'title', doc.title,
                                  'published_at', {iso("doc.published_at")}, 'text_sha256', doc.text_sha256),
    'claims', coalesce((SELECT json_agg({CLAIM_JSON} ORDER BY c.id) FROM picked c {CLAIM_JOINS}), '[]'::json)
)::text
FROM doc"""
    return sql, {"host": host, "url": canonical_url(url)}


def changes_statement(*, cursor: str | None = None, page_size: int = 100) -> tuple[str, dict]:
    after = ChangesView._decode(cursor)
    if not 1 <= page_size <= ChangesView.MAX_PAGE:
        raise Unsupported("page_size")
    sql = f"""
WITH fetched AS (
    SELECT seq, claim_id, kind, status, at, row_number() OVER (ORDER BY seq) AS n
    FROM (SELECT * FROM claims_claimchange WHERE seq > %(after)s ORDER BY seq LIMIT %(fetch)s) change
)
SELECT json_build_object(
    'results', coalesce(json_agg(json_build_object('id', seq, 'claim', claim_id, 'kind', kind, 'status', status,
                                                   'at', {iso("at")}) ORDER BY seq)
                        FILTER (WHERE n <= %(size)s), '[]'::json),
    'next_cursor', translate(rtrim(encode(convert_to(
                       'seq:' || coalesce(max(seq) FILTER (WHERE n <= %(size)s), %(after)s), 'UTF8'), 'base64'),
                   '='), '+/', '-_'),
    'has_more', count(*) > %(size)s
)::text
FROM fetched"""
    return sql, {"after": after, "fetch": page_size + 1, "size": page_size}


def _list_cursor(encoded: str | None) -> tuple[int, bool, str | None]:
    """DRF's CursorPagination.decode_cursor: (offset, reverse, position)."""
    if encoded is None:
        return 0, False, None
    try:
        tokens = parse_qs(b64decode(encoded.encode("ascii")).decode("ascii"), keep_blank_values=True)
        offset = min(int(tokens.get("o", ["0"])[0]), ClaimPagination.offset_cutoff)
        reverse = bool(int(tokens.get("r", ["0"])[0]))
    except (TypeError, ValueError) as exc:
        raise Unsupported("cursor") from exc
    if offset < 0:
        raise Unsupported("cursor")
    return offset, reverse, tokens.get("p", [None])[0]


def _list_filters(params: dict) -> tuple[list[str], dict]:
    conditions, args = [], {}
    if "status" in params:
        codes = params["status"].split(",")
        if not all(code in Status.values for code in codes):
            raise Unsupported("status")
        names = [f"status_{i}" for i in range(len(codes))]
        conditions.append(f"c.status IN ({', '.join(f'%({name})s::text' for name in names)})")
        args.update(zip(names, codes, strict=True))
    if "outlet" in params:
        conditions.append(outlet_condition("c"))
        args["outlet"] = int(params["outlet"])
    if params.get("q"):  # django-filter ignores an empty value
        conditions.append(search_condition("c"))
        args.update(search_parameters(params["q"]))
    return conditions, args


def _link(offset: str, reverse: bool, position: str) -> str:
    """DRF's encode_cursor in SQL: base64 of o=&r=&p= (urlencoded), put in the request's URL."""
    flag = "'r=1'" if reverse else "NULL"
    tokens = (
        f"concat_ws('&', CASE WHEN {offset} <> 0 THEN 'o=' || {offset} END, {flag}, "
        f"'p=' || replace(replace(replace({position}, '+', '%%2B'), ':', '%%3A'), ' ', '+'))"
    )
    encoded = f"replace(encode(convert_to({tokens}, 'UTF8'), 'base64'), chr(10), '')"
    quoted = f"replace(replace(replace({encoded}, '+', '%%2B'), '/', '%%2F'), '=', '%%3D')"
    return f"(%(link_prefix)s::text || {quoted} || %(link_suffix)s::text)"


def claims_page_statement(*, host: str, params: dict) -> tuple[str, dict]:
    """Takes page_size, cursor, status, outlet and q; anything else raises Unsupported."""
    unknown = set(params) - LIST_PARAMETERS
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    size = params.get("page_size", ClaimPagination.page_size)
    size = int(size)
    if not 1 <= size <= ClaimPagination.max_page_size:
        raise Unsupported("page_size")
    has_cursor = params.get("cursor") is not None
    offset, reverse, position = _list_cursor(params.get("cursor"))
    conditions, args = _list_filters(params)
    if position is not None:
        conditions.append(f"c.updated_at {'>' if reverse else '<'} %(position)s::timestamptz")
    order = "ASC" if reverse else "DESC"
    base_url = f"{host}/api/v1/claims/" + (f"?{urlencode(params)}" if params else "")
    prefix, suffix = replace_query_param(base_url, "cursor", CURSOR_MARK).split(CURSOR_MARK)
    args.update(
        host=host,
        offset=offset,
        fetch=size + 1,
        size=size,
        position=position,
        link_prefix=prefix,
        link_suffix=suffix,
    )
    # DRF's get_next_link and get_previous_link, with the page's positions from the database. A
    # run of tied positions at the page's edge moves the marker; a page of nothing but ties
    # keeps counting an offset (the change of direction resets it, as DRF does).
    request_has_previous = "true" if position is not None or offset > 0 else "false"
    cursor_moved = f"{'true' if has_cursor else 'false'} AND %(offset)s <> 0"
    if reverse:
        has_next, has_previous = request_has_previous, "e.has_following"
        next_position, previous_position = "%(position)s::text", "e.following"
        next_compare = f"CASE WHEN e.n > 0 AND {cursor_moved} THEN e.last_pos ELSE {next_position} END"
        previous_compare = previous_position
        next_tied_offset, previous_tied_offset = "0", "%(offset)s + %(size)s"
    else:
        has_next, has_previous = "e.has_following", request_has_previous
        next_position, previous_position = "e.following", "%(position)s::text"
        next_compare = next_position
        previous_compare = f"CASE WHEN e.n > 0 AND {cursor_moved} THEN e.first_pos ELSE {previous_position} END"
        next_tied_offset, previous_tied_offset = "%(offset)s + %(size)s", "0"
    sql = f"""
WITH fetched AS (
    SELECT id, updated_at, {_position("updated_at")} AS pos,
           row_number() OVER (ORDER BY updated_at {order}, id {order}) AS n
    FROM (
        SELECT c.id, c.updated_at FROM claims_claim c
        WHERE {" AND ".join(conditions) or "true"}
        ORDER BY c.updated_at {order}, c.id {order}
        OFFSET %(offset)s LIMIT %(fetch)s
    ) c
), page AS (
    SELECT * FROM fetched WHERE n <= %(size)s
), ends AS (
    SELECT (SELECT count(*) FROM page) AS n,
           (SELECT count(*) FROM fetched) > %(size)s AS has_following,
           (SELECT pos FROM fetched WHERE n = %(size)s + 1) AS following,
           (SELECT pos FROM page ORDER BY updated_at DESC, id DESC LIMIT 1) AS first_pos,
           (SELECT pos FROM page ORDER BY updated_at, id LIMIT 1) AS last_pos
), compared AS (
    SELECT e.*, {has_next} AS has_next, {has_previous} AS has_previous,
           {next_position} AS next_position, {previous_position} AS previous_position,
           {next_compare} AS next_compare, {previous_compare} AS previous_compare
    FROM ends e
), runs AS (
    SELECT m.*,
           CASE WHEN m.last_pos = m.next_compare
                THEN (SELECT count(*) FROM page WHERE pos = m.next_compare) ELSE 0 END AS next_run,
           (SELECT pos FROM page WHERE pos IS DISTINCT FROM m.next_compare
            ORDER BY updated_at, id LIMIT 1) AS next_marker,
           CASE WHEN m.first_pos = m.previous_compare
                THEN (SELECT count(*) FROM page WHERE pos = m.previous_compare) ELSE 0 END AS previous_run,
           (SELECT pos FROM page WHERE pos IS DISTINCT FROM m.previous_compare
            ORDER BY updated_at DESC, id DESC LIMIT 1) AS previous_marker
    FROM compared m
), picked AS MATERIALIZED (
    SELECT {CLAIM_COLUMNS} FROM page p JOIN claims_claim c ON c.id = p.id
), cursors AS (
    SELECT r.has_next, r.has_previous,
           CASE WHEN r.n = 0 OR r.next_run < r.n THEN r.next_run
                WHEN NOT r.has_previous THEN %(size)s ELSE {next_tied_offset} END AS next_offset,
           CASE WHEN r.n = 0 THEN r.next_position WHEN r.next_run < r.n THEN r.next_marker
                WHEN NOT r.has_previous THEN NULL ELSE r.previous_position END AS next_pos,
           CASE WHEN r.n = 0 OR r.previous_run < r.n THEN r.previous_run
                WHEN NOT r.has_next THEN %(size)s ELSE {previous_tied_offset} END AS previous_offset,
           CASE WHEN r.n = 0 THEN r.previous_position WHEN r.previous_run < r.n THEN r.previous_marker
                WHEN NOT r.has_next THEN NULL ELSE r.next_position END AS previous_pos
    FROM runs r
)
SELECT json_build_object(
    'next', CASE WHEN k.has_next THEN {_link("k.next_offset", False, "k.next_pos")} END,
    'previous', CASE WHEN k.has_previous THEN {_link("k.previous_offset", True, "k.previous_pos")} END,
    'results', coalesce((
        SELECT json_agg({CLAIM_JSON} ORDER BY c.updated_at DESC, c.id DESC) FROM picked c {CLAIM_JOINS}
    ), '[]'::json)
)::text
FROM cursors k"""
    return sql, args
