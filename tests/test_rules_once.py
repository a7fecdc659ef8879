"""Each rule has one home that the admin, the API and the services call (issue: each rule once).
These fail if a copy comes back: a filter that works out the rule itself, or a status list
written out by hand outside claims/models/status.py."""

import re
from pathlib import Path

import pytest

from claims.models import Claim, ClaimQuerySet

ROOT = Path(__file__).resolve().parent.parent
OUTER = ["api", "review", "exchange", "intake", "webhooks", "claims/services", "claims/models/claim.py"]


def python_files():
    for place in OUTER:
        path = ROOT / place
        yield from ([path] if path.suffix == ".py" else path.rglob("*.py"))


def test_status_lists_are_written_once_in_the_domain():
    copies = re.compile(
        r"s != Status\.UNREVIEWED|not in \(Status\.UNREVIEWED|\(Status\.UNREVIEWED, Status\.UNCONFIRMED"
    )
    found = [f"{path.relative_to(ROOT)}:{n}" for path in python_files()
             for n, line in enumerate(path.read_text().splitlines(), 1) if copies.search(line)]  # fmt: skip
    assert found == [], "use VERDICT_STATUSES, UNCONDITIONAL_STATUSES or status_choices from claims.models"


def test_the_admins_independent_support_filter_is_the_querysets_rule(admin_client, seed, monkeypatch):
    asked = []

    def rule(self, supported=True):
        asked.append(supported)
        return self.none()

    monkeypatch.setattr(ClaimQuerySet, "independently_supported", rule)
    for value in ("yes", "no"):
        page = admin_client.get("/admin/claims/claim/", {"independent_support": value})
        assert page.context["cl"].result_count == 0
    assert asked == [True, False]
    assert Claim.objects.count() > 0


def test_the_bulk_verdict_form_offers_what_the_rules_allow_without_a_successor():
    from claims.models import NEEDS_SUCCESSOR, VERDICT_STATUSES
    from review.admin.claim_forms import BulkVerdictForm

    offered = [value for value, _ in BulkVerdictForm.base_fields["status"].choices if value]
    assert offered == [s.value for s in VERDICT_STATUSES if s not in NEEDS_SUCCESSOR]


def test_who_can_be_assigned_is_one_rule(seed, reviewer, django_user_model, monkeypatch):
    """The service and the admin's assignment list both follow claims.roles.ASSIGNABLE."""
    import pytest
    from django.core.exceptions import ValidationError

    from claims import roles, services
    from claims.models import Claim

    outsider = django_user_model.objects.create_user("outsider", is_staff=False)
    with pytest.raises(ValidationError):
        services.assign_claim(claim=Claim.objects.first(), assignee=outsider, by=reviewer)
    monkeypatch.setitem(roles.ASSIGNABLE, "is_staff", False)
    services.assign_claim(claim=Claim.objects.first(), assignee=outsider, by=reviewer)  # the rule moved: so did it


def test_read_only_admin_pages_refuse_writes_in_one_base(rf, django_user_model):
    """The verdict log, the webhook deliveries and the other read-only pages take ReadOnly's
    refusals rather than spelling them out again; an override there may only grant (the
    evidence page lets a reviewer remove evidence, through the service)."""
    from django.contrib import admin

    from claims.models import Verdict
    from review.admin.common import ReadOnly
    from webhooks.models import Delivery

    request = rf.get("/admin/")
    request.user = django_user_model(username="root", is_staff=True, is_superuser=True, is_active=True)
    refusals = ("has_add_permission", "has_change_permission", "has_delete_permission")
    for model in (Verdict, Delivery):
        assert isinstance(admin.site._registry[model], ReadOnly), model
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, ReadOnly):
            for name in refusals:
                if name in type(model_admin).__dict__:
                    assert getattr(model_admin, name)(request) is not False, f"{type(model_admin).__name__}.{name}"


