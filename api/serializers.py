"""The newsroom API's representations. Every list item has the detail's shape.

They read only what ClaimViewSet.get_queryset prefetches, so a page costs the same number
of queries whatever its size.
"""

from decimal import Decimal
from functools import cached_property

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, Event, Evidence, Figure, Status, Verdict
from claims.wording import attribution_text
from sources.models import Document, Source

REVIEWED_STATUSES = [(s.value, s.label) for s in Status if s != Status.UNREVIEWED]


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
            "id", "as_written", "metric", "population", "qualifier", "low", "high", "vague_text",
            "unit", "unit_of", "period_start", "period_end", "place", "supersedes", "superseded_by",
        ]  # fmt: skip


class DocumentRefSerializer(serializers.Serializer):
    url = serializers.URLField()
    outlet = serializers.CharField(source="outlet.name")
    title = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class AppearanceSerializer(serializers.Serializer):
    document = DocumentRefSerializer()
    excerpt = serializers.CharField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)


class EvidenceItemSerializer(serializers.ModelSerializer):
    origin = serializers.SerializerMethodField()
    basis = serializers.SerializerMethodField()
    document_url = serializers.URLField(source="document.url", allow_null=True, default=None)
    reason = serializers.CharField(source="independence_reason")

    class Meta:
        model = Evidence
        fields = [
            "id", "stance", "basis", "origin", "evidence_claim", "document_url", "stated_on", "note",
            "independent", "independence_code", "reason", "created_at",
        ]  # fmt: skip

    @extend_schema_field(SourceRefSerializer)
    def get_origin(self, evidence):
        origin = evidence.origin
        return {"id": origin.pk, "name": origin.name}

    @extend_schema_field(serializers.ChoiceField(choices=["claim", "document", "statement"]))
    def get_basis(self, evidence):
        return evidence.basis


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
    url = serializers.HyperlinkedIdentityField(view_name="api:claim-detail")
    status = serializers.SerializerMethodField()
    speaker = serializers.SerializerMethodField()
    chain = serializers.SerializerMethodField()
    figures = FigureSerializer(many=True, read_only=True)
    appearances = AppearanceSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()
    verdicts = serializers.SerializerMethodField()
    attribution_text = serializers.SerializerMethodField()
    claimreview_url = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "url", "text", "quote", "kind", "status", "speaker", "described_as", "said_on", "event",
            "chain", "figures", "appearances", "evidence", "verdicts", "attribution_text", "claimreview_url",
            "version", "created_at", "updated_at",
        ]  # fmt: skip

    def to_representation(self, claim):
        """The declared fields, written out by hand: a page of 50 claims reads about 1,500 related
        rows, and building them through DRF's field machinery cost more than reading them.
        tests/test_api_claims.py holds this equal to the declared fields' own rendering."""
        speaker = self.get_speaker(claim)
        chain = self._first_chain(claim)
        evidence = list(claim.evidence.all())
        status = self.get_status(claim)
        status["as_of"] = _datetime(status["as_of"])
        return {
            "id": claim.pk,
            "url": self._absolute(reverse("api:claim-detail", args=[claim.pk])),
            "text": claim.text,
            "quote": claim.quote,
            "kind": claim.kind,
            "status": status,
            "speaker": speaker,
            "described_as": claim.described_as,
            "said_on": _date(claim.said_on),
            "event": claim.event_id,
            "chain": self.get_chain(claim),
            "figures": [_figure(figure) for figure in claim.figures.all()],
            "appearances": [_appearance(appearance) for appearance in claim.appearances.all()],
            "evidence": {**_independent_counts(evidence), "items": [_evidence_item(item) for item in evidence]},
            "verdicts": [_verdict(verdict) for verdict in self._published(claim)],
            "attribution_text": self._attribution_text(claim, speaker, chain),
            "claimreview_url": self.get_claimreview_url(claim),
            "version": claim.version,
            "created_at": _datetime(claim.created_at),
            "updated_at": _datetime(claim.updated_at),
        }

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @cached_property
    def _evidence_items(self):
        # Built once per serializer, not per claim: a page of 50 claims otherwise builds 100 serializers.
        return EvidenceItemSerializer(many=True)

    @cached_property
    def _verdict_items(self):
        return VerdictSerializer(many=True)

    def _published(self, claim) -> list[Verdict]:
        return claim.published_verdicts  # prefetched, oldest first

    def _first_chain(self, claim) -> list:
        appearances = list(claim.appearances.all())
        return list(appearances[0].chain.all()) if appearances else []

    @extend_schema_field(StatusSerializer)
    def get_status(self, claim):
        published = self._published(claim)
        latest = published[-1] if published else None
        status = Status(claim.status)
        return {
            "code": status.value,
            "label": status.label,
            "definition": status.definition,
            "as_of": latest.published_at if latest else None,
            "rationale": latest.rationale if latest else None,
            "independently_confirmed": status == Status.CONFIRMED,
        }

    @extend_schema_field(SpeakerSerializer)
    def get_speaker(self, claim):
        speaker = claim.speaker
        affiliation = speaker.role_on(claim.said_on)
        organization = affiliation.organization if affiliation else None
        return {
            "id": speaker.pk,
            "name": speaker.name,
            "kind": speaker.kind,
            "role": affiliation.role if affiliation else None,
            "organization": {"id": organization.pk, "name": organization.name} if organization else None,
        }

    @extend_schema_field(ChainLinkSerializer(many=True))
    def get_chain(self, claim):
        return [
            {"source": {"id": link.source_id, "name": link.source.name}, "role": link.role}
            for link in self._first_chain(claim)
        ]

    @extend_schema_field(EvidenceSummarySerializer)
    def get_evidence(self, claim):
        items = list(claim.evidence.all())
        return {**_independent_counts(items), "items": self._evidence_items.to_representation(items)}

    @extend_schema_field(VerdictSerializer(many=True))
    def get_verdicts(self, claim):
        return self._verdict_items.to_representation(self._published(claim))

    @extend_schema_field(OpenApiTypes.STR)
    def get_attribution_text(self, claim):
        return self._attribution_text(claim, self.get_speaker(claim), self._first_chain(claim))

    def _attribution_text(self, claim, speaker: dict, chain: list) -> str:
        role = ", ".join(filter(None, [speaker["role"], (speaker["organization"] or {}).get("name")]))
        return attribution_text(claim, chain=[link.source.name for link in chain], role=role)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_claimreview_url(self, claim):
        if not self._published(claim):
            return None
        return self._absolute(reverse("api:claim-claimreview", args=[claim.pk]))


