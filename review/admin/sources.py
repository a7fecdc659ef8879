from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import Candidate, Claim
from intake import services as intake_services
from review.admin.common import ServiceRefusalMixin, claims_with_status
from sources.models import Affiliation, Document, Source, SourceAlias


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    extra = 1


class ImportArticleForm(forms.Form):
    url = forms.URLField(label="URL", assume_scheme="https", max_length=2000)
    outlet = forms.ModelChoiceField(queryset=Source.objects.filter(kind=Source.Kind.OUTLET), required=False)
    new_outlet = forms.CharField(
        max_length=200, required=False, help_text="Or the name of an outlet not listed yet; it is added."
    )
    title = forms.CharField(max_length=500)
    published_at = forms.DateTimeField(required=False, help_text="YYYY-MM-DD HH:MM, or just the date.")
    byline = forms.CharField(max_length=300, required=False)
    language = forms.CharField(
        max_length=16, required=False, help_text="BCP 47 tag (en, ar, pt-BR); left empty, it is detected from the text."
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 20, "cols": 100}), max_length=2_000_000)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("outlet") and not cleaned.get("new_outlet", "").strip():
            self.add_error("outlet", "Choose the outlet, or name a new one.")
        return cleaned

    def outlet_source(self, user) -> Source:
        if self.cleaned_data.get("outlet"):
            return self.cleaned_data["outlet"]
        name = self.cleaned_data["new_outlet"].strip()
        found = Source.objects.matching(name).filter(kind=Source.Kind.OUTLET).first()
        return found or services.save_source(
            source=Source(kind=Source.Kind.OUTLET, name=name), user=user, reason="outlet of an imported article"
        )

    def clean_text(self):
        text = self.cleaned_data["text"]
        if "\x00" in text:
            raise forms.ValidationError("The text holds NUL bytes: paste it as plain text.")
        return text


def readable_figures(candidate) -> list[str]:
    """ "≥ 42 killed (people)" rather than the extractor's codes."""
    from claims.models import Figure
    from intake.candidates import figure_fields

    readable = []
    for found in candidate.figures or []:
        try:
            readable.append(Figure(**figure_fields({"text": "", **found})).summary())
        except (KeyError, TypeError, ValueError, ArithmeticError):
            readable.append(str(found.get("text", "?")))
    return readable


def highlight(text: str, candidates) -> str:
    """The article, escaped, with each candidate's span marked (overlaps: the earlier one wins)."""
    pieces, position = [], 0
    for c in sorted(candidates, key=lambda c: (c.start, c.end)):
        if c.start < position:
            continue
        pieces += [
            escape(text[position : c.start]),
            format_html('<mark id="span-{}">{}</mark>', c.pk, text[c.start : c.end]),
        ]
        position = c.end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(str(p) for p in pieces))


class AffiliationInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            if form.cleaned_data.get("organization") == self.instance and self.instance.pk:
                form.add_error("organization", "A source cannot be affiliated with itself.")


class AffiliationInline(admin.TabularInline):
    """A person's roles; shown on people's and unnamed speakers' pages only."""

    model = Affiliation
    formset = AffiliationInlineFormSet
    fk_name = "person"
    extra = 1
    autocomplete_fields = ["organization"]


@admin.register(SourceAlias)
class SourceAliasAdmin(SimpleHistoryAdmin):
    list_display = ["name", "source"]
    list_select_related = ["source"]
    search_fields = ["name", "source__name"]
    autocomplete_fields = ["source"]


@admin.register(Source)
class SourceAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "parent", "wikidata_qid", "updated_at"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "aliases__name", "description", "wikidata_qid"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["organization_tree", "claims_made", "created_at", "updated_at"]
    fields = ["kind", "name", "description", "country", "wikidata_qid", "parent", "organization_tree", "claims_made"]
    inlines = [SourceAliasInline, AffiliationInline]

    def get_inlines(self, request, obj):
        if obj is not None and obj.kind in (Source.Kind.ORGANIZATION, Source.Kind.OUTLET):
            return [SourceAliasInline]  # organizations have members, shown as the people's affiliations
        return self.inlines

    def save_model(self, request, obj, form, change):
        services.save_source(source=obj, user=request.user, reason="edited in admin" if change else "added in admin")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Affiliation:
            return super().save_formset(request, form, formset, change)
        for affiliation in formset.save(commit=False):
            services.save_affiliation(affiliation=affiliation, user=request.user, reason="edited in admin")
        for affiliation in formset.deleted_objects:
            services.delete_affiliation(affiliation=affiliation, user=request.user)
        return None

    @admin.display(description="Organization tree")
    def organization_tree(self, obj):
        if obj.pk is None:
            return "-"
        parts = " ⊂ ".join(str(s) for s in obj.lineage())
        children = ", ".join(str(c) for c in obj.children.all())
        return f"{parts}; contains {children}" if children else parts

    @admin.display(description="Claims made")
    def claims_made(self, obj):
        if obj.pk is None:
            return "-"
        return claims_with_status(obj.claims.order_by("-said_on", "-pk")[:100])


