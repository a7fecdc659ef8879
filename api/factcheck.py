"""GET /api/v1/factcheck/claims:search: our published verdicts in the contract of Google's Fact
Check Tools API (v1alpha1 claims:search), so a client of that API switches by changing its base
URL to /api/v1/factcheck/. README maps each field to where it comes from."""

import base64
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.newsroom import VaryOnCaller
from claims import rendering
from claims.models import Claim, Status, Verdict
from exchange.claimreview import RATINGS, claim_reviewed
from sources.languages import LANGUAGE_TAG

MAX_PAGE = 100
MAX_OFFSET = 10_000

PARAMETERS = [
    OpenApiParameter("query", str, description="Words to find in the claims; needed unless a site filter is given."),
    OpenApiParameter("languageCode", str, description="BCP 47, e.g. en or pt-BR: claims in its primary language."),
    OpenApiParameter("reviewPublisherSiteFilter", str, description="Only reviews published by this site."),
    OpenApiParameter("maxAgeDays", OpenApiTypes.INT, description="Only claims reviewed within this many days."),
    OpenApiParameter("pageSize", OpenApiTypes.INT, description="From 1 to 100; 10 by default."),
    OpenApiParameter("pageToken", str, description="nextPageToken from the previous answer."),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Claims to skip, when no pageToken is given."),
]
REVIEW = inline_serializer(
    "FactCheckClaimReview",
    {
        "publisher": inline_serializer(
            "FactCheckPublisher", {"name": serializers.CharField(), "site": serializers.CharField()}
        ),
        "url": serializers.URLField(),
        "title": serializers.CharField(),
        "reviewDate": serializers.DateTimeField(),
        "textualRating": serializers.CharField(),
        "languageCode": serializers.CharField(),
    },
    many=True,
)
CLAIM = inline_serializer(
    "FactCheckClaim",
    {
        "text": serializers.CharField(),
        "claimant": serializers.CharField(),
        "claimDate": serializers.DateTimeField(required=False),
        "claimReview": REVIEW,
    },
    many=True,
)


def publisher() -> dict:
    return {"name": settings.FACTCHECK_PUBLISHER_NAME, "site": settings.FACTCHECK_PUBLISHER_SITE}


class FactCheckSearchView(VaryOnCaller, APIView):
    """Claims with a published verdict, answered as Fact Check Tools' claims:search answers."""

    query_parameters = tuple(p.name for p in PARAMETERS)

    @extend_schema(
        operation_id="factcheck_claims_search",
        parameters=PARAMETERS,
        responses={
            200: inline_serializer(
                "FactCheckSearch", {"claims": CLAIM, "nextPageToken": serializers.CharField(required=False)}
            )
        },
    )
    def get(self, request):
        params = request.query_params
        query = params.get("query", "").strip()
        site = params.get("reviewPublisherSiteFilter", "").strip().lower()
        if not query and not site:
            raise ValidationError({"query": ["Give the words to search for (or reviewPublisherSiteFilter)."]})
        size = _whole(params, "pageSize", 10, 1, MAX_PAGE)
        offset = _token(params["pageToken"]) if params.get("pageToken") else _whole(params, "offset", 0, 0, MAX_OFFSET)
        claims = Claim.objects.with_published_verdict()
        if params.get("maxAgeDays"):
            days = _whole(params, "maxAgeDays", 0, 1, 36_500)
            recent = Verdict.objects.published().filter(
                claim=OuterRef("pk"), published_at__gte=timezone.now() - timedelta(days=days)
            )
            claims = claims.filter(Exists(recent))
        if query:
            claims = claims.search(query)
        if params.get("languageCode"):
            code = params["languageCode"].strip()
            if not LANGUAGE_TAG.match(code):
                raise ValidationError({"languageCode": ["Give a BCP 47 language code such as en or pt-BR."]})
            primary = code.split("-")[0].lower()
            claims = claims.filter(Q(language__iexact=primary) | Q(language__istartswith=f"{primary}-"))
        if site and site.removeprefix("www.") != settings.FACTCHECK_PUBLISHER_SITE.lower().removeprefix("www."):
            claims = claims.none()  # every review here is one publisher's
        latest = Verdict.objects.published().order_by("published_at", "pk")
        page = list(
            claims.select_related("speaker")
            .prefetch_related(Prefetch("verdicts", queryset=latest, to_attr="published_verdicts"))
            .order_by("-updated_at", "-pk")[offset : offset + size + 1]
        )
        body = {"claims": [self._claim(claim, request) for claim in page[:size]]}
        if len(page) > size and offset + size <= MAX_OFFSET:
            body["nextPageToken"] = base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode().rstrip("=")
        return Response(body)

    @staticmethod
    def _claim(claim: Claim, request) -> dict:
        verdict = claim.published_verdicts[-1]
        if settings.CLAIMREVIEW_URL:
            url = settings.CLAIMREVIEW_URL.format(id=claim.pk)
        else:
            url = request.build_absolute_uri(reverse("api:claim-detail", args=[claim.pk]))
        item = {"text": claim.text, "claimant": claim.speaker.name}
        if claim.said_on:
            item["claimDate"] = f"{claim.said_on.isoformat()}T00:00:00Z"
        item["claimReview"] = [
            {
                "publisher": publisher(),
                "url": url,
                "title": claim_reviewed(claim.text),
                "reviewDate": rendering.iso_datetime(verdict.published_at),
                "textualRating": RATINGS[Status(claim.status)][1],
                "languageCode": claim.language,
            }
        ]
        return item


def _whole(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationError({name: [f"A whole number from {low} to {high:,}."]})
    return int(raw)


def _token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "o" or not number.isdigit() or int(number) > MAX_OFFSET:
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise ValidationError({"pageToken": ["Invalid page token: send nextPageToken as it came."]}) from None
