import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, RatingMap, Verdict
from exchange import claimreview_import
from exchange.claimreview_import import reviews_in
from tests.conftest import decide

# "The government announced 500 people killed", in Arabic.
ARABIC_CLAIM = (
    "\u0627\u0644\u062d\u0643\u0648\u0645\u0629 \u0623\u0639\u0644\u0646\u062a "
    "\u0645\u0642\u062a\u0644 500 \u0634\u062e\u0635"
)
FACT_CHECK_TOOLS = {
    "claims": [
        {
            "text": ARABIC_CLAIM,
            "claimant": "Ministry of Health",
            "claimDate": "2023-03-01T00:00:00Z",
            "claimReview": [
                {
                    "publisher": {"name": "Misbar", "site": "misbar.example"},
                    "url": "https://misbar.example/factcheck/1",
                    "title": "\u0632\u0627\u0626\u0641",
                    "reviewDate": "2023-03-03T10:00:00Z",
                    "textualRating": "\u0632\u0627\u0626\u0641",
                    "languageCode": "ar",
                }
            ],
        },
        {
            "text": "The bridge carries 1 million cars a day.",
            "claimant": "Jane Mayor",
            "claimDate": "2023-02-01",
            "claimReview": [
                {
                    "publisher": {"name": "Check Desk"},
                    "url": "https://checkdesk.example/bridge",
                    "title": "Bridge",
                    "reviewDate": "2023-02-03",
                    "textualRating": "Mostly False",
                    "languageCode": "en",
                }
            ],
        },
    ]
}
JSON_LD = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://checkdesk.example/tunnel",
    "claimReviewed": "The tunnel was finished in 2019.",
    "datePublished": "2023-05-05",
    "author": {"@type": "Organization", "name": "Check Desk"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "False"},
    "itemReviewed": {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Jane Mayor"},
        "datePublished": "2023-04-01",
    },
}


def test_both_formats_are_read():
    tools_1, _ = reviews_in(FACT_CHECK_TOOLS)
    assert (tools_1["claimant"], tools_1["rating"], tools_1["language"]) == (
        "Ministry of Health",
        "\u0632\u0627\u0626\u0641",
        "ar",
    )
    (ld,) = reviews_in(JSON_LD)
    assert (ld["claimant"], ld["rating"], ld["publisher"]) == ("Jane Mayor", "False", "Check Desk")
    assert reviews_in({"@graph": [JSON_LD]}) == [ld]
    with pytest.raises(ValueError):
        reviews_in({"nothing": "here"})


def test_unmapped_ratings_wait_for_a_reviewer_and_nothing_is_guessed(db, reviewer):
    report = claimreview_import.import_claim_reviews(reviews=reviews_in(FACT_CHECK_TOOLS), user=reviewer)
    assert report["claims"] == 2 and report["verdicts"] == 0 and report["evidence"] == 0
    assert report["unmapped"] == ["mostly false", "\u0632\u0627\u0626\u0641"]
    assert set(RatingMap.objects.values_list("status", flat=True)) == {""}


def test_mapped_ratings_become_evidence_and_a_proposed_verdict_and_rtl_text_round_trips(db, reviewer):
    RatingMap.objects.create(rating="\u0632\u0627\u0626\u0641", status="false")
    claimreview_import.import_claim_reviews(reviews=reviews_in(FACT_CHECK_TOOLS), user=reviewer)
    claim = Claim.objects.get(text=ARABIC_CLAIM)
    assert claim.speaker.name == "Ministry of Health" and claim.said_on.isoformat() == "2023-03-01"
    evidence = claim.evidence.get()
    assert (evidence.stance, evidence.document.url) == ("contradicts", "https://misbar.example/factcheck/1")
    verdict = claim.verdicts.get()
    assert (verdict.status, verdict.published_at) == ("false", None)
    assert "\u0632\u0627\u0626\u0641" in verdict.rationale
    claim.refresh_from_db()
    assert claim.status == "unreviewed"  # proposed, not published


def test_reimporting_changes_nothing_and_completes_newly_mapped_reviews(db, reviewer):
    reviews = reviews_in(FACT_CHECK_TOOLS)
    claimreview_import.import_claim_reviews(reviews=reviews, user=reviewer)
    counts = (Claim.objects.count(), Verdict.objects.count())
    again = claimreview_import.import_claim_reviews(reviews=reviews, user=reviewer)
    assert (Claim.objects.count(), Verdict.objects.count()) == counts and again["claims"] == 0
    RatingMap.objects.filter(rating="mostly false").update(status="disputed")
    completed = claimreview_import.import_claim_reviews(reviews=reviews, user=reviewer)
    assert completed["verdicts"] == 1 and completed["evidence"] == 1


def test_import_claimreview_command(db, reviewer, tmp_path):
    path = tmp_path / "reviews.json"
    path.write_text(json.dumps(JSON_LD, ensure_ascii=False), encoding="utf-8")
    RatingMap.objects.create(rating="false", status="false")
    out = StringIO()
    call_command("import_claimreview", str(path), "--as", "rev", stdout=out)
    assert "1 new claim(s), 1 evidence item(s), 1 verdict(s) proposed." in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")
    with pytest.raises(CommandError, match="not ClaimReview"):
        call_command("import_claimreview", str(bad))


def test_export_claimreview_writes_every_published_verdict(killed_500, reviewer, tmp_path):
    decide(killed_500, reviewer, "unconfirmed", "Rests on the spokesman alone.")
    path = tmp_path / "out.jsonld"
    call_command("export_claimreview", str(path), stderr=StringIO())
    document = json.loads(path.read_text(encoding="utf-8"))
    (review,) = document["@graph"]
    assert review["@type"] == "ClaimReview" and review["itemReviewed"]["author"]["name"] == "Muhannad Haimour"
    assert review["url"].endswith(f"/api/v1/claims/{killed_500.pk}/")


def test_an_exported_review_imports_back_intact(killed_500, reviewer, tmp_path):
    decide(killed_500, reviewer, "unconfirmed", "Rests on the spokesman alone.")
    path = tmp_path / "out.jsonld"
    call_command("export_claimreview", str(path), stderr=StringIO())
    (review,) = reviews_in(json.loads(path.read_text(encoding="utf-8")))
    assert review["claimant"] == "Muhannad Haimour" and review["rating"].startswith("Unconfirmed")
    report = claimreview_import.import_claim_reviews(reviews=[review], user=reviewer)
    assert report["claims"] == 0  # recognised as the claim it came from: same speaker, same text


@pytest.mark.parametrize(
    "data",
    [
        {"claims": ["x", 3, None]},
        {"claims": [{"text": "A", "claimReview": [{"publisher": "Just a string", "url": "https://x.example/1"}]}]},
        [{"@type": "ClaimReview", "reviewRating": "not an object", "itemReviewed": [], "author": 3}],
    ],
)
def test_odd_shapes_never_crash(db, reviewer, data):
    try:
        reviews = reviews_in(data)
    except ValueError:
        return
    claimreview_import.import_claim_reviews(reviews=reviews, user=reviewer)


def test_a_review_that_fails_is_not_counted(db, reviewer):
    review = dict(reviews_in(FACT_CHECK_TOOLS)[1], url="not a url")
    report = claimreview_import.import_claim_reviews(reviews=[review], user=reviewer)
    assert report["claims"] == 0 and report["skipped"]
    assert not Claim.objects.filter(text=review["text"]).exists()
