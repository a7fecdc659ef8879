"""The review queue's filters, each read beside the list order at a million claims."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Exists, F, OuterRef, Subquery

from claims.models import (
    Event,
    Figure,
)
from sources.models import Document, Source


class AssignmentFilter(admin.SimpleListFilter):
    title = "assigned"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


# A desk keeps hundreds of outlets and events; a sidebar of every one is unreadable and costs
# more to render than the page. The sidebar offers the most recent, plus the one chosen; any
# other is one click away from a claim, or by its id in the URL.
SIDEBAR_CHOICES = 25


def _chosen_id(list_filter: admin.SimpleListFilter) -> int:
    """The chosen id, or the admin's "invalid filter" notice for anything else."""
    if not list_filter.value().isdigit():
        raise IncorrectLookupParameters(f"No {list_filter.title.split(' (')[0]} {list_filter.value()!r}.")
    return int(list_filter.value())


def _with_chosen(choices: list[tuple[str, str]], chosen: str | None, name_of) -> list[tuple[str, str]]:
    if chosen and chosen.isdigit() and chosen not in {pk for pk, _ in choices}:
        name = name_of(int(chosen))
        if name is not None:
            choices.append((chosen, name))
    return choices


class OutletFilter(admin.SimpleListFilter):
    title = "outlet (most recent)"
    parameter_name = "outlet"

    def lookups(self, request, model_admin):
        latest = Document.objects.filter(outlet=OuterRef("pk")).order_by("-published_at").values("published_at")[:1]
        outlets = (
            Source.objects.filter(kind="outlet")
            .annotate(latest=Subquery(latest))
            .order_by(F("latest").desc(nulls_last=True), "name")
            .values_list("pk", "name")[:SIDEBAR_CHOICES]
        )
        return _with_chosen(
            [(str(pk), name) for pk, name in outlets],
            self.value(),
            lambda pk: Source.objects.filter(pk=pk, kind="outlet").values_list("name", flat=True).first(),
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_outlet(_chosen_id(self))
        return queryset


class MetricFilter(admin.SimpleListFilter):
    title = "metric"
    parameter_name = "metric"

    def lookups(self, request, model_admin):
        return Figure.Metric.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Exists(Figure.objects.filter(claim=OuterRef("pk"), metric=self.value())))
        return queryset


class IndependentSupportFilter(admin.SimpleListFilter):
    title = "independent support"
    parameter_name = "independent_support"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        return queryset.independently_supported(self.value() == "yes")


class BackInQueueFilter(admin.SimpleListFilter):
    """Reviewed claims whose published verdict no longer stands (reassess_independence)."""

    title = "verdict no longer stands"
    parameter_name = "back_in_queue"

    def lookups(self, request, model_admin):
        return [("yes", "Back in the queue")]

    def queryset(self, request, queryset):
        return queryset.flagged_for_review() if self.value() == "yes" else queryset


class EventFilter(admin.SimpleListFilter):
    title = "event (most recent)"
    parameter_name = "event__id__exact"

    def lookups(self, request, model_admin):
        events = Event.objects.order_by(F("start_date").desc(nulls_last=True), "-pk").values_list("pk", "name")
        return _with_chosen(
            [(str(pk), name) for pk, name in events[:SIDEBAR_CHOICES]],
            self.value(),
            lambda pk: Event.objects.filter(pk=pk).values_list("name", flat=True).first(),
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(event_id=_chosen_id(self))
        return queryset


class SpeakerKindFilter(admin.SimpleListFilter):
    title = "speaker kind"
    parameter_name = "speaker_kind"

    def lookups(self, request, model_admin):
        return Source.Kind.choices

    def queryset(self, request, queryset):
        return queryset.filter(speaker__kind=self.value()) if self.value() else queryset
