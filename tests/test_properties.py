"""Properties that hold for any input, checked with generated ones.

A figure's bounds and qualifier, in any combination, are stored as given or refused with a
ValidationError (a 400 naming `figures` through the API), never an IntegrityError or a 500.
An article URL's canonical spelling is canonical: spelling it again changes nothing.
"""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ThrottleCount
from claims import services
from claims.models import Claim, Figure
from sources.models import canonical_url
from tests.conftest import desk_member, key_acting_for, source

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# What a DECIMAL(18, 4) column holds exactly. SQLite keeps decimals as floating point, exact to
# 15 significant digits only: there the bounds generated stay within that (PostgreSQL, as in
# production, gets the column's full range).
LARGEST = Decimal("99999999999999.9999") if connection.vendor == "postgresql" else Decimal("99999999999.9999")
EDGES = [
    "0", "-0", "0.0001", "0.00001", "1.00000", "5E+2", "1E+13", "1E+14", str(LARGEST), "100000000000000",
    "-1", "-0.0001", "-1E+30", "1E-30", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity",
]  # fmt: skip
BOUNDS = st.one_of(
    st.none(),
    st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4),
    st.integers(min_value=-(10**20), max_value=10**20).map(Decimal),
    st.sampled_from(EDGES).map(Decimal),
    st.sampled_from([10, 114000, 500]).map(Decimal),  # the same value twice is likelier with a few common ones
)
QUALIFIERS = st.sampled_from([*Figure.Qualifier.values, "", "about"])


def storable(bound: Decimal | None) -> bool:
    """A finite number with at most 4 decimal places as written (1.00000 has five) and 14 whole digits."""
    return bound is None or (bound.is_finite() and -bound.as_tuple().exponent <= 4 and abs(bound) < Decimal("1E14"))


def rules_broken(qualifier, low, high, vague_text, period_start, period_end) -> set[str]:
    """The figure rules as the desk states them, by the name of the constraint that keeps each."""
    both = low is not None and high is not None
    broken = {
        "figure_bounds_not_negative": any(b is not None and b < 0 for b in (low, high)),
        "figure_low_not_above_high": both and low > high,
        "figure_point_qualifier_has_one_value": qualifier in ("exact", "approximately") and not (both and low == high),
        "figure_lower_bound_qualifier_has_only_low": qualifier in ("at_least", "more_than")
        and not (low is not None and high is None),
        "figure_at_most_has_only_high": qualifier == "at_most" and not (low is None and high is not None),
        "figure_range_has_both_bounds": qualifier == "range" and not (both and high > low),
        "figure_vague_keeps_words": qualifier == "vague" and not vague_text,
        "figure_period_end_not_before_start": period_start and period_end and period_end < period_start,
    }
    return {name for name, is_broken in broken.items() if is_broken}


CONSTRAINT_MESSAGES = {c.name: c.violation_error_message for c in Figure._meta.constraints}


@PROPERTY
@given(
    qualifier=QUALIFIERS,
    low=BOUNDS,
    high=BOUNDS,
    vague_text=st.sampled_from(["", "hundreds"]),
    period=st.tuples(st.none() | st.dates(), st.none() | st.dates()),
    metric=st.sampled_from([*Figure.Metric.values, "injured"]),
)
def test_a_figure_is_stored_as_given_or_refused_by_field_never_an_integrity_error(
    killed_500, qualifier, low, high, vague_text, period, metric
):
    figure = Figure(
        claim=killed_500, metric=metric, qualifier=qualifier, low=low, high=high, vague_text=vague_text,
        period_start=period[0], period_end=period[1],
    )  # fmt: skip
    valid_choices = qualifier in Figure.Qualifier.values and metric in Figure.Metric.values
    numbers = storable(low) and storable(high)  # NaN compares with nothing: no rule applies to it
    broken = rules_broken(qualifier, low, high, vague_text, *period) if numbers else set()
    try:
        services.save_figure(figure=figure, user=None)
    except ValidationError as refusal:
        errors = refusal.message_dict
        assert not (valid_choices and numbers and not broken), errors
        assert set(errors) <= {f.name for f in Figure._meta.fields} | {NON_FIELD_ERRORS}
        for name, bound in (("low", low), ("high", high)):
            assert (name in errors) == (not storable(bound)), errors
        assert ("qualifier" in errors) == (qualifier not in Figure.Qualifier.values)
        # A rule across fields is a named constraint's own message.
        assert set(errors.get(NON_FIELD_ERRORS, [])) <= set(CONSTRAINT_MESSAGES.values())
        if valid_choices and numbers:
            assert set(errors.get(NON_FIELD_ERRORS, [])) == {CONSTRAINT_MESSAGES[name] for name in broken}
    else:
        assert valid_choices and numbers and not broken
        stored = Figure.objects.get(pk=figure.pk)
        assert (stored.qualifier, stored.low, stored.high) == (qualifier, low, high)
        for constraint in Figure._meta.constraints:
            constraint.validate(Figure, stored)
        assert str(stored)


