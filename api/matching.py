"""POST /api/v1/match/: the known claims that say what a sentence says, ranked, with why.

A read, though it is a POST (the text can run to 10,000 characters): a read-only newsroom key
is enough, and it is throttled like the other reads. The ranking is claims.matching's.
"""

import json
from datetime import date

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.newsroom import ReadOrRole, VaryOnCaller
from claims import matching, rendering
from claims.models import Claim, NewsroomKey
from claims.roles import is_desk_member
from sources.languages import detect_language
from sources.models import Document, canonical_url


class ReadingCall(ReadOrRole):
    """A POST that only reads: allowed to whoever may read."""

    message = ReadOrRole.message

    def has_permission(self, request, view):
        return settings.PUBLIC_API or isinstance(request.auth, NewsroomKey) or is_desk_member(request.user)


def text_field(data, name: str, *, required: bool) -> str:
    """A string field of the body, refused by name when missing, empty, not text, NUL-holding
    or over matching.MAX_TEXT characters."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError({name: ["Give the text to match."]})
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: ["Give plain text (a JSON string)."]})
    if "\x00" in value:
        raise ValidationError({name: ["The text holds NUL bytes: give it as plain text."]})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError({name: ["The text holds a lone surrogate, which is not a character."]}) from None
    if len(value) > matching.MAX_TEXT:
        raise ValidationError({name: [f"At most {matching.MAX_TEXT:,} characters; this has {len(value):,}."]})
    if required and not value.strip():
        raise ValidationError({name: ["Give the text to match."]})
    return value


def published_field(data) -> date | None:
    """The optional `published` date (YYYY-MM-DD), refused by name when it is not one."""
    value = data.get("published")
    if value in (None, ""):
        return None
    try:
        if not isinstance(value, str):
            raise TypeError
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({"published": ["Give the article's date as YYYY-MM-DD."]}) from None


MATCH_FIELDS = {
    "claim": serializers.IntegerField(),
    "url": serializers.URLField(),
    "text": serializers.CharField(),
    "status": serializers.CharField(),
    "status_label": serializers.CharField(),
    "attribution_text": serializers.CharField(),
    "score": serializers.FloatField(),
    "offered": serializers.BooleanField(help_text="At or above the offer threshold: the same claim."),
    "reasons": serializers.ListField(child=serializers.CharField()),
}


class MatchView(VaryOnCaller, APIView):
    """The known claims, reviewed or not, that say the same thing as a sentence, best first."""

    permission_classes = [ReadingCall]
    LIMIT = 10

    @extend_schema(
        request=inline_serializer(
            "MatchRequest",
            {
                "text": serializers.CharField(max_length=matching.MAX_TEXT, help_text="The sentence to match."),
                "url": serializers.URLField(
                    required=False,
                    help_text="The article it comes from, if any; when the tracker holds it, its date is "
                    "the published date.",
                ),
                "published": serializers.DateField(
                    required=False,
                    help_text="When the text was published (YYYY-MM-DD): a claim said in the month before "
                    "ranks higher, one said after lower.",
                ),
            },
        ),
        responses={
            200: inline_serializer(
                "Matches",
                {
                    "results": inline_serializer("MatchResult", MATCH_FIELDS, many=True),
                    "offer_threshold": serializers.FloatField(),
                    "language": serializers.CharField(help_text="The text's language, as detected."),
                },
            )
        },
    )
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"text": ['Send a JSON object: {"text": "…"}.']})
        unknown = sorted(set(request.data) - {"text", "url", "published"})
        if unknown:
            message = "Unknown field. This endpoint takes: text, url, published."
            raise ValidationError({name: [message] for name in unknown})
        text = text_field(request.data, "text", required=True)
        url = text_field(request.data, "url", required=False)
        if url:
            try:
                canonical_url(url)
            except ValueError as exc:
                raise ValidationError({"url": [str(exc)]}) from exc
        published = published_field(request.data)
        if published is None and url:  # an article the tracker holds: its date
            document = Document.objects.for_url(url).exclude(published_at=None).only("published_at").first()
            published = document.published_at.date() if document else None
        found = matching.matches(text, published=published, limit=self.LIMIT)
        rows = Claim.objects.filter(pk__in=[m.claim.pk for m in found]).values(*rendering.READ_COLUMNS)
        bodies = {pk: json.loads(body) for pk, body in rendering.current(list(rows)).items()}
        origin = request.build_absolute_uri("/").rstrip("/")
        results = []
        for match in found:
            body = bodies.get(match.claim.pk)
            if body is None:  # deleted meanwhile
                continue
            results.append(
                {
                    "claim": match.claim.pk,
                    "url": origin + body["url"],
                    "text": body["text"],
                    "status": body["status"]["code"],
                    "status_label": body["status"]["label"],
                    "attribution_text": body["attribution_text"],
                    "score": match.score,
                    "offered": match.offered,
                    "reasons": list(match.reasons),
                }
            )
        return Response({"results": results, "offer_threshold": matching.OFFER, "language": detect_language(text)})