def test_the_admin_and_the_api_read_and_check_a_claim_version_through_the_service(
    admin_client, killed_500, monkeypatch
):
    """One parser and one check: wrap them, and both the admin's save and the API's If-Match pass through."""
    from claims import services
    from claims.services import writes
    from tests.conftest import admin_form_data

    parsed, checked = [], []
    real_parse, real_check = writes.parse_version, writes.refuse_stale

    def parse(value, **kwargs):
        parsed.append(value)
        return real_parse(value, **kwargs)

    def check(current, expected, **kwargs):
        checked.append(expected)
        return real_check(current, expected, **kwargs)

    monkeypatch.setattr(services, "parse_version", parse)
    monkeypatch.setattr(services, "refuse_stale", check)
    monkeypatch.setattr(writes, "refuse_stale", check)
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    saved = admin_client.post(url, admin_form_data(admin_client.get(url), described_as="an Anbar official"))
    assert saved.status_code == 302
    etag = admin_client.get(f"/api/v1/claims/{killed_500.pk}/")["ETag"]
    proposed = admin_client.post(
        f"/api/v1/claims/{killed_500.pk}/verdicts/",
        {"status": "unconfirmed", "rationale": "No one else has counted."},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert proposed.status_code == 201
    assert str(killed_500.version) in parsed and etag in parsed
    # the admin form before any lock, the service under it; then the API's under its lock
    assert checked == [killed_500.version, killed_500.version, killed_500.version + 1]


def test_sources_and_affiliations_are_written_through_the_sources_service_only():
    """Every writer of a source or an affiliation re-judges independence by calling
    claims.services.sources; none saves one itself or re-judges on its own."""
    writes = re.compile(
        r"refresh_independence_around\(|(?:Source|Affiliation)\.objects\.(?:create|get_or_create|update_or_create)\("
        r"|^\s*(?:source|speaker|affiliation|publisher)\.save\("
    )
    places = [*python_files(), *(ROOT / "claims/management").rglob("*.py")]
    found = [f"{path.relative_to(ROOT)}:{n}" for path in places if "claims/services" not in str(path)
             for n, line in enumerate(path.read_text().splitlines(), 1) if writes.search(line)]  # fmt: skip
    assert found == [], "save sources and affiliations with claims.services.save_source / save_affiliation"


def test_an_affiliation_added_on_a_persons_page_rejudges_their_evidence(
    admin_client, reviewer, killed_500, hospital_director
):
    from tests.conftest import admin_form_data, source, support

    evidence = support(killed_500, reviewer, source=hospital_director)
    assert evidence.independent is True
    url = f"/admin/sources/source/{hospital_director.pk}/change/"
    page = admin_client.get(url)
    form = page.context["inline_admin_formsets"][1].formset
    row = f"{form.prefix}-{form.total_form_count() - 1}"
    response = admin_client.post(
        url,
        admin_form_data(
            page, **{f"{row}-organization": source("Anbar provincial government").pk, f"{row}-role": "adviser"}
        ),
    )
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert (evidence.independent, evidence.independence_code) == (False, "same_organization")


def test_the_rendering_reads_independence_from_the_claim(killed_500, monkeypatch):
    """What newsrooms read of independence is the domain's answer, not the rendering's own."""
    from claims import rendering
    from claims.models import Claim

    monkeypatch.setattr(Claim, "independent_count", lambda self, stance: {"supports": 7, "contradicts": 3}[stance])
    monkeypatch.setattr(Claim, "independently_confirmed", property(lambda self: True))
    body = rendering.representation(rendering.claims_for_rendering().get(pk=killed_500.pk))
    assert body["status"]["independently_confirmed"] is True
    assert (body["evidence"]["supporting_independent"], body["evidence"]["contradicting_independent"]) == (7, 3)


@pytest.mark.parametrize("path,maximum", [("/api/v1/changes/", 500), ("/api/v1/claims/", 200)])
def test_every_page_size_is_read_by_one_rule(api, seed, path, maximum):
    for bad in ("0", "x", str(maximum + 1), "٣"):
        response = api.get(path, {"page_size": bad})
        assert response.status_code == 400
        assert response.json()["page_size"] == [f"A whole number from 1 to {maximum}."]
    assert api.get(path, {"page_size": str(maximum)}).status_code == 200
