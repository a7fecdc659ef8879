"""The newsroom API's views: claims (read, record, evidence, verdicts), verdicts, lookup by URL,
the change feed and events with their figures. Thin: reads are querysets, writes are services."""

import base64
import hashlib
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Max, Prefetch
from django.shortcuts import get_object_or_404
from django.utils.http import http_date
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import ClaimFilter
from api.newsroom import VaryOnCaller
from api.openapi import CONFLICT, NOT_FOUND
from api.serializers import (
    ClaimInputSerializer,
    ClaimSerializer,
    EvidenceInputSerializer,
    EvidenceItemSerializer,
    FigureSerializer,
    ProposedVerdictSerializer,
    VerdictInputSerializer,
)
from claims import services
from claims.models import Appearance, ChainLink, Claim, ClaimChange, Event, Evidence, Figure, Verdict
from sources.models import Affiliation, Document, canonical_url

IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False, description="The claim's ETag as last read."
)
CLAIM_ID = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The claim's id.",
    examples=[OpenApiExample("A claim", 1)],
)
# Refusals because of what the claim has become since, not because of what was sent.


def claims_for_api():
    """Claims with everything the representation reads, in a fixed number of queries.

    Related rows load only the columns the representation reads: a page of 50 claims brings
    about 1,500 of them, and a document's text or a source's description would be dead weight.
    Each prefetch orders by plain columns: the models' default orderings name foreign keys,
    which would join each related table back to its claim just to sort.
    """
    return Claim.objects.select_related("speaker", "event").prefetch_related(
        Prefetch(
            "speaker__affiliations",
            queryset=Affiliation.objects.select_related("organization")
            .only("person_id", "role", "start_date", "end_date", "organization__name")
            .order_by("pk"),
        ),
        Prefetch("figures", queryset=Figure.objects.select_related("superseded_by").order_by("claim_id", "pk")),
        Prefetch(
            "appearances",
            queryset=Appearance.objects.select_related("document__outlet")
            .only(*APPEARANCE_COLUMNS)
            .prefetch_related(
                Prefetch(
                    "chain",
                    queryset=ChainLink.objects.select_related("source")
                    .only(*CHAIN_COLUMNS)
                    .order_by("appearance_id", "position"),
                )
            )
            .order_by("document__published_at", "pk"),
        ),
        Prefetch(
            "evidence",
            queryset=Evidence.objects.select_related("source", "document__outlet", "evidence_claim__speaker")
            .defer("document__text", "source__description", "evidence_claim__speaker__description")
            .order_by("claim_id", "pk"),
        ),
        Prefetch(
            "verdicts",
            queryset=Verdict.objects.published().order_by("published_at", "pk"),
            to_attr="published_verdicts",
        ),
    )


APPEARANCE_COLUMNS = [
    "claim_id", "excerpt", "start", "end",
    "document__url", "document__title", "document__published_at", "document__outlet__name",
]  # fmt: skip
CHAIN_COLUMNS = ["appearance_id", "position", "source_id", "role", "source__name"]


CLAIM_ETAG = re.compile(r'^"v([0-9]{1,18})-[0-9a-f]{16}"$', re.ASCII)


def expected_version(request) -> int | None:
    """The claim version named by If-Match, which must be the claim's strong ETag
    ("v<version>-<digest>") as last read; anything else is a failed precondition (412)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    tags = [tag.strip() for tag in header.split(",")]
    versions = [int(m.group(1)) for m in map(CLAIM_ETAG.match, tags) if m]
    if not versions:
        raise DjangoValidationError(
            {"If-Match": DjangoValidationError("Send the claim's ETag as you last read it.", code="stale")}
        )
    return versions[0]


def last_modified(response: Response, *moments) -> Response:
    moments = [m for m in moments if m]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())
    return response


class OpaqueCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF answers a bad cursor with 404; it is bad input
            raise ValidationError({"cursor": ["Invalid cursor."]}) from exc

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and (not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size):
            raise ValidationError({"page_size": [f"A whole number from 1 to {self.max_page_size}."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DjangoValidationError) as exc:
            # A cursor that decodes but points nowhere sensible ("p=abc").
            raise ValidationError({"cursor": ["Invalid cursor."]}) from exc


class StrictOrderingFilter(OrderingFilter):
    """An unknown ordering is a 400, not silently the default order."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [f.strip() for f in params.split(",")]
            allowed = {f for name in view.ordering_fields for f in (name, f"-{name}")}
            unknown = [f for f in fields if f not in allowed]
            if unknown:
                raise ValidationError({"ordering": [f"Order by one of: {', '.join(sorted(allowed))}."]})
        return super().get_ordering(request, queryset, view)


class ClaimPagination(OpaqueCursorPagination):
    ordering = ("-updated_at", "-id")


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