# The representations above, for to_representation's hand-written path.
_DATETIME = serializers.DateTimeField()
_BOUND = BoundField()


def _datetime(value):
    return _DATETIME.to_representation(value) if value is not None else None


def _independent_counts(evidence: list[Evidence]) -> dict:
    return {
        "supporting_independent": sum(1 for e in evidence if e.stance == Evidence.Stance.SUPPORTS and e.independent),
        "contradicting_independent": sum(
            1 for e in evidence if e.stance == Evidence.Stance.CONTRADICTS and e.independent
        ),
    }


def _date(value):
    return value.isoformat() if value is not None else None


def _bound(value):
    return _BOUND.to_representation(value) if value is not None else None


def _figure(figure: Figure) -> dict:
    return {
        "id": figure.pk,
        "as_written": figure.as_written,
        "metric": figure.metric,
        "population": figure.population,
        "qualifier": figure.qualifier,
        "low": _bound(figure.low),
        "high": _bound(figure.high),
        "vague_text": figure.vague_text,
        "unit": figure.unit,
        "unit_of": figure.unit_of,
        "period_start": _date(figure.period_start),
        "period_end": _date(figure.period_end),
        "place": figure.place,
        "supersedes": figure.supersedes_id,
        "superseded_by": _successor(figure),
    }


def _successor(figure: Figure) -> int | None:
    try:
        return figure.superseded_by.pk
    except Figure.superseded_by.RelatedObjectDoesNotExist:
        return None


def _appearance(appearance) -> dict:
    document = appearance.document
    return {
        "document": {
            "url": document.url,
            "outlet": document.outlet.name,
            "title": document.title,
            "published_at": _datetime(document.published_at),
        },
        "excerpt": appearance.excerpt,
        "start": appearance.start,
        "end": appearance.end,
    }


def _evidence_item(evidence: Evidence) -> dict:
    origin = evidence.origin
    return {
        "id": evidence.pk,
        "stance": evidence.stance,
        "basis": evidence.basis,
        "origin": {"id": origin.pk, "name": origin.name},
        "evidence_claim": evidence.evidence_claim_id,
        "document_url": evidence.document.url if evidence.document_id else None,
        "stated_on": _date(evidence.stated_on),
        "note": evidence.note,
        "independent": evidence.independent,
        "independence_code": evidence.independence_code,
        "reason": evidence.independence_reason,
        "created_at": _datetime(evidence.created_at),
    }


def _verdict(verdict: Verdict) -> dict:
    return {
        "id": verdict.pk,
        "status": verdict.status,
        "label": verdict.get_status_display(),
        "rationale": verdict.rationale,
        "superseded_by": verdict.superseded_by_id,
        "proposed_at": _datetime(verdict.created_at),
        "published_at": _datetime(verdict.published_at),
    }


# What writers send. These check shapes only; every rule is the services'.


class FigureInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Figure
        fields = [
            "as_written", "metric", "population", "qualifier", "low", "high", "vague_text",
            "unit", "unit_of", "period_start", "period_end", "place", "note", "supersedes",
        ]  # fmt: skip
        # Cross-field rules are named constraints; the services report them by field.
        validators = []


class RelayInputSerializer(serializers.Serializer):
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    role = serializers.CharField(required=False, default="", allow_blank=True)


class AppearanceInputSerializer(serializers.Serializer):
    document_url = serializers.CharField(
        source="document", help_text="The URL of a document already recorded, any spelling."
    )
    excerpt = serializers.CharField()
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


class ClaimInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Claim.Kind.choices, default=Claim.Kind.STATEMENT)
    text = serializers.CharField()
    quote = serializers.CharField(required=False, default="", allow_blank=True)
    speaker = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all())
    described_as = serializers.CharField(required=False, default="", allow_blank=True)
    said_on = serializers.DateField(required=False, allow_null=True, default=None)
    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.all(), required=False, allow_null=True, default=None
    )
    figures = FigureInputSerializer(many=True, required=False, default=list)
    appearance = AppearanceInputSerializer(required=False, allow_null=True, default=None)


class EvidenceInputSerializer(serializers.Serializer):
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    note = serializers.CharField()
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


class VerdictInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REVIEWED_STATUSES)
    rationale = serializers.CharField()
    superseded_by = serializers.PrimaryKeyRelatedField(queryset=Claim.objects.all(), required=False, allow_null=True)


class ProposedVerdictSerializer(serializers.ModelSerializer):
    claim_version = serializers.IntegerField(source="claim.version")

    class Meta:
        model = Verdict
        fields = ["id", "claim", "status", "rationale", "superseded_by", "created_at", "published_at", "claim_version"]
