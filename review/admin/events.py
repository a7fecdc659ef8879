"""Events, with the chart comparing their figures across sources."""

from django.contrib import admin
from django.template.loader import render_to_string
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Event,
)
from review import charts
from review.admin.common import DeskHistory


@admin.register(Event)
class EventAdmin(DeskHistory, SimpleHistoryAdmin):
    list_display = ["name", "place", "country", "start_date", "end_date"]
    list_filter = ["country"]
    search_fields = ["name", "place", "description"]
    readonly_fields = ["figure_comparison"]
    fields = ["figure_comparison", "name", "description", "place", "country", "start_date", "end_date"]

    def get_fields(self, request, obj=None):
        """The comparison first on an event's page, where the desk looks; a new event has none."""
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f != "figure_comparison"]

    def delete_model(self, request, obj):
        services.delete_event(event=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            services.delete_event(event=event, user=request.user)

    @admin.display(description="Figures compared")
    def figure_comparison(self, obj):
        if obj.pk is None:
            return "Save the event first."
        return render_to_string("review/event_comparison.html", charts.comparison(obj))