class ClaimViewSet(VaryOnCaller, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Claims with their published verification status."""

    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500

    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = ClaimFilter
    ordering_fields = ["updated_at", "created_at", "id"]
    ordering = ["-updated_at", "-id"]
    pagination_class = ClaimPagination
    write_permissions = {
        "create": ["claims.add_claim"],
        "evidence": ["claims.add_evidence"],
        "verdicts": ["claims.add_verdict"],
    }

    def get_queryset(self):
        return claims_for_api()

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        moments = [item["updated_at"] for item in response.data["results"]]
        return last_modified(response, *(serializers.DateTimeField().to_internal_value(m) for m in moments))

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        response = Response(self.get_serializer(claim).data)
        return self._tagged(response, claim)

    def _tagged(self, response: Response, claim: Claim) -> Response:
        """ETag "v<version>-<digest>": the version for If-Match, the digest for what else changed."""
        response.accepted_renderer = JSONRenderer()
        response.accepted_media_type = "application/json"
        response.renderer_context = self.get_renderer_context()
        body = response.rendered_content
        response["ETag"] = f'"v{claim.version}-{hashlib.sha256(body).hexdigest()[:16]}"'
        return last_modified(response, claim.updated_at)

    @extend_schema(
        request=ClaimInputSerializer,
        responses={201: ClaimSerializer},
        examples=[
            OpenApiExample(
                "A figure, as said",
                {
                    "kind": "figure",
                    "text": "At least 500 people were killed in Ramadi over the three days to 17 May 2015.",
                    "speaker": 1,
                    "said_on": "2015-05-17",
                    "figures": [
                        {"as_written": "at least 500", "metric": "killed", "qualifier": "at_least", "low": 500}
                    ],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request, *args, **kwargs):
        data = ClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        appearance = fields.pop("appearance")
        claim = services.record_claim(
            user=request.user,
            appearances=[appearance] if appearance else [],
            **fields,
        )
        created = claims_for_api().get(pk=claim.pk)
        body = self.get_serializer(created).data
        response = self._tagged(Response(body, status=201), created)
        response["Location"] = body["url"]
        return response

    @extend_schema(
        request=EvidenceInputSerializer,
        parameters=[CLAIM_ID, IF_MATCH],
        examples=[
            OpenApiExample(
                "A source's statement",
                {"stance": "contradicts", "note": "Gives 310 dead for the same days.", "source": 1},
                request_only=True,
            )
        ],
        responses={201: EvidenceItemSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        """Add evidence for or against the claim: another claim, a document or a source's statement.
        Whether it is independent of the speaker is worked out, not given."""
        claim = get_object_or_404(Claim, pk=pk)
        data = EvidenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.add_evidence(
            claim=claim, added_by=request.user, expected_version=expected_version(request), **data.validated_data
        )
        return Response(EvidenceItemSerializer(evidence).data, status=201)

    @extend_schema(
        request=VerdictInputSerializer,
        parameters=[CLAIM_ID, IF_MATCH],
        examples=[
            OpenApiExample(
                "Not confirmed yet",
                {"status": "unconfirmed", "rationale": "Rests on the spokesman alone so far."},
                request_only=True,
            )
        ],
        responses={201: ProposedVerdictSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def verdicts(self, request, pk=None):
        """Propose a verdict; the claim's status changes when an editor other than you publishes it."""
        claim = get_object_or_404(Claim, pk=pk)
        data = VerdictInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verdict = services.propose_verdict(
            claim=claim, reviewer=request.user, expected_version=expected_version(request), **data.validated_data
        )
        return Response(ProposedVerdictSerializer(verdict).data, status=201)

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], renderer_classes=[JSONLDRenderer, JSONRenderer], pagination_class=None)
    def claimreview(self, request, pk=None):
        """The published verdict as schema.org ClaimReview markup."""
        from exchange.claimreview import claim_review

        claim = get_object_or_404(claims_for_api(), pk=pk)
        if not claim.published_verdicts:
            return Response({"detail": "This claim has no published verdict yet."}, status=404)
        response = Response(claim_review(claim, request))
        return last_modified(response, claim.published_verdicts[-1].published_at)


