from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Subquery
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from claims import charts, csv_exchange, services
from claims.models import (
    Appearance,
    Candidate,
    ChainLink,
    Claim,
    Event,
    Evidence,
    Figure,
    NewsroomKey,
    RatingMap,
    Status,
    Verdict,
)
from sources.models import Affiliation, Document, Source

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

    def _refusable(self, request, view, *args, **kwargs):
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusable(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._refusable(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):  # bulk actions, bulk delete
        return self._refusable(request, super().changelist_view, extra_context)


class EstimatedCountPaginator(Paginator):
    """Count a large list from PostgreSQL's estimates instead of COUNT(*).

    An unfiltered table is counted from its statistics; a filtered list from the planner's
    estimate of its rows. Where either says fewer than EXACT_BELOW, or on other databases, the
    count is exact. Counting a filter that matches a few hundred thousand claims exactly took
    longer than showing the page.
    """

    EXACT_BELOW = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            estimate = self._estimate(queryset, connection)
            if estimate is not None and estimate >= self.EXACT_BELOW:
                return estimate
        return super().count

    @staticmethod
    def _estimate(queryset, connection) -> int | None:
        with connection.cursor() as cursor:
            if not queryset.query.where:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
                )
                row = cursor.fetchone()
                return row[0] if row else None
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            return int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])


def status_badge(status: str):
    return format_html(
        '<span class="status-badge" data-status="{}" style="background:{};color:#fff;padding:1px 6px;'
        'border-radius:8px;white-space:nowrap" title="{}">{}</span>',
        status,
        STATUS_COLOURS[Status(status)],
        Status(status).definition,
        Status(status).label,
    )


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
        supported = Exists(
            Evidence.objects.filter(claim=OuterRef("pk"), stance=Evidence.Stance.SUPPORTS, independent=True)
        )
        return queryset.filter(supported) if self.value() == "yes" else queryset.filter(~supported)


class BackInQueueFilter(admin.SimpleListFilter):
    """Reviewed claims whose published verdict no longer stands (reassess_independence)."""

    title = "verdict no longer stands"
    parameter_name = "back_in_queue"

    def lookups(self, request, model_admin):
        return [("yes", "Back in the queue")]

    def queryset(self, request, queryset):
        return queryset.flagged_for_review() if self.value() == "yes" else queryset


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
    fields = ["document", "excerpt", "chain_text"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document").prefetch_related("chain__source")

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
    fields = ["stance", "basis", "note", "independence", "adder", "created_at"]
    readonly_fields = fields
    verbose_name_plural = "evidence"

    @admin.display(description="Added by")
    def adder(self, obj):
        return str(obj.added_by or "")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Evidence")
    def basis(self, obj):
        return obj.evidence_claim or obj.document or f"statement by {obj.source}"

    @admin.display(description="Independence")
    def independence(self, obj):
        return obj.independence_reason or obj.independence.reason


class NewEvidenceInline(admin.StackedInline):
    model = Evidence
    fk_name = "claim"
    extra = 0
    fields = ["stance", ("evidence_claim", "document", "source", "stated_on"), "attributed_to", "note"]
    autocomplete_fields = ["evidence_claim", "document", "source", "attributed_to"]
    verbose_name = "new evidence"
    verbose_name_plural = "add evidence"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class VerdictInline(admin.TabularInline):
    model = Verdict
    fk_name = "claim"
    extra = 0
    can_delete = False
    fields = ["created_at", "status", "rationale", "superseded_by", "proposer", "state", "publisher", "published_at"]
    readonly_fields = fields

    @admin.display(description="Proposed by")
    def proposer(self, obj):
        return str(obj.proposed_by)  # as text: desk members cannot open user pages

    @admin.display(description="Published by")
    def publisher(self, obj):
        return str(obj.published_by or "")

    @admin.display(description="State")
    def state(self, obj):
        if obj.is_published:
            return "published"
        return "awaiting an editor" if obj.newest_pk == obj.pk else "overtaken by a newer proposal"

    verbose_name_plural = "verdict history (proposed and published)"

    def get_queryset(self, request):
        newest = Verdict.objects.filter(claim=OuterRef("claim")).order_by("-pk").values("pk")[:1]
        return (
            super()
            .get_queryset(request)
            .select_related("proposed_by", "published_by", "superseded_by")
            .annotate(newest_pk=Subquery(newest))
        )

    def has_add_permission(self, request, obj=None):
        return False


class VerdictProposalForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "---------"), *((s.value, s.label) for s in Status if s != Status.UNREVIEWED)]
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    superseded_by = forms.ModelChoiceField(
        queryset=Claim.objects.none(),
        required=False,
        help_text="For superseded: the later claim from the same speaker.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["superseded_by"].queryset = Claim.objects.filter(speaker=claim.speaker).exclude(pk=claim.pk)


class CsvImportForm(forms.Form):
    file = forms.FileField(help_text="UTF-8 CSV with a header row; see the columns below.")

    MAX_BYTES = 20_000_000

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > self.MAX_BYTES:
            raise ValidationError({"file": "The file is over 20 MB: split it."})
        try:
            cleaned["text"] = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"file": "The file is not UTF-8 text."}) from None
        return cleaned


class BulkVerdictForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("", "---------"),
            *((s.value, s.label) for s in Status if s not in (Status.UNREVIEWED, Status.SUPERSEDED)),
        ]
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), help_text="One rationale, recorded on every verdict."
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label="Reviewer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = get_user_model().objects.filter(is_staff=True, is_active=True)


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


def _posted_version(request) -> int | None:
    """The claim version a posted claim page was rendered with; an unreadable one never matches."""
    seen = request.POST.get("expected_version", "")
    if not seen:
        return None
    return int(seen) if seen.isascii() and seen.isdigit() and len(seen) <= 18 else -1


class ClaimAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["kind", "text", "quote", "speaker", "described_as", "said_on", "event", "assigned_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("expected_version")
        if self.instance.pk and seen is not None:
            current = Claim.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if current != seen:
                raise ValidationError(
                    "Someone else changed this claim while you were editing it. Your changes were not saved: "
                    "reload the page to see theirs, then edit again.",
                    code="stale",
                )
        return cleaned


@admin.register(Claim)
class ClaimAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
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
    search_fields = [
        "text",
        "quote",
        "speaker__name",
        "speaker__aliases__name",
        "appearances__document__url",
        "appearances__document__title",
    ]
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
            services.publish_verdict(verdict=verdict, editor=request.user, expected_version=_posted_version(request))
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


class ChainLinkInline(admin.TabularInline):
    model = ChainLink
    extra = 0
    can_delete = False
    fields = ["position", "source", "role"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class AppearanceForm(forms.ModelForm):
    speaker_role = forms.CharField(required=False, help_text="How the report describes the speaker here.")
    relayer_1 = forms.ModelChoiceField(queryset=None, required=False, help_text="Who passed the claim on, in order.")
    relayer_1_role = forms.CharField(required=False)
    relayer_2 = forms.ModelChoiceField(queryset=None, required=False)
    relayer_2_role = forms.CharField(required=False)

    class Meta:
        model = Appearance
        fields = ["claim", "document", "excerpt", "start", "end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(ChainLink._meta.verbose_name)  # a chain goes with its appearance
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.remove_appearance(appearance=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for appearance in queryset.select_related("claim"):
            services.remove_appearance(appearance=appearance, user=request.user)


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
        return [(s.value, s.label) for s in Status if s != Status.UNREVIEWED]

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Verdict)
class VerdictAdmin(SimpleHistoryAdmin):
    """The verdict log, and the editors' publication queue. Verdicts are proposed on the claim page."""

    list_display = ["claim", "status", "proposed_by", "created_at", "published_by", "published_at"]
    list_filter = [PublicationFilter, ReviewedStatusFilter, "proposed_by"]
    list_select_related = ["claim", "proposed_by", "published_by"]
    search_fields = ["claim__text", "rationale"]
    actions = ["publish_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["name", "place", "country", "start_date", "end_date"]
    list_filter = ["country"]
    search_fields = ["name", "place", "description"]
    readonly_fields = ["figure_comparison"]
    fields = ["name", "description", "place", "country", "start_date", "end_date", "figure_comparison"]

    @admin.display(description="Figures compared")
    def figure_comparison(self, obj):
        if obj.pk is None:
            return "Save the event first."
        return render_to_string("claims/event_comparison.html", charts.comparison(obj))


def claims_with_status(claims) -> str:
    """A list of claims, each linked, with its status badge, for source and document pages."""
    rows = format_html_join(
        "",
        '<li><a href="{}">{}</a> {}</li>',
        ((reverse("admin:claims_claim_change", args=[c.pk]), str(c), status_badge(c.status)) for c in claims),
    )
    return format_html('<ul class="claims-with-status">{}</ul>', rows) if rows else "None yet."


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Written through other pages and the services; here to list them and show their history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(ServiceRefusalMixin, ReadOnlyHistoryAdmin):
    list_display = ["claim", "stance", "origin", "independent", "independence_reason", "added_by", "created_at"]
    list_filter = ["stance", "independent", "independence_code"]
    list_select_related = ["claim", "source", "document__outlet", "evidence_claim__speaker", "added_by"]
    search_fields = ["claim__text", "note"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("claims.delete_evidence")

    def delete_model(self, request, obj):
        services.remove_evidence(evidence=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for evidence in queryset.select_related("claim"):
            services.remove_evidence(evidence=evidence, user=request.user)


@admin.register(ChainLink)
class ChainLinkAdmin(ReadOnlyHistoryAdmin):
    list_display = ["appearance", "position", "source", "role"]
    list_select_related = ["appearance__claim", "appearance__document", "source"]
    search_fields = ["source__name", "role"]


admin.site.unregister(APIKey)  # the newsroom keys below replace the library's generic ones


@admin.register(NewsroomKey)
class NewsroomKeyAdmin(APIKeyModelAdmin):
    """Create a key per newsroom: it is shown once, on saving, and stored only hashed. Revoke it here."""

    list_display = ["prefix", "name", "acts_as", "created", "expiry_date", "_has_expired", "revoked"]
    list_select_related = ["acts_as"]
    fields = ["name", "acts_as", "expiry_date", "revoked", "prefix"]


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


class AccessAttemptLockoutAdmin(AccessAttemptAdmin):
    """Failed logins and lockouts (django-axes), with its clean-up action made to work from the admin."""

    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)  # axes sets the attempt time only on login requests
        return super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptLockoutAdmin)
