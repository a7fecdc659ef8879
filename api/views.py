"""The newsroom API's views: claims (read, record, evidence, verdicts), verdicts, lookup by URL,
the change feed and events with their figures. Thin: reads are querysets, writes are services."""

import base64
import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import get_script_prefix, reverse
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
    NoInputSerializer,
    ProposedVerdictSerializer,
    VerdictInputSerializer,
)
from claims import rendering, services
from claims.models import Appearance, Claim, ClaimChange, Event, Figure, Verdict
from claims.rendering import claims_for_rendering
from sources.models import Document, canonical_url

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


class StoredJSON:
    """A response body already written as JSON text (stored renderings put together)."""

    def __init__(self, text: str):
        self.text = text


class StoredJSONRenderer(JSONRenderer):
    """JSON, passing stored JSON text through as it is: never parsed and dumped again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, StoredJSON):
            return data.text.encode()
        return super().render(data, accepted_media_type, renderer_context)


STORED_COLUMNS = rendering.READ_COLUMNS


def stored_claims(queryset, request) -> list[str]:
    """The bodies of these claims' renderings, in the queryset's order, URLs made absolute.

    `queryset` is a .values(*STORED_COLUMNS) queryset or a list of its rows: one statement
    for the page and its stored bodies, and more only for renderings missing or stale.
    """
    rows = list(queryset)
    bodies = rendering.current(rows)
    origin = request.build_absolute_uri(get_script_prefix()).rstrip("/")
    return [rendering.absolute(bodies[r["id"]], origin) for r in rows if r["id"] in bodies]


def json_object(**members) -> StoredJSON:
    """A JSON object of these members, each a StoredJSON (written as it is) or a plain value."""
    parts = [
        f"{rendering.encode(name)}:{value.text if isinstance(value, StoredJSON) else rendering.encode(value)}"
        for name, value in members.items()
    ]
    return StoredJSON("{" + ",".join(parts) + "}")


def json_array(texts: list[str]) -> StoredJSON:
    return StoredJSON("[" + ",".join(texts) + "]")


def expected_version(request) -> int | None:
    """The claim version named by If-Match, which must be the claim's strong ETag as last read
    (a list of tags: the first); anything else is a failed precondition (412)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    return services.parse_version(header.split(",")[0], field="If-Match")


def last_modified(response: Response, *moments) -> Response:
    moments = [m for m in moments if m]
    if moments:
        response["Last-Modified"] = http_date(max(moments).timestamp())
    return response


