"""The naive baseline: plain nested ModelSerializers over the same claims, with no select_related
or prefetch_related, so every claim costs its own queries (N+1). For context in bench/run.py:
what the API would cost without the care in api.views.claims_for_api.

It renders what the API renders (speaker with affiliations, chain, figures, appearances,
evidence, published verdicts), not byte for byte the same JSON.
"""

from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import ClaimFilter
from api.views import ClaimPagination
from claims.models import Appearance, ChainLink, Claim, Evidence, Figure, Verdict
from sources.models import Affiliation, Document, Source, canonical_url


class NaiveSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind"]


class NaiveAffiliationSerializer(serializers.ModelSerializer):
    organization = NaiveSourceSerializer()

    class Meta:
        model = Affiliation
        fields = ["role", "organization", "start_date", "end_date"]


class NaiveSpeakerSerializer(serializers.ModelSerializer):
    affiliations = NaiveAffiliationSerializer(many=True)

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "affiliations"]


class NaiveFigureSerializer(serializers.ModelSerializer):
    superseded_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The later figure that replaces this one, if any."
    )

    class Meta:
        model = Figure
        fields = [
            "id", "as_written", "metric", "population", "measure", "qualifier", "low", "high", "vague_text",
            "unit", "unit_of", "currency", "period_start", "period_end", "place", "supersedes", "superseded_by",
        ]  # fmt: skip


class NaiveDocumentSerializer(serializers.ModelSerializer):
    outlet = NaiveSourceSerializer()

    class Meta:
        model = Document
        fields = ["url", "outlet", "title", "published_at"]


class NaiveChainLinkSerializer(serializers.ModelSerializer):
    source = NaiveSourceSerializer()

    class Meta:
        model = ChainLink
        fields = ["position", "source", "role"]


class NaiveAppearanceSerializer(serializers.ModelSerializer):
    document = NaiveDocumentSerializer()
    chain = NaiveChainLinkSerializer(many=True)

    class Meta:
        model = Appearance
        fields = ["document", "excerpt", "start", "end", "chain"]


class NaiveEvidenceSerializer(serializers.ModelSerializer):
    source = NaiveSourceSerializer()
    document = NaiveDocumentSerializer()

    class Meta:
        model = Evidence
        fields = [
            "id", "stance", "evidence_claim", "document", "source", "stated_on", "note",
            "independent", "independence_code", "independence_reason", "created_at",
        ]  # fmt: skip


class NaiveVerdictSerializer(serializers.ModelSerializer):
    class Meta:
        model = Verdict
        fields = ["id", "status", "rationale", "superseded_by", "created_at", "published_at"]


class NaiveClaimSerializer(serializers.ModelSerializer):
    speaker = NaiveSpeakerSerializer()
    figures = NaiveFigureSerializer(many=True)
    appearances = NaiveAppearanceSerializer(many=True)
    evidence = NaiveEvidenceSerializer(many=True)
    verdicts = NaiveVerdictSerializer(many=True, source="verdicts.published")

    class Meta:
        model = Claim
        fields = [
            "id", "text", "quote", "kind", "status", "speaker", "described_as", "said_on", "event",
            "figures", "appearances", "evidence", "verdicts", "version", "created_at", "updated_at",
        ]  # fmt: skip


class NaiveClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """The API's list and detail, with the same filters and cursor pages."""

    queryset = Claim.objects.all()
    serializer_class = NaiveClaimSerializer
    filterset_class = ClaimFilter
    pagination_class = ClaimPagination
    lookup_value_regex = r"\d+"


class NaiveLookupView(APIView):
    def get(self, request):
        try:
            url = canonical_url(request.query_params.get("url", ""))
        except ValueError as exc:
            raise ValidationError({"url": [str(exc)]}) from exc
        document = Document.objects.filter(url=url).first()
        if document is None:
            return Response({"detail": "No document is known at this URL.", "url": url}, status=404)
        claims = Claim.objects.filter(appearances__document=document).distinct().order_by("pk")
        return Response(
            {"document": NaiveDocumentSerializer(document).data, "claims": NaiveClaimSerializer(claims, many=True).data}
        )
