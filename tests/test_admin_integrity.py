"""Edits made around the services in the admin still keep the rules: nothing half-written, no 500."""

import re

from claims import services
from claims.models import Claim, Verdict
from sources.models import Affiliation
from tests.conftest import admin_form_data, decide, seed_claim, source, support


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_an_affiliation_that_would_undo_a_published_confirmation_is_refused(
    admin_client, killed_500, reviewer, hospital_director
):
    support(killed_500, reviewer, source=hospital_director)
    decide(killed_500, reviewer, "confirmed", "The hospital counted them.")
    response = admin_client.post(
        "/admin/sources/affiliation/add/",
        {"person": hospital_director.pk, "organization": source("Anbar provincial government").pk, "role": "adviser"},
        follow=True,
    )
    assert "This edit changes what published verdicts rest on." in page_text(response)
    assert not Affiliation.objects.filter(person=hospital_director, role="adviser").exists()
    killed_500.refresh_from_db()
    assert killed_500.status == "confirmed"
    assert killed_500.evidence.get().independent is True


def test_removing_an_appearance_goes_through_the_service(admin_client, displaced_114000, reviewer):
    evidence = support(displaced_114000, reviewer, source=source("Muhannad Haimour"))
    assert evidence.independence_code == "relayed_claim"
    appearance = displaced_114000.appearances.get()
    response = admin_client.post(f"/admin/claims/appearance/{appearance.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    displaced_114000.refresh_from_db()
    assert not displaced_114000.appearances.exists()
    assert displaced_114000.version == 4  # evidence added, appearance removed, evidence rejudged
    evidence.refresh_from_db()
    assert evidence.independence_code == "independent"  # Haimour no longer stands in its chain


def test_a_claim_with_verdicts_cannot_be_deleted(admin_client, killed_500, reviewer):
    decide(killed_500, reviewer, "unconfirmed", "As AP.")
    response = admin_client.post(f"/admin/claims/claim/{killed_500.pk}/delete/", {"post": "yes"}, follow=True)
    assert Claim.objects.filter(pk=killed_500.pk).exists()
    assert Verdict.objects.filter(claim=killed_500).count() == 1
    assert response.status_code == 200


def test_a_source_cannot_be_affiliated_with_itself_on_its_page(admin_client, seed):
    karhout = source("Sabah Karhout")
    url = f"/admin/sources/source/{karhout.pk}/change/"
    response = admin_client.post(
        url,
        admin_form_data(
            admin_client.get(url),
            **{
                "affiliations-1-organization": karhout.pk,
                "affiliations-1-role": "self",
                "affiliations-TOTAL_FORMS": "2",
            },
        ),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not Affiliation.objects.filter(person=karhout, organization=karhout).exists()
    council = source("Anbar provincial council")
    assert (
        "affiliations-TOTAL_FORMS"
        not in admin_client.get(f"/admin/sources/source/{council.pk}/change/").content.decode()
    )


def test_a_source_with_members_cannot_become_a_person(admin_client, seed):
    council = source("Anbar provincial council")
    url = f"/admin/sources/source/{council.pk}/change/"
    response = admin_client.post(url, admin_form_data(admin_client.get(url), kind="person"))
    assert response.status_code == 200
    assert "People are affiliated with this source" in page_text(response)


def test_a_stale_claim_page_is_refused_and_the_other_edit_kept(admin_client, killed_500, reviewer):
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    stale_page = admin_client.get(url)
    services.update_claim(claim=killed_500, user=reviewer, described_as="an Anbar spokesman")
    response = admin_client.post(url, admin_form_data(stale_page, described_as="a provincial official (edited)"))
    assert response.status_code == 200
    assert "Someone else changed this claim while you were editing it." in page_text(response)
    killed_500.refresh_from_db()
    assert killed_500.described_as == "an Anbar spokesman"


def test_a_desk_reviewer_can_assign_on_the_claim_page(client, desk_reviewer, killed_500):
    url = f"/admin/claims/claim/{killed_500.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, admin_form_data(page, assigned_to=desk_reviewer.pk))
    assert response.status_code == 302
    killed_500.refresh_from_db()
    assert killed_500.assigned_to == desk_reviewer


def test_a_desk_reviewer_can_use_source_autocomplete(client, desk_reviewer, seed):
    response = client.get(
        "/admin/autocomplete/",
        {"term": "Karh", "app_label": "claims", "model_name": "claim", "field_name": "speaker"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Sabah Karhout"]


def test_the_evidence_claim_picker_names_who_made_each_claim(
    admin_client, killed_500, reviewer, django_assert_max_num_queries
):
    # Typing a person's name must not offer their claim as if it were the text alone.
    for n in range(12):  # more claims than the query bound below: a query per label would show
        services.record_claim(speaker=killed_500.speaker, text=f"Curfew extended, day {n}.", user=reviewer)
    params = {"term": "Haimour", "app_label": "claims", "model_name": "evidence", "field_name": "evidence_claim"}
    with django_assert_max_num_queries(12):
        response = admin_client.get("/admin/autocomplete/", params)
    assert response.status_code == 200, response.content
    labels = [r["text"] for r in response.json()["results"]]
    assert f"Muhannad Haimour: {killed_500}" in labels
    assert all(label.startswith("Muhannad Haimour: ") for label in labels)
    assert admin_client.get("/admin/").context["site_header"] == "Claim tracker"


def test_overtaken_proposals_are_not_offered_for_publication(admin_client, killed_500, reviewer):
    services.propose_verdict(claim=killed_500, status="unconfirmed", rationale="First.", reviewer=reviewer)
    newest = services.propose_verdict(claim=killed_500, status="retracted", rationale="Second.", reviewer=reviewer)
    response = admin_client.get("/admin/claims/verdict/", {"published": "no"})
    assert [v.pk for v in response.context["cl"].result_list] == [newest.pk]


def test_another_speaker_in_the_same_report_is_not_wire_copy(killed_500, reviewer):
    kilabi = seed_claim("The Shiite paramilitary forces")
    evidence = support(seed_claim("Four nearly simultaneous"), reviewer, evidence_claim=kilabi)
    assert evidence.independence.code == "independent"


def test_every_evidence_item_has_a_history_page(admin_client, killed_500, reviewer, hospital_director):
    evidence = support(killed_500, reviewer, source=hospital_director)
    assert admin_client.get("/admin/claims/evidence/").status_code == 200
    history = admin_client.get(f"/admin/claims/evidence/{evidence.pk}/history/")
    assert history.status_code == 200 and "evidence added" in page_text(history)
