"""Appearances with their attribution chains, recorded on their own page."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Appearance,
    ChainLink,
)
from review.admin.common import (
    ReadOnlyHistoryAdmin,
    ServiceRefusalMixin,
)
from sources.models import Source


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
        fields = ["claim", "document", "excerpt", "start", "end", "verification_note"]
        help_texts = {
            "verification_note": "What the report itself says about verifying the claim, in its words: "
            "“The figures could not be independently confirmed.” Not the desk's verdict.",
        }

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
                "verification_note",
            ]
        return ["claim", "document", "excerpt", "start", "end", "verification_note"]

    def get_readonly_fields(self, request, obj=None):
        # The excerpt, offsets and chain are recorded together; to change them, record anew.
        return ["claim", "document", "excerpt", "start", "end"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            if "verification_note" in form.changed_data:
                services.set_verification_note(appearance=obj, note=obj.verification_note, user=request.user)
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
            verification_note=obj.verification_note,
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


@admin.register(ChainLink)
class ChainLinkAdmin(ReadOnlyHistoryAdmin):
    list_display = ["appearance", "position", "source", "role"]
    list_select_related = ["appearance__claim", "appearance__document", "source"]
    search_fields = ["source__name", "role"]
