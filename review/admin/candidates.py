"""The extractor's candidates, accepted or rejected by a reviewer, and the rating map for
imported fact-checks."""

from decimal import Decimal
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims.models import (
    Candidate,
    Figure,
    RatingMap,
)
from intake import candidates as intake
from intake import services as intake_services
from review.admin.common import status_badge


class CandidateFigureForm(forms.Form):
    """One of the candidate's figures, as the Figure model names its parts."""

    as_written = forms.CharField(required=False, disabled=True, label="As written")
    # A blank first choice, so the empty row for a new figure stays empty until it is filled.
    metric = forms.ChoiceField(choices=[("", "---------"), *Figure.Metric.choices])
    qualifier = forms.ChoiceField(choices=[("", "---------"), *Figure.Qualifier.choices])
    low = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=4)
    high = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=4)
    vague_text = forms.CharField(required=False, max_length=200, label="Vague words", help_text='"hundreds"')
    unit = forms.ChoiceField(choices=Figure.Unit.choices, initial=Figure.Unit.PEOPLE)
    currency = forms.CharField(required=False, max_length=3, help_text="For money: USD, EUR")
    population = forms.CharField(required=False, max_length=200, help_text='"police", "residents"')
    measure = forms.CharField(required=False, max_length=200, help_text='For metric other: "jobs added"')
    position = forms.IntegerField(widget=forms.HiddenInput, required=False)


FigureFormSet = forms.formset_factory(CandidateFigureForm, extra=1, can_delete=True)


def _number(value: Decimal | None) -> int | float | None:
    """JSON as the extractor writes it: 500, not "500.0000"."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class CandidateForm(forms.ModelForm):
    """The candidate's own fields, with its figures as one small form each (not JSON)."""

    class Meta:
        model = Candidate
        fields = ["text", "quote", "speaker_name", "speaker_source", "said_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        initial = [
            {**{k: v for k, v in figure.items() if k in CandidateFigureForm.base_fields}, "position": n,
             "as_written": figure.get("text", "")}
            for n, figure in enumerate(self.instance.figures or [])
            if isinstance(figure, dict)
        ]  # fmt: skip
        self.figure_forms = FigureFormSet(self.data or None, initial=initial, prefix="figure")

    def is_valid(self):
        return super().is_valid() and self.figure_forms.is_valid()

    def clean(self):
        cleaned = super().clean()
        if self.figure_forms.is_valid():  # the Figure model's own rules, through intake's check
            try:
                intake.figures_of(SimpleNamespace(figures=self.edited_figures()))
            except ValidationError as refusal:
                self.add_error(None, refusal.messages)
        return cleaned

    def has_changed(self):
        return super().has_changed() or self.figure_forms.has_changed()

    def edited_figures(self) -> list[dict]:
        """The figures after the reviewer's edits, each keeping what the form does not show
        (the words as written, offsets) from the extractor's record."""
        original = self.instance.figures or []
        figures = []
        for form in self.figure_forms.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            position = data.get("position")
            kept = dict(original[position]) if position is not None and 0 <= position < len(original) else {}
            kept.update(
                metric=data["metric"], qualifier=data["qualifier"], low=_number(data["low"]),
                high=_number(data["high"]), vague_text=data["vague_text"], unit=data["unit"],
                currency=data["currency"].upper(), population=data["population"], measure=data["measure"],
            )  # fmt: skip
            figures.append(kept)
        return figures


@admin.register(Candidate)
class CandidateAdmin(SimpleHistoryAdmin):
    """Edit a candidate, then accept or reject it here or on its article's review page."""

    form = CandidateForm
    change_form_template = "admin/claims/candidate/change_form.html"

    list_display = ["speaker_name", "short_text", "document", "state", "match_claim", "created_at"]
    list_filter = ["state", "document"]
    list_select_related = ["document", "match_claim"]
    search_fields = ["text", "speaker_name", "speaker_mention"]
    autocomplete_fields = ["speaker_source"]
    readonly_fields = [
        "document", "speaker_mention", "match_claim", "match_reason", "state", "claim", "possible_matches",
    ]  # fmt: skip

    def get_fields(self, request, obj=None):
        fields = ["document", "text", "quote", "speaker_mention", "speaker_name", "speaker_source", "said_on"]
        if obj is not None and obj.match_claim_id:
            fields += ["match_claim", "match_reason"]
        fields += ["possible_matches", "state"]
        if obj is not None and obj.claim_id:
            fields.append("claim")
        return fields

    @admin.display(description="Known claims it may repeat")
    def possible_matches(self, obj):
        found = intake.possible_matches(obj) if obj.pk else []
        if not found:
            return "None found."
        rows = format_html_join(
            "",
            '<li><a href="{}">claim {}</a> {} “{}” — score {}{}: {}</li>',
            (
                (
                    reverse("admin:claims_claim_change", args=[m.claim.pk]), m.claim.pk, status_badge(m.claim.status),
                    m.claim.text[:120], f"{m.score:.2f}", " (offered)" if m.offered else "", "; ".join(m.reasons),
                )
                for m in found
            ),
        )  # fmt: skip
        return format_html('<ol class="possible-matches">{}</ol>', rows)

    @admin.display(description="Claim")
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_pending)

    def save_model(self, request, obj, form, change):
        edits = {name: form.cleaned_data[name] for name in form.changed_data if name in intake_services.EDITABLE}
        if form.figure_forms.has_changed():
            edits["figures"] = form.edited_figures()
        if edits:
            intake_services.edit_candidate(candidate=obj, user=request.user, **edits)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:  # the service refused what the form let through
            for message in refusal.messages:
                self.message_user(request, f"Not saved: {message}", messages.ERROR)
            return HttpResponseRedirect(request.path)

    def response_change(self, request, obj):
        """ "Save and accept" / "Reject" decide here; plain save goes back to the article."""
        article = reverse("admin:sources_document_candidates", args=[obj.document_id])
        decision = next((d for d in ("_accept", "_accept_new", "_reject") if d in request.POST), None)
        if decision is None:
            return HttpResponseRedirect(article)
        if not request.user.has_perm("claims.add_claim"):
            raise PermissionDenied
        try:
            if decision == "_reject":
                intake_services.reject_candidate(candidate=obj, user=request.user)
                self.message_user(request, "Rejected.")
            else:
                claim = intake_services.accept_candidate(
                    candidate=obj, user=request.user, as_new=decision == "_accept_new"
                )
                self.message_user(request, f"Accepted: “{claim}”.")
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, f"Not done: {message}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(article)


@admin.register(RatingMap)
class RatingMapAdmin(SimpleHistoryAdmin):
    """Map other desks' ratings to our statuses; unmapped ones wait here, never guessed."""

    list_display = ["rating", "status", "first_seen"]
    list_editable = ["status"]
    list_filter = [("status", admin.EmptyFieldListFilter), "status"]
    search_fields = ["rating"]
