"""The verdict log, and the editors' publication queue."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from claims import services
from claims.models import (
    Verdict,
    status_choices,
)
from review.admin.common import ReadOnlyHistoryAdmin


class PublicationFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("no", "Awaiting publication"), ("yes", "Published")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.awaiting_publication()
        if self.value() == "yes":
            return queryset.published()
        return queryset


class ReviewedStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return status_choices()

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyHistoryAdmin):
    """The verdict log, and the editors' publication queue. Verdicts are proposed on the claim page."""

    list_display = ["claim", "status", "proposed_by", "created_at", "published_by", "published_at"]
    list_filter = [PublicationFilter, ReviewedStatusFilter, "proposed_by"]
    list_select_related = ["claim", "proposed_by", "published_by"]
    search_fields = ["claim__text", "rationale"]
    actions = ["publish_selected"]

    def has_publish_permission(self, request):
        return request.user.has_perm("claims.publish_verdict")

    @admin.action(description="Publish the selected proposals", permissions=["publish"])
    def publish_selected(self, request, queryset):
        published = 0
        for verdict in queryset.select_related("claim"):
            try:
                services.publish_verdict(verdict=verdict, editor=request.user)
                published += 1
            except ValidationError as refusal:
                self.message_user(
                    request, f"Not published for “{verdict.claim}”: {' '.join(refusal.messages)}", messages.ERROR
                )
        if published:
            self.message_user(request, f"Published {published} verdict(s).", messages.SUCCESS)
