"""schema.org ClaimReview markup for a claim's published verdict.

Google's required properties are there (claimReviewed under 75 characters, reviewRating with
alternateName, url), with author, datePublished and itemReviewed: the Claim with its author
(the speaker), datePublished, appearance and firstAppearance.
"""

from django.conf import settings
from django.urls import reverse

from claims.models import Claim, Status

BEST, WORST = 5, 1
# status -> (ratingValue, alternateName). README documents this scale.
RATINGS = {
    Status.CONFIRMED: (5, "Confirmed"),
    Status.UNCONFIRMED: (3, "Unconfirmed: could not be independently confirmed"),
    Status.SUPERSEDED: (3, "Superseded by a later figure from the same source"),
    Status.RETRACTED: (3, "Retracted by the source"),
    Status.DISPUTED: (2, "Disputed by an independent source"),
    Status.FALSE: (1, "False"),
}
SCHEMA_TYPES = {"person": "Person", "organization": "Organization", "outlet": "Organization", "unnamed": "Person"}


def claim_reviewed(text: str) -> str:
    """Under 75 characters, cut at a word."""
    if len(text) < 75:
        return text
    return text[:73].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def claim_review(claim: Claim, request=None) -> dict:
    """The markup for the claim's latest published verdict (claim.published_verdicts, prefetched).
    Without a request, absolute URLs start from SITE_URL."""
    verdict = claim.published_verdicts[-1]
    value, name = RATINGS[Status(verdict.status)]
    url = settings.CLAIMREVIEW_URL.format(id=claim.pk) if settings.CLAIMREVIEW_URL else None
    path = reverse("api:claim-detail", args=[claim.pk])
    url = url or (request.build_absolute_uri(path) if request else settings.SITE_URL.rstrip("/") + path)
    documents = list({a.document.pk: a.document for a in claim.appearances.all()}.values())  # a report once
    appearances = [_creative_work(document) for document in documents]
    author = {"@type": "Organization", "name": settings.CLAIMREVIEW_PUBLISHER}
    if settings.CLAIMREVIEW_PUBLISHER_URL:
        author["url"] = settings.CLAIMREVIEW_PUBLISHER_URL
    item = {
        "@type": "Claim",
        "author": {"@type": SCHEMA_TYPES[claim.speaker.kind], "name": claim.speaker.name},
        "appearance": appearances,
    }
    if claim.said_on:
        item["datePublished"] = claim.said_on.isoformat()
    elif appearances and "datePublished" in appearances[0]:
        item["datePublished"] = appearances[0]["datePublished"]  # said no later than first reported
    if appearances:
        item["firstAppearance"] = appearances[0]
    successors = _successor_claims(claim)
    if successors:
        # A later figure replaces one of this claim's: point readers at the claim that holds it.
        base = (request.build_absolute_uri("/") if request else settings.SITE_URL).rstrip("/")
        item["supersededBy"] = [
            {"@type": "Claim", "url": base + reverse("api:claim-detail", args=[pk])} for pk in successors
        ]
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": claim_reviewed(claim.text),
        "datePublished": verdict.published_at.date().isoformat(),
        "author": author,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": value,
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": name,
        },
        "itemReviewed": item,
        "reviewBody": verdict.rationale,
    }


def _successor_claims(claim: Claim) -> list[int]:
    """Ids of the other claims whose figures supersede this claim's (figures prefetched)."""
    found = []
    for figure in claim.figures.all():
        successor = getattr(figure, "superseded_by", None)  # None when nothing replaces it
        if successor is not None and successor.claim_id != claim.pk and successor.claim_id not in found:
            found.append(successor.claim_id)
    return found


def _creative_work(document) -> dict:
    work = {"@type": "CreativeWork", "url": document.url, "headline": document.title}
    if document.published_at:
        work["datePublished"] = document.published_at.date().isoformat()
    work["author"] = {"@type": "Organization", "name": document.outlet.name}
    return work