class VerdictViewSet(VaryOnCaller, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500
    queryset = Verdict.objects.select_related("claim")
    serializer_class = ProposedVerdictSerializer
    write_permissions = {"publish": ["claims.publish_verdict"]}

    @extend_schema(
        request=None,
        parameters=[IF_MATCH],
        responses={200: ProposedVerdictSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a proposed verdict (editors only, and not the proposer)."""
        verdict = services.publish_verdict(
            verdict=self.get_object(), editor=request.user, expected_version=expected_version(request)
        )
        verdict.claim.refresh_from_db()
        return Response(ProposedVerdictSerializer(verdict).data)


class LookupView(VaryOnCaller, APIView):
    """The newsroom's main call: what the desk knows of an article, by its URL."""

    @extend_schema(
        parameters=[OpenApiParameter("url", str, required=True, description="The article's URL, any spelling.")],
        responses={
            200: inline_serializer(
                "Lookup",
                {
                    "document": inline_serializer(
                        "LookupDocument",
                        {
                            "id": serializers.IntegerField(),
                            "url": serializers.URLField(),
                            "outlet": serializers.CharField(),
                            "title": serializers.CharField(),
                            "published_at": serializers.DateTimeField(allow_null=True),
                            "text_sha256": serializers.CharField(),
                        },
                    ),
                    "claims": ClaimSerializer(many=True),
                },
            ),
            404: NOT_FOUND,
        },
    )
    def get(self, request):
        raw = request.query_params.get("url", "")
        if not raw:
            raise ValidationError({"url": ["Give the article's URL."]})
        try:
            url = canonical_url(raw)
        except ValueError as exc:
            raise ValidationError({"url": [str(exc)]}) from exc
        document = Document.objects.select_related("outlet").filter(url=url).first()
        if document is None:
            return Response({"detail": "No document is known at this URL.", "url": url}, status=404)
        claims = claims_for_api().filter(appearances__document=document).distinct().order_by("pk")
        context = {"request": request}
        body = {
            "document": {
                "id": document.pk,
                "url": document.url,
                "outlet": document.outlet.name,
                "title": document.title,
                "published_at": serializers.DateTimeField().to_representation(document.published_at)
                if document.published_at
                else None,
                "text_sha256": document.text_sha256,
            },
            "claims": ClaimSerializer(claims, many=True, context=context).data,
        }
        latest = claims.aggregate(latest=Max("updated_at"))["latest"]
        return last_modified(Response(body), document.updated_at, latest)


class ChangeSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="seq")
    claim = serializers.IntegerField(source="claim_id")

    class Meta:
        model = ClaimChange
        fields = ["id", "claim", "kind", "status", "at"]


MAX_CHANGES_PAGE = 500


class ChangesView(VaryOnCaller, APIView):
    """Every change newsrooms can see, in commit order. Keep `next_cursor` and ask again later."""

    MAX_PAGE = MAX_CHANGES_PAGE

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description="`next_cursor` from the previous page; omit to start."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="From 1 to 500; 100 by default."),
        ],
        responses={
            200: inline_serializer(
                "Changes",
                {
                    "results": ChangeSerializer(many=True),
                    "next_cursor": serializers.CharField(),
                    "has_more": serializers.BooleanField(),
                },
            ),
        },
    )
    def get(self, request):
        after = self._decode(request.query_params.get("cursor"))
        try:
            size = int(request.query_params.get("page_size", 100))
        except ValueError:
            raise ValidationError({"page_size": ["A whole number, up to 500."]}) from None
        if not 1 <= size <= self.MAX_PAGE:
            raise ValidationError({"page_size": ["A whole number, up to 500."]})
        changes = list(ClaimChange.objects.filter(seq__gt=after).order_by("seq")[: size + 1])
        page, has_more = changes[:size], len(changes) > size
        last = page[-1].seq if page else after
        return Response(
            {"results": ChangeSerializer(page, many=True).data, "next_cursor": self._encode(last), "has_more": has_more}
        )

    @staticmethod
    def _encode(seq: int) -> str:
        return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")

    @staticmethod
    def _decode(cursor: str | None) -> int:
        if not cursor:
            return 0
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            prefix, _, number = text.partition(":")
            if prefix != "seq" or not number.isdigit():
                raise ValueError(text)
            return int(number)
        except ValueError:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "name", "description", "place", "country", "start_date", "end_date"]


class EventFigureSerializer(FigureSerializer):
    claim = serializers.IntegerField(source="claim_id")
    source = serializers.SerializerMethodField()
    said_on = serializers.DateField(source="claim.said_on", allow_null=True)

    class Meta(FigureSerializer.Meta):
        fields = [*FigureSerializer.Meta.fields, "claim", "source", "said_on"]

    def get_source(self, figure) -> dict:
        return {"id": figure.claim.speaker_id, "name": figure.claim.speaker.name}


class ByIdPagination(OpaqueCursorPagination):
    ordering = "id"


class EventViewSet(VaryOnCaller, viewsets.ReadOnlyModelViewSet):
    """Events, and every figure reported for one, grouped by metric."""

    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500

    serializer_class = EventSerializer
    pagination_class = ByIdPagination
    queryset = Event.objects.order_by("id")

    @extend_schema(
        responses={
            200: inline_serializer(
                "EventFigures",
                {
                    "event": serializers.IntegerField(),
                    "metrics": inline_serializer(
                        "EventMetric",
                        {
                            "metric": serializers.CharField(),
                            "label": serializers.CharField(),
                            "figures": EventFigureSerializer(many=True),
                        },
                        many=True,
                    ),
                },
            ),
        }
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def figures(self, request, pk=None):
        event = self.get_object()
        figures = Figure.objects.filter(claim__event=event).select_related("claim__speaker").order_by("metric", "pk")
        grouped = {}
        for figure in figures:
            grouped.setdefault(figure.metric, []).append(figure)
        return Response(
            {
                "event": event.pk,
                "metrics": [
                    {
                        "metric": metric,
                        "label": Figure.Metric(metric).label,
                        "figures": EventFigureSerializer(items, many=True).data,
                    }
                    for metric, items in grouped.items()
                ],
            }
        )
