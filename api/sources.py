from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets

from api.newsroom import VaryOnCaller
from api.source_serializers import DocumentSerializer, SourceSerializer
from api.views import ByIdPagination
from claims.models import Status
from sources.models import Affiliation, Document, Source


class SourceViewSet(VaryOnCaller, viewsets.ReadOnlyModelViewSet):
    """Sources with their affiliations and their claims counted by published status."""

    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500

    serializer_class = SourceSerializer
    pagination_class = ByIdPagination
    query_parameters = ("q",)

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words of a name or alias, any case and accents.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        counts = {f"claims_{s}": Count("claims", filter=Q(claims__status=s)) for s in Status.values}
        sources = Source.objects.all()
        words = self.request.query_params.get("q", "").strip() if self.action == "list" else ""
        if words:
            sources = Source.objects.filter(pk__in=Source.objects.named_like(words).values("pk"))
        return (
            sources.annotate(**counts)
            .prefetch_related(
                "aliases", Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization"))
            )
            .order_by("id")
        )


class DocumentViewSet(VaryOnCaller, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"  # ids only: anything else is a 404, not a 500
    serializer_class = DocumentSerializer
    pagination_class = ByIdPagination
    queryset = Document.objects.select_related("outlet").defer("text").order_by("id")
