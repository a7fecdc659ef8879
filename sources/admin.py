from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin import ServiceRefusalMixin, claims_with_status
from claims.models import Claim
from sources.models import Affiliation, Document, Source, SourceAlias


class SourceAliasInline(admin.TabularInline):
    model = SourceAlias
    extra = 1


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The tree or the affiliations may have moved: evidence judged against them is judged again,
        # in the former tree as well as the new one.
        former_parent = form.initial.get("parent")
        services.refresh_independence_around(sources=Source.objects.filter(pk__in={form.instance.pk, former_parent}))

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
        former = Affiliation.objects.filter(pk=obj.pk).values_list("person", "organization").first() if change else ()
        super().save_model(request, obj, form, change)
        services.refresh_independence_around(
            sources=Source.objects.filter(pk__in={obj.person_id, obj.organization_id, *former})
        )

    def delete_model(self, request, obj):
        people = [obj.person, obj.organization]
        super().delete_model(request, obj)
        services.refresh_independence_around(sources=people)

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
    readonly_fields = ["text_sha256", "claims_here", "created_at", "updated_at"]
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:  # the desk pastes an article here
            extra_context = {**(extra_context or {}), "title": "Add article"}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        services.save_document(
            document=obj, user=request.user, reason="edited in admin" if change else "added in admin"
        )