@admin.register(Affiliation)
class AffiliationAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    list_display = ["person", "role", "organization", "start_date", "end_date"]
    list_filter = ["organization"]
    search_fields = ["person__name", "organization__name", "role"]
    list_select_related = ["person", "organization"]
    autocomplete_fields = ["person", "organization"]

    def save_model(self, request, obj, form, change):
        services.save_affiliation(affiliation=obj, user=request.user, reason="edited in admin")

    def delete_model(self, request, obj):
        services.delete_affiliation(affiliation=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for affiliation in queryset.select_related("person", "organization"):
            self.delete_model(request, affiliation)


@admin.register(Document)
class DocumentAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    list_display = ["title", "outlet", "published_at", "language", "url"]
    list_filter = ["outlet", "language"]
    search_fields = ["title", "url", "byline"]
    list_select_related = ["outlet"]
    autocomplete_fields = ["outlet", "republished_from"]
    readonly_fields = ["text_sha256", "previous_text_sha256", "text_changed_at", "candidates_link", "claims_here"]
    fields = [
        "url",
        "outlet",
        "title",
        "byline",
        "published_at",
        "retrieved_at",
        "language",
        "republished_from",
        "text",
        "text_sha256",
        "claims_here",
    ]
    date_hierarchy = "published_at"

    @admin.display(description="Claims in this document")
    def claims_here(self, obj):
        if obj.pk is None:
            return "-"
        return claims_with_status(Claim.objects.filter(appearances__document=obj).distinct().order_by("pk"))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="sources_document_import"),
            path("<int:object_id>/candidates/", wrap(self.candidates_view), name="sources_document_candidates"),
            path(
                "<int:object_id>/candidates/<int:candidate_id>/<str:decision>/",
                wrap(require_POST(self.decide_view)),
                name="sources_document_candidate",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportArticleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a new outlet is kept only with its article
                    document, outcome, candidates = intake_services.import_article(
                        url=data["url"], outlet=form.outlet_source(request.user), title=data["title"],
                        text=data["text"], published_at=data["published_at"], byline=data["byline"],
                        language=data["language"] or None, user=request.user,
                    )  # fmt: skip
            except ValidationError as refusal:
                for field, errors in refusal.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if outcome == "unchanged":
                    self.message_user(request, "This article is already here with the same text: nothing changed.")
                else:
                    self.message_user(request, f"Article {outcome}: {len(candidates)} candidate claim(s) to review.")
                return HttpResponseRedirect(reverse("admin:sources_document_candidates", args=[document.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": "Import article", "form": form}
        return TemplateResponse(request, "admin/sources/document/import.html", context)

    def candidates_view(self, request, object_id):
        document = get_object_or_404(Document, pk=object_id)
        if not self.has_view_permission(request, document):
            raise PermissionDenied
        candidates = list(document.candidates.select_related("speaker_source", "match_claim", "claim"))
        pending = [c for c in candidates if c.state == Candidate.State.PENDING]
        for candidate in pending:
            candidate.readable_figures = readable_figures(candidate)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Candidates in “{document}”",
            "document": document,
            "pending": pending,
            "reviewed": [c for c in candidates if c.state != Candidate.State.PENDING],
            "highlighted": highlight(document.text, pending),
        }
        return TemplateResponse(request, "admin/sources/document/candidates.html", context)

    def decide_view(self, request, object_id, candidate_id, decision):
        candidate = get_object_or_404(Candidate, pk=candidate_id, document_id=object_id)
        if not request.user.has_perm("claims.add_claim"):
            raise PermissionDenied
        try:
            if decision in ("accept", "accept-new"):
                as_new = decision == "accept-new"  # the reviewer says the match is wrong
                claim = intake_services.accept_candidate(candidate=candidate, user=request.user, as_new=as_new)
                self.message_user(
                    request, f"Accepted: “{claim}” ({(candidate.match_claim and 'new appearance') or 'new claim'})."
                )
            elif decision == "reject":
                intake_services.reject_candidate(candidate=candidate, user=request.user)
                self.message_user(request, "Rejected.")
            else:
                raise Http404
        except ValidationError as refusal:
            for message in refusal.messages:
                self.message_user(request, f"Not done: {message}", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:sources_document_candidates", args=[object_id]))

    @admin.display(description="Candidates")
    def candidates_link(self, obj):
        if obj.pk is None:
            return "-"
        pending = obj.candidates.filter(state=Candidate.State.PENDING).count()
        return format_html(
            '<a href="{}">{} candidate claim(s) waiting for review</a>{}',
            reverse("admin:sources_document_candidates", args=[obj.pk]),
            pending,
            format_html(" — the text changed on {}", obj.text_changed_at) if obj.text_changed_at else "",
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:  # the desk pastes an article here
            extra_context = {**(extra_context or {}), "title": "Add article"}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        services.save_document(
            document=obj, user=request.user, reason="edited in admin" if change else "added in admin"
        )