def requested_page_size(request, *, default: int, maximum: int, param: str = "page_size") -> int:
    """The page size asked for, from 1 to `maximum` (`default` when not asked); else a 400."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError({param: [f"A whole number from 1 to {maximum}."]})
    return int(raw)


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
        requested_page_size(
            request, default=self.page_size, maximum=self.max_page_size, param=self.page_size_query_param
        )
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

    renderer_classes = [StoredJSONRenderer]

    def get_queryset(self):
        return Claim.objects.all()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).values(*STORED_COLUMNS)
        paginator = self.paginator
        rows = paginator.paginate_queryset(queryset, request, view=self)
        body = json_object(
            next=paginator.get_next_link(),
            previous=paginator.get_previous_link(),
            results=json_array(stored_claims(rows, request)),
        )
        return last_modified(Response(body), *(r["updated_at"] for r in rows))

    def retrieve(self, request, *args, **kwargs):
        return self._stored(request, self.kwargs["pk"])

    def _stored(self, request, pk, status=200) -> Response:
        """The claim's stored rendering, tagged "v<version>-<digest>": the version for If-Match,
        the digest of the body for everything else that shows in it."""
        row = rendering.stored_row(int(pk)) if int(pk) < 2**63 else None
        (text,) = (stored_claims([row], request) if row else None) or [None]
        if text is None:  # none, or deleted between the two statements
            raise Http404("No Claim matches the given query.")
        response = Response(StoredJSON(text), status=status)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        response["ETag"] = f'"v{row["version"]}-{digest}"'
        return last_modified(response, row["updated_at"])

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
        response = self._stored(request, claim.pk, status=201)
        response["Location"] = request.build_absolute_uri(reverse("api:claim-detail", args=[claim.pk]))
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
        return Response(rendering.evidence_representation(evidence), status=201)

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

        claim = get_object_or_404(claims_for_rendering(), pk=pk)
        if not claim.published_verdicts:
            return Response({"detail": "This claim has no published verdict yet."}, status=404)
        response = Response(claim_review(claim, request))
        return last_modified(response, claim.published_verdicts[-1].published_at)

    @extend_schema(
        responses={
            (200, "application/ld+json"): OpenApiTypes.OBJECT,
            (200, "application/json"): OpenApiTypes.OBJECT,
            404: NOT_FOUND,
        },
        parameters=[CLAIM_ID],
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONLDRenderer, JSONRenderer], pagination_class=None)
    def provenance(self, request, pk=None):
        """The claim's chain as W3C PROV-O in JSON-LD: the speaker, each relay and the outlet as
        agents with their roles in order, the article, the figures, the organization the speaker
        spoke for, and each published verdict as the activity that gave the claim its status."""
        from exchange.provenance import provenance

        claim = get_object_or_404(claims_for_rendering().select_related("speaker"), pk=pk)
        return last_modified(Response(provenance(claim, request.build_absolute_uri)), claim.updated_at)


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
        NoInputSerializer(data=request.data or {}).is_valid(raise_exception=True)
        verdict = services.publish_verdict(
            verdict=self.get_object(), editor=request.user, expected_version=expected_version(request)
        )
        verdict.claim.refresh_from_db()
        return Response(ProposedVerdictSerializer(verdict).data)


class LookupView(VaryOnCaller, APIView):
    """The newsroom's main call: what the desk knows of an article, by its URL."""

    query_parameters = ("url",)

    renderer_classes = [StoredJSONRenderer]

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
        document = Document.objects.filter(url=url).values(*rendering.DOCUMENT_SUMMARY_COLUMNS).first()
        if document is None:
            return Response({"detail": "No document is known at this URL.", "url": url}, status=404)
        appearing = Appearance.objects.filter(document_id=document["id"]).values("claim_id")
        claims = Claim.objects.filter(pk__in=appearing).order_by("pk")  # a semi-join: no DISTINCT to sort
        rows = list(claims.values(*STORED_COLUMNS))
        body = json_object(
            document=rendering.document_summary(document), claims=json_array(stored_claims(rows, request))
        )
        return last_modified(Response(body), document["updated_at"], *(r["updated_at"] for r in rows))


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
    query_parameters = ("cursor", "page_size")

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
        size = requested_page_size(request, default=100, maximum=self.MAX_PAGE)
        columns = ("seq", "claim_id", "kind", "status", "at")
        changes = list(ClaimChange.objects.filter(seq__gt=after).order_by("seq").values_list(*columns)[: size + 1])
        page, has_more = changes[:size], len(changes) > size
        last = page[-1][0] if page else after
        results = [
            {"id": seq, "claim": claim, "kind": kind, "status": status, "at": rendering.iso_datetime(at)}
            for seq, claim, kind, status, at in page
        ]  # ChangeSerializer's fields, without building an instance per row
        return Response({"results": results, "next_cursor": self._encode(last), "has_more": has_more})

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
    metric_label = serializers.CharField()
    claim = serializers.IntegerField(source="claim_id")
    source = serializers.SerializerMethodField()
    said_on = serializers.DateField(source="claim.said_on", allow_null=True)

    class Meta(FigureSerializer.Meta):
        fields = [*FigureSerializer.Meta.fields, "metric_label", "claim", "source", "said_on"]

    def get_source(self, figure) -> dict:
        return {"id": figure.claim.speaker_id, "name": figure.claim.speaker.name}


def event_figure(figure: Figure) -> dict:
    """A figure as its claim's representation shows it, with what an event's list adds."""
    claim = figure.claim
    return {
        **rendering.figure_representation(figure),
        "metric_label": Figure.Metric(figure.metric).label,
        "claim": claim.pk,
        "source": {"id": claim.speaker_id, "name": claim.speaker.name},
        "said_on": claim.said_on.isoformat() if claim.said_on else None,
    }


class ByIdPagination(OpaqueCursorPagination):
    ordering = "id"


class EventViewSet(VaryOnCaller, viewsets.ReadOnlyModelViewSet):
    """Events, and every figure reported for one."""

    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500

    serializer_class = EventSerializer
    pagination_class = ByIdPagination
    paginated_actions = ("figures",)
    queryset = Event.objects.order_by("id")

    @extend_schema(responses={200: EventFigureSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        """Every figure reported for the event, oldest recorded first, a page at a time; each
        names its metric, so a newsroom can set the tolls side by side."""
        event = self.get_object()
        figures = Figure.objects.filter(claim__event=event).select_related("claim__speaker", "superseded_by")
        page = self.paginate_queryset(figures.order_by("id"))
        return self.get_paginated_response([event_figure(figure) for figure in page])