@pytest.fixture
def desk_key(db):
    return {"HTTP_AUTHORIZATION": key_acting_for(desk_member("property-reviewer", "Reviewer"), "Property desk")}


JSON_BOUNDS = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4).map(float),
    st.sampled_from(EDGES),  # as strings: "NaN", "Infinity", "1E-30", ...
    st.sampled_from([True, "", "five hundred", "1,000", " 7 ", [1], {"value": 1}]),
)


def as_decimal(value) -> Decimal | None:
    """The number a JSON value stands for, as the API reads it; None when it is none ("" is null)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip()) if isinstance(value, int | float | str) else None
    except ArithmeticError:
        return None


@PROPERTY
@given(qualifier=QUALIFIERS, low=JSON_BOUNDS, high=JSON_BOUNDS)
def test_a_figure_sent_to_the_api_is_stored_as_sent_or_a_400_naming_figures(
    client, desk_key, seed, qualifier, low, high
):
    ThrottleCount.objects.all().delete()  # the key's rate limit counts requests, and a long run sends many
    figure = {"metric": "killed", "qualifier": qualifier, "low": low, "high": high, "vague_text": "hundreds"}
    body = {"text": "A toll.", "speaker": source("Muhannad Haimour").pk, "figures": [figure]}
    response = client.post("/api/v1/claims/", json.dumps(body), content_type="application/json", **desk_key)
    numbers = [as_decimal(low), as_decimal(high)]
    readable = all(n is not None or v in (None, "") for n, v in zip(numbers, (low, high), strict=True))
    acceptable = (
        readable
        and qualifier in Figure.Qualifier.values
        and all(storable(n) for n in numbers)
        and not rules_broken(qualifier, *numbers, "hundreds", None, None)
    )
    if response.status_code == 201:
        assert acceptable, (qualifier, low, high, response.json()["figures"])
        stored = Claim.objects.get(pk=response.json()["id"]).figures.get()
        assert [stored.low, stored.high] == numbers
        # The API writes bounds as JSON numbers: exact to a double's precision.
        shown = response.json()["figures"][0]
        assert [shown["low"], shown["high"]] == [float(n) if n is not None else None for n in numbers]
    else:
        assert response.status_code == 400, response.content
        assert not acceptable
        assert list(response.json()) == ["figures"]


# Article URLs

LABELS = st.one_of(
    st.from_regex(r"[a-zA-Z0-9-]{1,12}", fullmatch=True),
    st.text(min_size=1, max_size=8),
    st.sampled_from(["xn--bcher-kva", "ÄÖÜ", "ß", "例え", "a。b", "", "%41", "[::1]", "127.0.0.1", "xn--", "a_b", "İ"]),
)
SEGMENTS = st.one_of(st.text(max_size=6), st.sampled_from(["", "%2F", "..", "%zz", "é", " ", "\u3000", "?", "#"]))
QUERY_KEYS = st.sampled_from(["utm_source", "UTM_Medium", "fbclid", "id", "q", "", "a%20b", "utm%5Fsource", "utm+x"])


@st.composite
def urls(draw) -> str:
    """Article URLs as readers paste them, and strings that only look like one."""
    url = draw(st.sampled_from(["", " ", "\u3000"])) + draw(st.sampled_from(["http", "HTTPS", "ftp", "", "http:"]))
    url += "://" + draw(st.sampled_from(["", "user@", "user:pass@", "@"]))
    url += ".".join(draw(st.lists(LABELS, min_size=1, max_size=4)))
    url += draw(st.sampled_from(["", ":", ":80", ":443", ":080", ":0", ":65536", ":-1", ":x"]))
    url += "/" + "/".join(draw(st.lists(SEGMENTS, max_size=5)))
    pairs = draw(st.lists(st.tuples(QUERY_KEYS, st.text(max_size=5)), max_size=4))
    url += ("?" + "&".join(f"{k}={v}" for k, v in pairs)) if pairs else ""
    url += draw(st.sampled_from(["", "#", "#top", " #", " ?"]))
    return url


URLS = st.one_of(urls(), st.text(max_size=40))


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(URLS)
def test_canonical_url_is_idempotent_and_refuses_only_with_value_error(url):
    try:
        once = canonical_url(url)
    except ValueError:
        return
    assert canonical_url(once) == once


@PROPERTY
@given(URLS)
def test_looking_up_any_url_is_an_answer_never_a_500(api, seed, url):
    ThrottleCount.objects.all().delete()
    response = api.get("/api/v1/lookup/", {"url": url})
    assert response.status_code in (200, 400, 404)
    if response.status_code == 400:
        assert list(response.json()) == ["url"]
