"""The extractor's candidates, accepted or rejected by a reviewer, and the rating map for
imported fact-checks."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims.models import (
    Candidate,
    Figure,
    RatingMap,
)


class CandidateForm(forms.ModelForm):
    class Meta:
        model = Candidate
        fields = ["text", "quote", "speaker_name", "speaker_source", "said_on", "figures"]

    def clean_figures(self):
        figures = self.cleaned_data["figures"]
        if not isinstance(figures, list) or not all(isinstance(f, dict) for f in figures):
            raise ValidationError("A JSON list of figures, each an object.")
        for number, figure in enumerate(figures, start=1):
            if (
                figure.get("metric") not in Figure.Metric.values
                or figure.get("qualifier") not in Figure.Qualifier.values
            ):
                raise ValidationError(f"Figure {number}: give a known metric and qualifier.")
        return figures


@admin.register(Candidate)
class CandidateAdmin(SimpleHistoryAdmin):
    """Edit a candidate before accepting it on its article's review page."""

    form = CandidateForm

    list_display = ["speaker_name", "short_text", "document", "state", "match_claim", "created_at"]
    list_filter = ["state", "document"]
    list_select_related = ["document", "match_claim"]
    search_fields = ["text", "speaker_name", "speaker_mention"]
    autocomplete_fields = ["speaker_source"]
    fields = [
        "document", "text", "quote", "speaker_mention", "speaker_name", "speaker_source", "said_on", "figures",
        "match_claim", "match_reason", "state", "claim", "review_link",
    ]  # fmt: skip
    readonly_fields = ["document", "speaker_mention", "match_claim", "match_reason", "state", "claim", "review_link"]

    @admin.display(description="Claim")
    def short_text(self, obj):
        return obj.text[:80]

    @admin.display(description="")
    def review_link(self, obj):
        return format_html(
            '<a class="button" href="{}#candidate-{}">Back to the article to accept or reject</a>',
            reverse("admin:sources_document_candidates", args=[obj.document_id]),
            obj.pk,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.state == Candidate.State.PENDING)

    def response_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:sources_document_candidates", args=[obj.document_id]))


@admin.register(RatingMap)
class RatingMapAdmin(SimpleHistoryAdmin):
    """Map other desks' ratings to our statuses; unmapped ones wait here, never guessed."""

    list_display = ["rating", "status", "first_seen"]
    list_editable = ["status"]
    list_filter = [("status", admin.EmptyFieldListFilter), "status"]
    search_fields = ["rating"]
