from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import Appearance, ChainLink, Claim, Event, Evidence, Figure, Status, Verdict

STATUS_COLOURS = {
    Status.UNREVIEWED: "#6b7280",
    Status.UNCONFIRMED: "#b45309",
    Status.CONFIRMED: "#15803d",
    Status.DISPUTED: "#c2410c",
    Status.FALSE: "#b91c1c",
    Status.SUPERSEDED: "#4b5563",
    Status.RETRACTED: "#7c3aed",
}


class ServiceRefusalMixin:
    """Show a rule the service refuses at save time as an error message, with nothing saved.

    Forms check the same model rules first, so this only catches what changed between the
    form's check and the service's check under its lock.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def status_badge(status: str):
    return format_html(
        '<span class="status-badge" style="background:{};color:#fff;padding:1px 6px;border-radius:8px" '
        'title="{}">{}</span>',
        STATUS_COLOURS[Status(status)],
        Status(status).definition,
        Status(status).label,
    )


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["name", "place", "country", "start_date", "end_date"]
    list_filter = ["country"]
    search_fields = ["name", "place", "description"]


class FigureInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or form.errors:
                continue
            form.instance.claim = self.instance  # the claim's speaker as edited on this page
            problem = form.instance.supersession_error()
            if problem is not None:
                form.add_error(None, problem)


class FigureInline(admin.StackedInline):
    model = Figure
    formset = FigureInlineFormSet
    fk_name = "claim"
    extra = 0
    autocomplete_fields = ["supersedes"]
    fieldsets = [
        (None, {"fields": [("as_written", "metric", "population"), ("qualifier", "low", "high", "vague_text")]}),
        ("Unit, period and place", {"fields": [("unit", "unit_of"), ("period_start", "period_end", "place")]}),
        ("Series", {"fields": ["supersedes", "note"]}),
    ]


class AppearanceInline(admin.TabularInline):
    """Read-only here: an appearance is recorded with its chain on its own page."""

    model = Appearance
    extra = 0
    can_delete = False
    fields = ["document", "excerpt", "start", "end", "chain_text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Attribution chain")
    def chain_text(self, obj):
        return obj.chain_text()


class EvidenceInline(admin.TabularInline):
    """Existing evidence, read-only: remove it and add it again to change it."""

    model = Evidence
    fk_name = "claim"
    extra = 0
    fields = ["stance", "basis", "note", "independence", "added_by", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "evidence"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Evidence")
    def basis(self, obj):
        return obj.evidence_claim or obj.document or f"statement by {obj.source}"

    @admin.display(description="Independence")
    def independence(self, obj):
        return obj.independence.reason


class NewEvidenceInline(admin.StackedInline):
    model = Evidence
    fk_name = "claim"
    extra = 0
    fields = ["stance", ("evidence_claim", "document", "source", "stated_on"), "note"]
    autocomplete_fields = ["evidence_claim", "document", "source"]
    verbose_name = "new evidence"
    verbose_name_plural = "add evidence"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class VerdictInline(admin.TabularInline):
    model = Verdict
    fk_name = "claim"
    extra = 0
    can_delete = False
    fields = ["created_at", "status", "rationale", "superseded_by", "reviewer"]
    readonly_fields = fields
    verbose_name_plural = "verdict history"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Claim)
class ClaimAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    list_display = ["short_text", "speaker", "kind", "badge", "event", "updated_at"]
    list_filter = ["status", "kind", "speaker__kind", "event"]
    search_fields = [
        "text",
        "quote",
        "speaker__name",
        "speaker__aliases__name",
        "appearances__document__url",
        "appearances__document__title",
    ]
    list_select_related = ["speaker", "event"]
    autocomplete_fields = ["speaker", "event"]
    readonly_fields = ["current_status", "superseded_by", "version", "record_verdict", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["kind", "text", "quote"]}),
        ("Attribution", {"fields": ["speaker", "described_as", "said_on", "event"]}),
        ("Verification", {"fields": ["current_status", "superseded_by", "record_verdict", "version"]}),
    ]
    inlines = [FigureInline, AppearanceInline, EvidenceInline, NewEvidenceInline, VerdictInline]

    @admin.display(description="Claim", ordering="text")
    def short_text(self, obj):
        return str(obj)

    @admin.display(description="Status", ordering="status")
    def badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="Status")
    def current_status(self, obj):
        return status_badge(obj.status) if obj.pk else "-"

    @admin.display(description="")
    def record_verdict(self, obj):
        if obj.pk is None:
            return "Save the claim first."
        return format_html(
            '<a class="button" href="{}?claim={}">Record verdict</a>', reverse("admin:claims_verdict_add"), obj.pk
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.CLAIM_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            if changed:
                services.update_claim(claim=obj, user=request.user, reason="edited in admin", **changed)
        else:
            claim = services.record_claim(user=request.user, **fields)
            obj.pk = claim.pk
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is Figure:
            for figure in formset.save(commit=False):
                services.save_figure(figure=figure, user=request.user)
            for figure in formset.deleted_objects:
                services.delete_figure(figure=figure, user=request.user)
        elif formset.model is Evidence:
            for evidence in formset.save(commit=False):
                services.add_evidence(
                    claim=form.instance,
                    stance=evidence.stance,
                    note=evidence.note,
                    added_by=request.user,
                    evidence_claim=evidence.evidence_claim,
                    document=evidence.document,
                    source=evidence.source,
                    stated_on=evidence.stated_on,
                )
            for evidence in formset.deleted_objects:
                services.remove_evidence(evidence=evidence, user=request.user)
        else:
            formset.save(commit=False)  # read-only here (appearances, verdicts): nothing to write


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    extra = 0
    can_delete = False
    fields = ["position", "source", "role"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AppearanceForm(forms.ModelForm):
    relayer_1 = forms.ModelChoiceField(queryset=None, required=False, help_text="Who passed the claim on, in order.")
    relayer_1_role = forms.CharField(required=False)
    relayer_2 = forms.ModelChoiceField(queryset=None, required=False)
    relayer_2_role = forms.CharField(required=False)
    speaker_role = forms.CharField(required=False, help_text="How the report describes the speaker here.")

    class Meta:
        model = Appearance
        fields = ["claim", "document", "excerpt", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from sources.models import Source

        for name in ("relayer_1", "relayer_2"):
            self.fields[name].queryset = Source.objects.all()

    def relayed_by(self):
        return [
            (self.cleaned_data[name], self.cleaned_data[f"{name}_role"])
            for name in ("relayer_1", "relayer_2")
            if self.cleaned_data.get(name)
        ]


@admin.register(Appearance)
class AppearanceAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    form = AppearanceForm
    list_display = ["claim", "document", "start", "end"]
    list_select_related = ["claim", "document"]
    search_fields = ["excerpt", "claim__text", "document__title", "document__url"]
    autocomplete_fields = ["claim", "document"]
    inlines = [ChainLinkInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "claim",
                "document",
                "excerpt",
                "start",
                "end",
                "speaker_role",
                ("relayer_1", "relayer_1_role"),
                ("relayer_2", "relayer_2_role"),
            ]
        return ["claim", "document", "excerpt", "start", "end"]

    def get_readonly_fields(self, request, obj=None):
        # The excerpt, offsets and chain are recorded together; to change them, record anew.
        return ["claim", "document", "excerpt", "start", "end"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        appearance = services.record_appearance(
            claim=obj.claim,
            user=request.user,
            document=obj.document,
            excerpt=obj.excerpt,
            start=obj.start,
            end=obj.end,
            speaker_role=form.cleaned_data.get("speaker_role", ""),
            relayed_by=form.relayed_by(),
        )
        obj.pk = appearance.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        formset.save(commit=False)  # the chain is written by the service with the appearance


class VerdictForm(forms.ModelForm):
    class Meta:
        model = Verdict
        fields = ["claim", "status", "rationale", "superseded_by"]

    def clean(self):
        cleaned = super().clean()
        claim, status = cleaned.get("claim"), cleaned.get("status")
        if claim and status:
            try:
                claim.ensure_status_justified(status, superseded_by=cleaned.get("superseded_by"))
            except ValidationError as refusal:
                self.add_error(None, refusal.messages)
        return cleaned


@admin.register(Verdict)
class VerdictAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    """Verdicts are appended through the verdict service and never edited or deleted."""

    form = VerdictForm
    list_display = ["claim", "status", "reviewer", "created_at"]
    list_filter = ["status", "reviewer"]
    list_select_related = ["claim", "reviewer"]
    search_fields = ["claim__text", "rationale"]
    autocomplete_fields = ["claim", "superseded_by"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        verdict = services.record_verdict(
            claim=obj.claim,
            status=obj.status,
            rationale=obj.rationale,
            superseded_by=obj.superseded_by,
            reviewer=request.user,
        )
        obj.pk = verdict.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"Recorded: {obj.claim} is now {obj.get_status_display().lower()}.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[obj.claim_id]))


@admin.register(Figure)
class FigureAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
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
