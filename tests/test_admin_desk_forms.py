"""The desk's forms say what is being picked: evidence by what it rests on, a verdict by what
each status means, and numbers as people write them."""

from claims.models import STATUS_DEFINITIONS, Claim, Evidence, Status
from tests.conftest import admin_form_data, source, support


def another_speakers_claim(claim):
    return Claim.objects.exclude(speaker=claim.speaker).order_by("pk").first()


def _post_evidence(admin_client, claim, **fields):
    url = f"/admin/claims/claim/{claim.pk}/change/"
    changes = {"evidence-2-TOTAL_FORMS": "1", "evidence-2-0-stance": "supports", "evidence-2-0-note": "Same toll."}
    changes.update({f"evidence-2-0-{name}": value for name, value in fields.items()})
    return admin_client.post(url, admin_form_data(admin_client.get(url), **changes))


def test_a_claim_picked_while_a_statement_was_chosen_is_refused_naming_the_box(admin_client, killed_500):
    other = another_speakers_claim(killed_500)
    response = _post_evidence(admin_client, killed_500, basis="statement", evidence_claim=str(other.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "but you chose “a source&#x27;s own statement to the desk”: clear it." in page
    assert "pick it here" in page  # the statement's source box is empty
    assert not Evidence.objects.filter(claim=killed_500).exists()


def test_evidence_with_its_basis_chosen_is_recorded(admin_client, killed_500):
    karhout = source("Sabah Karhout")
    response = _post_evidence(admin_client, killed_500, basis="statement", source=str(karhout.pk))
    assert response.status_code == 302
    assert Evidence.objects.get(claim=killed_500).source == karhout


def test_evidence_with_two_boxes_filled_and_no_basis_is_refused(admin_client, killed_500):
    other = another_speakers_claim(killed_500)
    both = {"source": str(source("Sabah Karhout").pk), "evidence_claim": str(other.pk)}
    response = _post_evidence(admin_client, killed_500, **both)
    assert response.status_code == 200 and "Choose what the evidence is" in response.content.decode()
    assert not Evidence.objects.filter(claim=killed_500).exists()


def test_the_evidence_row_says_what_it_points_to_in_words(admin_client, killed_500, reviewer):
    other = another_speakers_claim(killed_500)
    support(killed_500, reviewer, evidence_claim=other)
    page = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/change/").content.decode()
    assert f"Claim by {other.speaker}: “" in page
    listed = admin_client.get("/admin/claims/evidence/").content.decode()
    assert f"Claim by {other.speaker}" in listed
    assert f"claim {killed_500.pk}<" not in listed


def test_the_verdict_form_gives_each_status_its_definition(admin_client, killed_500):
    page = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/propose-verdict/").content.decode()
    for status in (Status.CONFIRMED, Status.DISPUTED, Status.SUPERSEDED):
        assert f'value="{status.value}"' in page
        assert str(STATUS_DEFINITIONS[status]).replace("'", "&#x27;") in page
    assert 'class="form-row field-superseded_by' in page  # shown by desk.css only for superseded
    assert f'value="{Status.UNREVIEWED.value}"' not in page


def test_a_read_only_figure_shows_its_number_as_written(client, killed_500, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw-12345-long", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_figure", "view_claim"]))
    client.force_login(viewer)
    figure = killed_500.figures.first()
    figure.low = 8000
    figure.save(update_fields=["low"])
    page = client.get(f"/admin/claims/figure/{figure.pk}/change/").content.decode()
    assert "8,000" in page and "8000.0000" not in page and "8000,0000" not in page


def test_history_says_the_seed_loaded_it_and_what_each_change_was(admin_client, killed_500, reviewer):
    from claims import services
    from tests.conftest import decide

    other = another_speakers_claim(killed_500)
    support(killed_500, reviewer, evidence_claim=other)
    killed_500.refresh_from_db()
    decide(killed_500, reviewer, "unconfirmed", rationale="Only the governor's office says so.")
    services.update_claim(claim=Claim.objects.get(pk=killed_500.pk), user=None, reason="re-rendered", text="New.")
    page = admin_client.get(f"/admin/claims/claim/{killed_500.pk}/history/").content.decode()
    assert "loaded from the seed" in page
    assert ">None<" not in page.replace(" ", "").replace("\n", "")
    assert f"Evidence added: supports: Claim by {other.speaker}" in page
    assert "Verdict proposed: Unconfirmed: “Only the governor&#x27;s office says so.”" in page
    assert "a command (no one signed in)" in page
