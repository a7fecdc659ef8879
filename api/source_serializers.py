from rest_framework import serializers

from claims.models import Status
from sources.models import Affiliation, Document, Source


class AffiliationSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField()

    class Meta:
        model = Affiliation
        fields = ["organization", "role", "start_date", "end_date"]

    def get_organization(self, affiliation) -> dict:
        return {"id": affiliation.organization_id, "name": affiliation.organization.name}


class ClaimCountsSerializer(serializers.Serializer):
    """Claims made by the source, by published status."""

    def to_representation(self, source):
        return {status: getattr(source, f"claims_{status}", 0) for status in Status.values}

    def get_fields(self):
        return {status: serializers.IntegerField() for status in Status.values}


class SourceSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    affiliations = AffiliationSerializer(many=True, read_only=True)
    claim_counts = ClaimCountsSerializer(source="*", read_only=True)

    class Meta:
        model = Source
        fields = [
            "id", "kind", "name", "aliases", "description", "country", "wikidata_qid", "parent",
            "affiliations", "claim_counts", "updated_at",
        ]  # fmt: skip


class DocumentSerializer(serializers.ModelSerializer):
    outlet = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id", "url", "outlet", "title", "byline", "published_at", "retrieved_at", "language",
            "text_sha256", "republished_from", "updated_at",
        ]  # fmt: skip

    def get_outlet(self, document) -> dict:
        return {"id": document.outlet_id, "name": document.outlet.name}
