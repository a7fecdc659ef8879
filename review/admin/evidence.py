"""Evidence, listed across claims with its computed independence."""

from django.contrib import admin

from claims import services
from claims.models import (
    Evidence,
)
from review.admin.claim_forms import evidence_in_words
from review.admin.common import (
    ReadOnlyHistoryAdmin,
    ServiceRefusalMixin,
)


@admin.register(Evidence)
class EvidenceAdmin(ServiceRefusalMixin, ReadOnlyHistoryAdmin):
    list_display = [
        "claim",
        "stance",
        "points_to",
        "origin",
        "independent",
        "independence_reason",
        "added_by",
        "created_at",
    ]
    list_filter = ["stance", "independent", "independence_code"]
    list_select_related = [
        "claim",
        "source",
        "document__outlet",
        "evidence_claim__speaker",
        "attributed_to",
        "added_by",
    ]
    readonly_fields = ["points_to"]

    @admin.display(description="Evidence")
    def points_to(self, obj):
        return evidence_in_words(obj)

    search_fields = ["claim__text", "note"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("claims.delete_evidence")

    def delete_model(self, request, obj):
        services.remove_evidence(evidence=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for evidence in queryset.select_related("claim"):
            services.remove_evidence(evidence=evidence, user=request.user)
