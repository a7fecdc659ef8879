import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from claims.models import Appearance, Claim, Figure, Status
from sources.models import canonical_url


class StatusInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    def filter(self, qs, value):
        if value is not None and any(not code for code in value):
            raise ValidationError({"status": ["Give status codes separated by commas, with none empty."]})
        return super().filter(qs, value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A database id: a whole number in the id range, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class ClaimFilter(django_filters.FilterSet):
    status = StatusInFilter(
        choices=Status.choices,
        help_text="Comma-separated status codes.",
        error_messages={"invalid_choice": f"%(value)s is not a status: use one of {', '.join(Status.values)}."},
    )
    speaker = IdFilter(field_name="speaker_id")
    event = IdFilter(field_name="event_id")
    outlet = IdFilter(method="filter_outlet", help_text="Source id of an outlet the claim appears in.")
    metric = django_filters.ChoiceFilter(
        choices=Figure.Metric.choices,
        method="filter_metric",
        error_messages={"invalid_choice": f"%(value)s is not a metric: use one of {', '.join(Figure.Metric.values)}."},
    )
    document_url = django_filters.CharFilter(method="filter_document_url", help_text="An article URL, any spelling.")
    q = django_filters.CharFilter(method="search", help_text="Words in the text, quote or speaker names.")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Claim
        fields = []

    def filter_outlet(self, queryset, name, value):
        return queryset.in_outlet(value)

    def filter_metric(self, queryset, name, value):
        return queryset.filter(Exists(Figure.objects.filter(claim=OuterRef("pk"), metric=value)))

    def filter_document_url(self, queryset, name, value):
        try:
            url = canonical_url(value)
        except ValueError as exc:
            raise ValidationError({"document_url": [str(exc)]}) from exc
        return queryset.filter(Exists(Appearance.objects.filter(claim=OuterRef("pk"), document__url=url)))

    def search(self, queryset, name, value):
        return queryset.search(value)
