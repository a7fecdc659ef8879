"""The worked example beside the seed: an independent confirmation, published verdicts, a superseded figure."""

import io

from django.core.management import call_command

from claims.models import Claim, Figure


def load() -> str:
    out = io.StringIO()
    call_command("load_example", stdout=out)
    return out.getvalue()


def test_the_worked_example_shows_confirmation_claimreview_and_supersession(api, seed):
    before = {c.pk: (c.text, c.status, c.version) for c in Claim.objects.all()}
    assert "3 claims" in load()
    confirmed = Claim.objects.get(text__startswith="At least 52 people died")
    superseded = Claim.objects.get(text__startswith="At least 40 people died")

    body = api.get(f"/api/v1/claims/{confirmed.pk}/").json()
    assert body["status"]["code"] == "confirmed" and body["status"]["independently_confirmed"] is True
    assert body["evidence"]["supporting_independent"] == 1
    assert api.get(body["claimreview_url"]).status_code == 200
    earlier = api.get(f"/api/v1/claims/{superseded.pk}/").json()
    assert earlier["status"]["code"] == "superseded"
    assert earlier["figures"][0]["superseded_by"] == Figure.objects.get(claim=confirmed).pk
    assert "Fictional" in confirmed.speaker.description

    # The AP claims stay as the report gives them.
    assert {
        pk: value for pk, value in ((c.pk, (c.text, c.status, c.version)) for c in Claim.objects.all()) if pk in before
    } == before


def test_loading_the_worked_example_again_changes_nothing(seed):
    load()
    claims = Claim.objects.count()
    assert "already present" in load()
    assert Claim.objects.count() == claims
