"""The newsroom API's shapes: what writers send, checked here for shape only, and the schema of
what readers get. Every list item has the detail's shape; claims.rendering writes it."""

from collections.abc import Mapping
from decimal import Decimal

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, Event, Evidence, Figure, Status, Verdict, lengths, status_choices
from sources.models import Document, Source

REVIEWED_STATUSES = status_choices()


class ListedChoiceField(serializers.ChoiceField):
    """A choice whose refusal lists the valid values: "use one of exact, at_least, …"."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            valid = ", ".join(str(choice) for choice in self.choices)
            raise serializers.ValidationError(
                f"{str(data)[:40]!r} is not a valid choice: use one of {valid}.", code="invalid_choice"
            ) from None


@extend_schema_field(OpenApiTypes.NUMBER)
class BoundField(serializers.Field):
    """A figure's bound as a JSON number: 500, not "500.0000"."""

    def to_representation(self, value: Decimal):
        return int(value) if value == value.to_integral_value() else float(value)


class SourceRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StatusSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Status.choices)
    label = serializers.CharField()
    definition = serializers.CharField()
    as_of = serializers.DateTimeField(allow_null=True)
    rationale = serializers.CharField(allow_null=True)
    independently_confirmed = serializers.BooleanField()


class SpeakerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    role = serializers.CharField(allow_null=True)
    organization = SourceRefSerializer(allow_null=True)


class ChainLinkSerializer(serializers.Serializer):
    source = SourceRefSerializer()
    role = serializers.CharField()


class FigureSerializer(serializers.ModelSerializer):
    superseded_by = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The later figure that replaces this one, if any."
    )
    low = BoundField(allow_null=True)
    high = BoundField(allow_null=True)

    class Meta:
        model = Figure
        fields = [
            "id", "as_written", "metric", "population", "measure", "qualifier", "low", "high", "vague_text",
            "unit", "unit_of", "currency", "period_start", "period_end", "place", "supersedes", "superseded_by",
        ]  # fmt: skip


class DocumentRefSerializer(serializers.Serializer):
    url = serializers.URLField()
    outlet = serializers.CharField(source="outlet.name")
    title = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class AppearanceSerializer(serializers.Serializer):
    document = DocumentRefSerializer()
    excerpt = serializers.CharField(max_length=lengths.EXCERPT)
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class EvidenceItemSerializer(serializers.ModelSerializer):
    origin = SourceRefSerializer()
    basis = serializers.ChoiceField(choices=["claim", "document", "statement"])
    document_url = serializers.URLField(allow_null=True)
    reason = serializers.CharField(source="independence_reason")

    class Meta:
        model = Evidence
        fields = [
            "id", "stance", "basis", "origin", "evidence_claim", "document_url", "stated_on", "note",
            "independent", "independence_code", "reason", "created_at",
        ]  # fmt: skip


class EvidenceSummarySerializer(serializers.Serializer):
    supporting_independent = serializers.IntegerField()
    contradicting_independent = serializers.IntegerField()
    items = EvidenceItemSerializer(many=True)


class VerdictSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_status_display")
    proposed_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Verdict
        fields = ["id", "status", "label", "rationale", "superseded_by", "proposed_at", "published_at"]


class ClaimSerializer(serializers.ModelSerializer):
    """The shape of a claim's representation, for the OpenAPI schema. The representation itself
    is written by claims.rendering, stored, and served as stored; tests/test_rendering.py holds
    the two to the same fields."""

    url = serializers.URLField()
    status = StatusSerializer()
    speaker = SpeakerSerializer()
    chain = ChainLinkSerializer(many=True)
    figures = FigureSerializer(many=True)
    appearances = AppearanceSerializer(many=True)
    evidence = EvidenceSummarySerializer()
    verdicts = VerdictSerializer(many=True)
    attribution_text = serializers.CharField()
    claimreview_url = serializers.URLField(allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id", "url", "text", "quote", "kind", "language", "status", "speaker", "described_as", "said_on",
            "event",
            "chain", "figures", "appearances", "evidence", "verdicts", "attribution_text", "claimreview_url",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance):
        raise NotImplementedError("claims.rendering writes a claim's representation; this serializer is its schema.")


# What writers send. These check shapes only; every rule is the services'.


