from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command

from claims import services
from claims.models import Claim, Evidence
from tests.conftest import admin_form_data, first_appearance, seed_claim, source


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_list_add_and_change_page_loads(admin_client, seed, killed_500, reviewer, model):
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="As AP says.", reviewer=reviewer)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(base, {"q": "Ramadi"}).status_code == 200
    instance = model.objects.first()
    if instance is not None:
        assert admin_client.get(f"{base}{instance.pk}/change/").status_code == 200
    assert admin_client.get(f"{base}add/").status_code in (200, 403)


def test_claim_queue_needs_no_query_per_row(admin_client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/claims/claim/")
    assert response.status_code == 200
    assert response.content.decode().count('class="status-badge"') == Claim.objects.count()


def test_claim_queue_searches_speaker_aliases_and_document_urls(admin_client, seed):
    by_alias = admin_client.get("/admin/claims/claim/", {"q": "Karhout"}).context["cl"].result_count
    assert by_alias == 1
    by_url = admin_client.get("/admin/claims/claim/", {"q": "seed.invalid/ap"}).context["cl"].result_count
    assert by_url == Claim.objects.count()


def test_claim_queue_filters_by_status_and_speaker_kind(admin_client, seed):
    unnamed = admin_client.get("/admin/claims/claim/", {"speaker_kind": "unnamed"}).context["cl"].result_count
    assert unnamed == 3
    assert admin_client.get("/admin/claims/claim/", {"status": "confirmed"}).context["cl"].result_count == 0


def test_claim_page_shows_the_chain_and_computed_independence(admin_client, displaced_114000, reviewer):
    services.add_evidence(
        claim=displaced_114000,
        stance="supports",
        note="Repeats it.",
        added_by=reviewer,
        source=source("Muhannad Haimour"),
    )
    page = admin_client.get(f"/admin/claims/claim/{displaced_114000.pk}/change/").content.decode()
    assert "United Nations (the UN) → Muhannad Haimour (Anbar spokesman) → Associated Press" in page
    assert "not independent: Muhannad Haimour relayed this claim" in page


def test_status_is_never_an_editable_field_on_the_claim_page(admin_client, killed_500):
    response = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/change/")
    form = response.context["adminform"].form
    assert not {"status", "version", "superseded_by"} & set(form.fields)
    assert 'name="status"' not in response.content.decode()


def test_posting_a_status_to_the_claim_page_changes_nothing(admin_client, killed_500):
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), status="confirmed"))
    assert response.status_code == 302
    killed_500.refresh_from_db()
    assert killed_500.status == "unreviewed"


def test_editing_a_claim_in_the_admin_goes_through_the_service(admin_client, killed_500, reviewer):
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), described_as="an Anbar spokesman"))
    assert response.status_code == 302
    killed_500.refresh_from_db()
    assert killed_500.described_as == "an Anbar spokesman"
    assert killed_500.version == 2
    assert killed_500.history.first().history_user == reviewer


def test_a_figure_with_low_above_high_is_a_form_error_not_a_500(admin_client, seed):
    claim = seed_claim("Four nearly simultaneous bombings")
    url = f"/admin/claims/claim/{claim.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), **{"figures-0-high": "5"}))
    assert response.status_code == 200
    assert "An &#x27;at least&#x27; or &#x27;more than&#x27; figure has a low bound and no high bound." in (
        response.content.decode()
    )
    assert sorted(str(f) for f in claim.figures.all()) == ["15 wounded (police)", "≥ 10 killed (police)"]


def test_evidence_added_on_the_claim_page_is_recorded_by_the_service(admin_client, killed_500, reviewer):
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    data = admin_form_data(
        admin_client.get(url),
        **{
            "evidence-2-TOTAL_FORMS": "1",
            "evidence-2-0-stance": "supports",
            "evidence-2-0-source": str(source("Sabah Karhout").pk),
            "evidence-2-0-note": "Karhout gives the same toll.",
        },
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    evidence = Evidence.objects.get(claim=killed_500)
    assert (evidence.added_by, evidence.independence.code) == (reviewer, "same_organization")
    killed_500.refresh_from_db()
    assert killed_500.version == 2

    page = admin_client.get(url).content.decode()
    assert "not independent: same organization tree as the speaker (Anbar provincial authorities)" in page


def test_admin_records_an_appearance_with_its_relay_chain(admin_client, seed, reviewer):
    claim = services.record_claim(speaker=source("United Nations"), text="UN: 114,000 displaced.", user=reviewer)
    document = first_appearance(seed_claim("As many as 114,000")).document
    response = admin_client.post(
        "/admin/claims/appearance/add/",
        {
            "claim": claim.pk,
            "document": document.pk,
            "excerpt": "as many as 114,000 residents",
            "relayer_1": source("Muhannad Haimour").pk,
            "relayer_1_role": "spokesman",
            "chain-TOTAL_FORMS": "0",
            "chain-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    appearance = claim.appearances.get()
    assert appearance.chain_text() == "United Nations → Muhannad Haimour (spokesman) → Associated Press"
    assert document.text[appearance.start : appearance.end] == "as many as 114,000 residents"


def test_an_excerpt_not_in_the_document_is_a_form_error(admin_client, killed_500):
    document = first_appearance(killed_500).document
    response = admin_client.post(
        "/admin/claims/appearance/add/",
        {
            "claim": killed_500.pk,
            "document": document.pk,
            "excerpt": "never printed",
            "chain-TOTAL_FORMS": "0",
            "chain-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "This excerpt is not in the document" in response.content.decode()


def test_adding_a_document_in_the_admin_hashes_its_text(admin_client, seed):
    response = admin_client.post(
        "/admin/sources/document/add/",
        {
            "url": "https://News.Example/ramadi/?utm_source=x",
            "outlet": source("Associated Press").pk,
            "title": "Ramadi",
            "language": "en",
            "text": "Ramadi fell.",
        },
    )
    assert response.status_code == 302
    from sources.models import Document

    document = Document.objects.get(url="https://news.example/ramadi")
    assert document.text_matches("Ramadi fell.")


def test_local_reviewer_and_editor_logins_are_created_once_with_printed_passwords(db):
    out = StringIO()
    call_command("create_local_reviewer", stdout=out)
    printed = out.getvalue()
    for username, group in (("reviewer", "Reviewer"), ("editor", "Editor")):
        password = printed.split(f"as '{username}' with password ")[1].split("'")[1]
        user = get_user_model().objects.get(username=username)
        assert user.check_password(password) and user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]

    again = StringIO()
    call_command("create_local_reviewer", stdout=again)
    assert "with password" not in again.getvalue()
    assert get_user_model().objects.count() == 2
