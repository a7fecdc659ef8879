"""Reading other desks' fact-checks: schema.org ClaimReview JSON-LD and the Fact Check Tools
API's `claims:search` JSON, as one list of reviews in a common shape;
and bringing them in as claims, evidence and proposed verdicts through the domain services."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.models import (
    Claim,
    Evidence,
    RatingMap,
    Status,
)
from claims.services.documents import record_document
from claims.services.evidence import add_evidence
from claims.services.recording import record_claim
from claims.services.sources import save_source
from claims.services.verdicts import propose_verdict
from intake.services import kind_of_new_speaker
from sources.models import Document, Source


def reviews_in(data) -> list[dict]:
    """Each review as {text, claimant, claim_date, publisher, site, url, title, review_date,
    rating, language}. Raises ValueError on a document that is neither format."""
    if isinstance(data, dict) and isinstance(data.get("claims"), list):
        return [review for item in data["claims"] if isinstance(item, dict) for review in _fact_check_tools(item)]
    items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError("Expected ClaimReview JSON-LD or Fact Check Tools claims:search JSON.")
    reviews = [_claim_review(item) for item in items if isinstance(item, dict) and _is_claim_review(item)]
    if not reviews and items:
        raise ValueError("No ClaimReview found.")
    return reviews


def _is_claim_review(item: dict) -> bool:
    kind = item.get("@type")
    return kind == "ClaimReview" or (isinstance(kind, list) and "ClaimReview" in kind)


def _name(value) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or "")
    if isinstance(value, list) and value:
        return _name(value[0])
    return str(value or "")


def _claim_review(item: dict) -> dict:
    reviewed = item.get("itemReviewed") if isinstance(item.get("itemReviewed"), dict) else {}
    rating = item.get("reviewRating") if isinstance(item.get("reviewRating"), dict) else {}
    author = item.get("author") if isinstance(item.get("author"), dict) else {}
    return {
        "text": str(item.get("claimReviewed") or reviewed.get("name") or "").strip()[:5000],
        "claimant": _name(reviewed.get("author")).strip(),
        "claim_date": _day(reviewed.get("datePublished")),
        "publisher": _name(author).strip(),
        "site": str(author.get("url") or ""),
        "url": str(item.get("url") or ""),
        "title": str(item.get("headline") or item.get("name") or item.get("claimReviewed") or "")[:500],
        "review_date": _day(item.get("datePublished")),
        "rating": str(rating.get("alternateName") or rating.get("ratingValue") or "").strip(),
        "language": str(item.get("inLanguage") or "en")[:16],
    }


def _fact_check_tools(item: dict) -> list[dict]:
    return [
        {
            "text": str(item.get("text") or "").strip()[:5000],
            "claimant": str(item.get("claimant") or "").strip(),
            "claim_date": _day(item.get("claimDate")),
            "publisher": _name(review.get("publisher")).strip(),
            "site": str(review["publisher"].get("site") or "") if isinstance(review.get("publisher"), dict) else "",
            "url": str(review.get("url") or ""),
            "title": str(review.get("title") or item.get("text") or "")[:500],
            "review_date": _day(review.get("reviewDate")),
            "rating": str(review.get("textualRating") or "").strip(),
            "language": str(review.get("languageCode") or "en")[:16],
        }
        for review in item.get("claimReview") or []
        if isinstance(review, dict)
    ]


def _day(value) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None


STANCE_OF = {
    Status.CONFIRMED: Evidence.Stance.SUPPORTS,
    Status.DISPUTED: Evidence.Stance.CONTRADICTS,
    Status.FALSE: Evidence.Stance.CONTRADICTS,
}


def import_claim_reviews(*, reviews: list[dict], user) -> dict:
    """Bring in other desks' fact-checks: each becomes a claim (the claimant its speaker), the
    external review a document and evidence, and its mapped rating a proposed verdict.

    Ratings not yet mapped are added to the rating map for a reviewer; their reviews are kept
    without evidence or verdict until then, and importing again completes them. Importing the
    same reviews twice changes nothing.
    """
    report = {"claims": 0, "evidence": 0, "verdicts": 0, "unmapped": set(), "skipped": [], "refused": []}
    for number, review in enumerate(reviews, start=1):
        if not review["text"] or not review["url"]:
            report["skipped"].append(f"review {number}: needs the claim's text and the review's URL")
            continue
        counted = {"claims": 0, "evidence": 0, "verdicts": 0, "unmapped": set(), "refused": []}
        try:
            with transaction.atomic():
                _import_review(review, user, counted)
        except ValidationError as exc:
            report["skipped"].append(f"review {number}: {' '.join(exc.messages)}")
            continue
        for key in ("claims", "evidence", "verdicts"):
            report[key] += counted[key]
        report["unmapped"] |= counted["unmapped"]
        report["refused"] += counted["refused"]
    report["unmapped"] = sorted(report["unmapped"])
    return report


def _import_review(review: dict, user, report: dict) -> None:
    speaker = _source_named(review["claimant"] or "unknown claimant", default_kind=Source.Kind.UNNAMED, user=user)
    claim = Claim.objects.filter(speaker=speaker, text=review["text"]).first()
    if claim is None and review["text"].endswith(("…", "...")):
        # ClaimReview shortens claimReviewed (under 75 characters for Google): match the start.
        claim = Claim.objects.filter(speaker=speaker, text__startswith=review["text"].rstrip("….").rstrip()).first()
    if claim is None:
        claim = record_claim(speaker=speaker, text=review["text"], said_on=review["claim_date"], user=user)
        report["claims"] += 1
    publisher = _source_named(
        review["publisher"] or review["site"] or "unknown publisher", default_kind=Source.Kind.OUTLET, user=user
    )
    if publisher.kind != Source.Kind.OUTLET:
        publisher = Source.objects.filter(kind=Source.Kind.OUTLET, name=publisher.name).first() or save_source(
            source=Source(kind=Source.Kind.OUTLET, name=publisher.name), user=user, reason="ClaimReview import"
        )
    document = Document.objects.for_url(review["url"]).first() or record_document(
        url=review["url"],
        outlet=publisher,
        title=review["title"] or review["text"][:500],
        language=review["language"],
        published_at=_midnight(review["review_date"]),
        user=user,
    )
    rating, _ = RatingMap.objects.get_or_create(rating=RatingMap.fold(review["rating"] or "(no rating)"))
    if not rating.status:
        report["unmapped"].add(rating.rating)
        return
    status = Status(rating.status)
    rationale = f"{publisher.name} rated it “{review['rating']}”: {document.url}"
    if status in STANCE_OF and not claim.evidence.filter(document=document).exists():
        add_evidence(
            claim=claim,
            stance=STANCE_OF[status],
            note=rationale,
            added_by=user,
            document=document,
            attributed_to=document.outlet,  # a review is its publisher's own reporting
        )
        report["evidence"] += 1
    if claim.verdicts.filter(rationale=rationale).exists():
        return
    if user is None:
        report["refused"].append(f"“{claim}”: a verdict needs a desk member to propose it")
        return
    try:
        with transaction.atomic():
            propose_verdict(claim=claim, status=status, rationale=rationale, reviewer=user)
        report["verdicts"] += 1
    except ValidationError as exc:
        report["refused"].append(f"“{claim}”: {' '.join(exc.messages)}")


def _source_named(name: str, default_kind: str, user) -> Source:
    found = Source.objects.matching(name).first()
    if found is not None:
        return found
    kind = kind_of_new_speaker(name) if default_kind == Source.Kind.UNNAMED else default_kind
    return save_source(source=Source(kind=kind, name=name[:200]), user=user, reason="ClaimReview import")


def _midnight(day: date | None):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) if day else None