class RefusesUnknownFields:
    """An input serializer that refuses, by name, a key it does not take, at whatever depth it
    is nested: an "appearances" for "appearance" or a "qualifer" would otherwise be dropped
    without a word. Keys it would only show (an id, a version, a status) are refused alike."""

    def to_internal_value(self, data):
        unknown = self._unknown(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def _unknown(self, data) -> dict:
        if not isinstance(data, Mapping):
            return {}
        taken = [field.field_name for field in self._writable_fields]
        names = sorted(str(name) for name in data if name not in taken)
        if not names:
            return {}
        takes = f"takes: {', '.join(taken)}" if taken else "takes no fields"
        message = f"Unknown field. {self._taker()} {takes}."
        return {name: [serializers.ErrorDetail(message, code="unknown_field")] for name in names}

    def _taker(self) -> str:
        if self.parent is None:
            return "This endpoint"
        if isinstance(self.parent, serializers.ListSerializer):
            return f"Each of {self.parent.field_name}"
        return self.field_name


class StrictInputSchema(OpenApiSerializerExtension):
    """In the schema too: a request body takes only the properties listed."""

    target_class = "api.serializers.RefusesUnknownFields"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False} if direction == "request" else schema


class NoInputSerializer(RefusesUnknownFields, serializers.Serializer):
    """The body of a write that takes none: any key in it is refused."""


class FigureInputSerializer(RefusesUnknownFields, serializers.ModelSerializer):
    serializer_choice_field = ListedChoiceField

    class Meta:
        model = Figure
        fields = [
            "as_written", "metric", "population", "measure", "qualifier", "low", "high", "vague_text",
            "unit", "unit_of", "currency", "period_start", "period_end", "place", "note", "supersedes",
        ]  # fmt: skip
        # Cross-field rules are named constraints; the services report them by field.
        validators = []


class RelayInputSerializer(RefusesUnknownFields, serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    role = serializers.CharField(required=False, default="", allow_blank=True)


class AppearanceInputSerializer(RefusesUnknownFields, serializers.Serializer):
    document_url = serializers.CharField(
        source="document", help_text="The URL of a document already recorded, any spelling."
    )
    excerpt = serializers.CharField(max_length=lengths.EXCERPT)
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    end = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    speaker_role = serializers.CharField(required=False, default="", allow_blank=True)
    relayed_by = RelayInputSerializer(many=True, required=False, default=list)

    def validate_document_url(self, value):
        document = Document.objects.for_url(value).first()
        if document is None:
            raise serializers.ValidationError("No document is recorded at this URL; record the document first.")
        return document

    def validate(self, attrs):
        attrs["relayed_by"] = [(step["source"], step["role"]) for step in attrs.get("relayed_by", [])]
        return attrs


class ClaimInputSerializer(RefusesUnknownFields, serializers.Serializer):
    kind = ListedChoiceField(choices=Claim.Kind.choices, default=Claim.Kind.STATEMENT)
    text = serializers.CharField(max_length=lengths.CLAIM_TEXT)
    quote = serializers.CharField(required=False, default="", allow_blank=True, max_length=lengths.QUOTE)
    speaker = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    described_as = serializers.CharField(required=False, default="", allow_blank=True, max_length=300)
    said_on = serializers.DateField(required=False, allow_null=True, default=None)
    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(), required=False, allow_null=True, default=None
    )
    figures = FigureInputSerializer(many=True, required=False, default=list)
    appearance = AppearanceInputSerializer(required=False, allow_null=True, default=None)


class EvidenceInputSerializer(RefusesUnknownFields, serializers.Serializer):
    stance = ListedChoiceField(choices=Evidence.Stance.choices)
    note = serializers.CharField(max_length=lengths.NOTE)
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), required=False, allow_null=True)
    document = serializers.PrimaryKeyRelatedField(queryset=Document.objects.all(), required=False, allow_null=True)
    evidence_claim = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all(), required=False, allow_null=True)
    stated_on = serializers.DateField(required=False, allow_null=True)
    attributed_to = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(),
        required=False,
        allow_null=True,
        help_text="For a document: the source its support rests on; its outlet for its own reporting.",
    )


class VerdictInputSerializer(RefusesUnknownFields, serializers.Serializer):
    status = ListedChoiceField(choices=REVIEWED_STATUSES)
    rationale = serializers.CharField(max_length=lengths.RATIONALE)
    superseded_by = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all(), required=False, allow_null=True)


class ProposedVerdictSerializer(serializers.ModelSerializer):
    claim_version = serializers.IntegerField(source="claim.version")

    class Meta:
        model = Verdict
        fields = ["id", "claim", "status", "rationale", "superseded_by", "created_at", "published_at", "claim_version"]
