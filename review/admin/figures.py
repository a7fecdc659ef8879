"""Figures, listed across claims."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Figure,
)
from review.admin.common import (
    DeskHistory,
    ServiceRefusalMixin,
)


@admin.register(Figure)
class FigureAdmin(ServiceRefusalMixin, DeskHistory, SimpleHistoryAdmin):
    list_display = ["__str__", "claim", "metric", "qualifier", "period_start", "period_end", "place"]
    list_filter = ["metric", "qualifier", "unit", "claim__event"]
    list_select_related = ["claim"]
    search_fields = ["as_written", "population", "place", "vague_text", "claim__text"]
    autocomplete_fields = ["claim", "supersedes"]

    def save_model(self, request, obj, form, change):
        services.save_figure(figure=obj, user=request.user, reason="edited in admin" if change else "added in admin")

    def delete_model(self, request, obj):
        services.delete_figure(figure=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for figure in queryset:
            services.delete_figure(figure=figure, user=request.user)
