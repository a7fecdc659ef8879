"""Reading other desks' fact-checks: schema.org ClaimReview JSON-LD and the Fact Check Tools
API's `claims:search` JSON, as one list of reviews in a common shape."""

from datetime import date, datetime


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
