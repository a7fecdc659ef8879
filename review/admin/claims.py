"""The review queue and the claim page, where reviewers record, assign and propose verdicts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Appearance,
    ChainLink,
    Claim,
    Evidence,
    Figure,
    Status,
    Verdict,
)
from exchange import csv_exchange
from review.admin.claim_forms import (
    AppearanceInline,
    AssignForm,
    BulkVerdictForm,
    ClaimAdminForm,
    CsvImportForm,
    EvidenceInline,
    FigureInline,
    NewEvidenceInline,
    VerdictInline,
    VerdictProposalForm,
    evidence_in_words,
)
from review.admin.common import (
    DeskHistory,
    EstimatedCountPaginator,
    ServiceRefusalMixin,
    posted_version,
    status_badge,
)
from review.admin.queue_filters import (
    AssignmentFilter,
    BackInQueueFilter,
    EventFilter,
    IndependentSupportFilter,
    MetricFilter,
    OutletFilter,
    SpeakerKindFilter,
)
from sources.models import Affiliation, Document


@admin.register(Claim)
class ClaimAdmin(ServiceRefusalMixin, DeskHistory, SimpleHistoryAdmin):
    list_display = [
        "short_text",
        "speaker_with_role",
        "outlet",
        "badge",
        "figures_summary",
        "assigned_to",
        "updated_at",
    ]
    list_filter = [
        "status",
        AssignmentFilter,
        "kind",
        SpeakerKindFilter,
        OutletFilter,
        EventFilter,
        MetricFilter,
        IndependentSupportFilter,
        BackInQueueFilter,
        ("said_on", admin.DateFieldListFilter),
        "machine_suggested",
    ]
    # Searched by get_search_results: the newsroom API's search, and document URLs.
    search_fields = ["text"]
    search_help_text = "Words of the claim or its quote, a speaker's name or alias, or part of a document's URL."
    list_select_related = ["speaker", "event", "assigned_to"]
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    autocomplete_fields = ["speaker", "event"]  # assignees: a plain list of desk members
    readonly_fields = [
        "current_status", "review_reason", "proposal", "superseded_by", "version", "machine_suggested", "created_at",
        "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["kind", "text", "quote", "expected_version"]}),
        ("Attribution", {"fields": ["speaker", "described_as", "said_on", "event"]}),
        (
            "Verification",
            {
                "fields": [
                    "current_status",
                    "review_reason",
                    "proposal",
                    "superseded_by",
                    "assigned_to",
                    "machine_suggested",
                    "version",
                ]
            },
        ),
    ]
    form = ClaimAdminForm
    inlines = [FigureInline, AppearanceInline, EvidenceInline, NewEvidenceInline, VerdictInline]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 90})}}
    change_form_template = "admin/claims/claim/change_form.html"
    change_list_template = "admin/claims/claim/change_list.html"
    actions = ["assign_to_me", "assign_to_reviewer", "unassign", "propose_verdict"]

    def get_search_results(self, request, queryset, search_term):
        """The API's search (ClaimQuerySet.search: the stored full-text vector and speakers by
        trigram on PostgreSQL), not a LIKE over four joined tables; a term that looks like part
        of a URL also finds the claims in documents at such a URL."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = queryset.search(term)
        if " " not in term and ("/" in term or "." in term):
            documents = Document.objects.filter(url__icontains=term).values("pk")
            found = found | queryset.filter(pk__in=Appearance.objects.filter(document__in=documents).values("claim_id"))
        return found, False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "claims_claim_changelist":
            queryset = queryset.prefetch_related(
                Prefetch("speaker__affiliations", queryset=Affiliation.objects.select_related("organization")),
                "figures",
                Prefetch(
                    "appearances",
                    queryset=Appearance.objects.select_related("document__outlet").order_by(
                        "document__published_at", "pk"
                    ),
                ),
            )
        return queryset

    # Queue columns

    @admin.display(description="Claim")  # not sortable: an index on free text would not pay for itself
    def short_text(self, obj):
        return str(obj)

    @admin.display(description="Speaker", ordering="speaker__name")
    def speaker_with_role(self, obj):
        return obj.speaker.described_on(obj.said_on)

    @admin.display(description="Outlet")
    def outlet(self, obj):
        outlets = list(dict.fromkeys(a.document.outlet.name for a in obj.appearances.all()))
        if not outlets:
            return "-"
        return outlets[0] if len(outlets) == 1 else f"{outlets[0]} +{len(outlets) - 1}"

    @admin.display(description="Status", ordering="status")
    def badge(self, obj):
        return status_badge(obj.status)

    @admin.display(description="Figures")
    def figures_summary(self, obj):
        return "; ".join(f.summary(with_population=False) for f in obj.figures.all()) or "-"

    # Claim page

    @admin.display(description="Published status")
    def current_status(self, obj):
        if obj.pk is None:
            return "-"
        published = obj.verdicts.published().order_by("-published_at", "-pk").select_related("published_by").first()
        as_of = (
            format_html(
                " since {} (published by {})", f"{published.published_at:%Y-%m-%d %H:%M}", published.published_by
            )
            if published
            else ""
        )
        return format_html("{} {}{}", status_badge(obj.status), obj.status_definition, as_of)

    @admin.display(description="Proposal")
    def proposal(self, obj):
        if obj.pk is None:
            return "Save the claim first."
        propose = format_html(
            '<a class="button" href="{}">Record verdict</a>',
            reverse("admin:claims_claim_propose_verdict", args=[obj.pk]),
        )
        pending = obj.pending_proposal()
        if pending is None:
            return format_html("No verdict awaiting publication. {}", propose)
        return format_html(
            '<span class="pending-proposal">Proposed: {} by {} on {}: “{}”. Awaiting an editor.</span> {}',
            status_badge(pending.status),
            pending.proposed_by,
            f"{pending.created_at:%Y-%m-%d %H:%M}",
            pending.rationale,
            propose,
        )

    # History: what a change of version was

    def what_changed(self, record) -> str:
        """The evidence, verdict or figure a claim's history row stands for, found by the
        change its reason names, in the same instant or just before."""
        reason = record.history_change_reason or ""
        related = {
            "evidence": (Evidence, "Evidence {}: {}"),
            "verdict": (Verdict, "Verdict {}: {}"),
            "figure": (Figure, "Figure {}: {}"),
        }
        for word, (model, template) in related.items():
            if reason.startswith(word):
                kind = "-" if reason.endswith(("removed", "deleted")) else None
                found = model.history.filter(claim_id=record.id, history_date__lte=record.history_date)
                if kind:
                    found = found.filter(history_type=kind)
                found = found.order_by("-history_date").first()
                if found is None:
                    return ""
                instance = found.instance
                if model is Evidence:
                    words = f"{instance.get_stance_display()}: {evidence_in_words(instance)}"
                elif model is Verdict:
                    words = f"{instance.get_status_display()}: “{instance.rationale}”"
                else:
                    words = instance.summary()
                action = reason.split(":", 1)[0].partition(" ")[2]  # "verdict proposed: …" → "proposed"
                return template.format(action, words)
        return ""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        pending = claim.pending_proposal() if claim else None
        extra_context = {
            **(extra_context or {}),
            "pending_proposal": pending,
            "can_publish": pending is not None and request.user.has_perm("claims.publish_verdict"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.CLAIM_FIELDS if name in form.cleaned_data}
        if change:
            # Even with no claim field changed: this locks the claim for the rest of the save and
            # refuses a stale page, so the figures and evidence saved next cannot land on top of
            # someone else's edit either. The form's own version check ran before any lock.
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            services.update_claim(
                claim=obj,
                user=request.user,
                reason="edited in admin",
                expected_version=form.cleaned_data.get("expected_version"),
                **changed,
            )
        else:
            claim = services.record_claim(user=request.user, **fields)
            obj.pk = claim.pk
        if "assigned_to" in form.changed_data:
            services.assign_claim(claim=obj, assignee=form.cleaned_data["assigned_to"], by=request.user)
        obj.refresh_from_db()

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # What a claim holds goes with it; its verdicts are protected and stop the deletion.
        for model in (Figure, Appearance, ChainLink, Evidence):
            perms_needed.discard(model._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.delete_claim(claim=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for claim in queryset:
            services.delete_claim(claim=claim, user=request.user)

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
                    attributed_to=evidence.attributed_to,
                )
            for evidence in formset.deleted_objects:
                services.remove_evidence(evidence=evidence, user=request.user)
        else:
            formset.save(commit=False)  # read-only here (appearances, verdicts): nothing to write

    # Verdicts: propose on its own page, publish from the claim page

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("export-csv/", wrap(self.export_csv_view), name="claims_claim_export_csv"),
            path("import-csv/", wrap(self.import_csv_view), name="claims_claim_import_csv"),
            path(
                "<path:object_id>/propose-verdict/",
                wrap(self.propose_verdict_view),
                name="claims_claim_propose_verdict",
            ),
            path(
                "<path:object_id>/verdicts/<int:verdict_id>/publish/",
                wrap(require_POST(self.publish_verdict_view)),
                name="claims_claim_publish_verdict",
            ),
            *super().get_urls(),
        ]

    def export_csv_view(self, request):
        """The queue as it is filtered and searched now, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        response = HttpResponse(
            csv_exchange.export_csv(changelist.get_queryset(request)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response

    def import_csv_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CsvImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = csv_exchange.import_csv(form.cleaned_data["text"], user=request.user)
            self.message_user(
                request,
                f"{report['created']} claim(s) recorded, {report['duplicates']} already here, "
                f"{len(report['errors'])} row(s) refused.",
                messages.WARNING if report["errors"] else messages.SUCCESS,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import claims from CSV",
            "form": form,
            "report": report,
            "columns": csv_exchange.COLUMNS,
        }
        return TemplateResponse(request, "admin/claims/claim/import_csv.html", context)

    def has_propose_permission(self, request):
        return request.user.has_perm("claims.add_verdict")

    def propose_verdict_view(self, request, object_id):
        claim = get_object_or_404(Claim.objects.select_related("speaker"), pk=object_id)
        if not self.has_propose_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:claims_claim_change", args=[claim.pk])
        form = VerdictProposalForm(request.POST or None, claim=claim, initial={"version": claim.version})
        if request.method == "POST" and form.is_valid():
            try:
                services.propose_verdict(
                    claim=claim,
                    status=form.cleaned_data["status"],
                    rationale=form.cleaned_data["rationale"],
                    superseded_by=form.cleaned_data["superseded_by"],
                    reviewer=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as refusal:
                for message in refusal.messages:
                    self.message_user(request, f"Not recorded: {message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Proposed {Status(form.cleaned_data['status']).label.lower()} for “{claim}”. "
                    "It shows to newsrooms once an editor publishes it.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Record verdict",
            "subtitle": str(claim),
            "claim": claim,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/claims/claim/propose_verdict.html", context)

    def publish_verdict_view(self, request, object_id, verdict_id):
        verdict = get_object_or_404(Verdict.objects.select_related("claim"), pk=verdict_id, claim_id=object_id)
        try:
            # The button posts the claim page: publish only if the claim is still as the editor saw it.
            services.publish_verdict(verdict=verdict, editor=request.user, expected_version=posted_version(request))
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, f"Not published: {message}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"Published: “{verdict.claim}” is now {verdict.get_status_display().lower()}.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[object_id]))

    # Bulk actions: each loops through the service, one claim at a time

    def _bulk_page(self, request, queryset, form, action: str, title: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "claims": queryset,
            "form": form,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/claim/bulk_action.html", context)

    def _assign(self, request, queryset, assignee):
        for claim in queryset:
            services.assign_claim(claim=claim, assignee=assignee, by=request.user)
        who = assignee or "nobody"
        self.message_user(request, f"Assigned {queryset.count()} claim(s) to {who}.", messages.SUCCESS)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._assign(request, queryset, request.user)

    @admin.action(description="Unassign", permissions=["change"])
    def unassign(self, request, queryset):
        self._assign(request, queryset, None)

    @admin.action(description="Assign to a reviewer…", permissions=["change"])
    def assign_to_reviewer(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            return self._assign(request, queryset, form.cleaned_data["assignee"])
        return self._bulk_page(request, queryset, form, "assign_to_reviewer", "Assign claims to a reviewer")

    @admin.action(description="Propose a verdict for the selected claims…", permissions=["propose"])
    def propose_verdict(self, request, queryset):
        form = BulkVerdictForm(request.POST if "apply" in request.POST else None)
        if not (form.is_bound and form.is_valid()):
            return self._bulk_page(request, queryset, form, "propose_verdict", "Propose one verdict for many claims")
        proposed = 0
        for claim in queryset:
            try:
                services.propose_verdict(
                    claim=claim,
                    status=form.cleaned_data["status"],
                    rationale=form.cleaned_data["rationale"],
                    reviewer=request.user,
                )
                proposed += 1
            except ValidationError as refusal:
                self.message_user(request, f"Not proposed for “{claim}”: {' '.join(refusal.messages)}", messages.ERROR)
        if proposed:
            self.message_user(request, f"Proposed for {proposed} claim(s); an editor publishes them.", messages.SUCCESS)
        return None
