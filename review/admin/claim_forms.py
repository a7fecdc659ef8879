"""The claim page's inlines and forms: figures, appearances, evidence, verdicts, and the
queue's bulk actions."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import OuterRef, Subquery
from django.utils.html import format_html

from claims import services
from claims.models import (
    NEEDS_SUCCESSOR,
    VERDICT_STATUSES,
    Appearance,
    Claim,
    Evidence,
    Figure,
    Verdict,
    status_choices,
)
from claims.roles import ASSIGNABLE


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
        (None, {"fields": [("as_written", "metric", "measure", "population")]}),
        (None, {"fields": [("qualifier", "low", "high", "vague_text")]}),
        ("Unit, period and place", {"fields": [("unit", "unit_of", "currency"), ("period_start", "period_end")]}),
        (None, {"fields": ["place"]}),
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


def evidence_in_words(evidence: Evidence) -> str:
    """What a piece of evidence points to, as a reader says it, never as an id."""
    if evidence.evidence_claim_id:
        claim = evidence.evidence_claim
        return f"Claim by {claim.speaker}: “{claim}”"
    if evidence.document_id:
        document = evidence.document
        resting = f", resting on {evidence.attributed_to}" if evidence.attributed_to_id else ""
        return f"Document from {document.outlet}: “{document.title}”{resting}"
    on = f" on {evidence.stated_on:%Y-%m-%d}" if evidence.stated_on else ""
    return f"Statement by {evidence.source}{on}"


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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("evidence_claim__speaker", "document__outlet", "source", "attributed_to", "added_by")
        )

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Evidence")
    def basis(self, obj):
        return evidence_in_words(obj)

    @admin.display(description="Independence")
    def independence(self, obj):
        return obj.independence_reason or obj.independence.reason


class NewEvidenceForm(forms.ModelForm):
    """New evidence, with what it rests on chosen first: another claim, a document or a
    source's statement. Only the chosen box shows (desk.css), and a box filled for another
    kind is refused, so a name typed in the claim box cannot stand for a document or a source."""

    BASES = {
        "claim": ("Another claim the desk recorded", ["evidence_claim"]),
        "document": ("A document: an article, a report", ["document", "attributed_to"]),
        "statement": ("A source's own statement to the desk", ["source", "stated_on"]),
    }
    basis = forms.ChoiceField(
        label="The evidence is",
        choices=[(value, label) for value, (label, _) in BASES.items()],
        widget=forms.RadioSelect,
        required=False,  # told from the one box filled, when a posted form (not the page) leaves it out
    )

    class Meta:
        model = Evidence
        fields = ["stance", "evidence_claim", "document", "attributed_to", "source", "stated_on", "note"]
        labels = {
            "evidence_claim": "Claim",
            "source": "Source making the statement",
            "attributed_to": "Its support rests on",
        }
        help_texts = {
            "evidence_claim": "Search the claim's words or its speaker's name; the claim itself is the evidence.",
        }

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("basis")
        if not chosen:
            filled = [basis for basis, (_, names) in self.BASES.items() if cleaned.get(names[0])]
            if len(filled) != 1:
                self.add_error("basis", "Choose what the evidence is: another claim, a document or a statement.")
                return cleaned
            chosen = cleaned["basis"] = filled[0]
        label, own = self.BASES[chosen]
        required = own[0]
        if not cleaned.get(required):
            self.add_error(required, f"You chose “{label.lower()}”: pick it here.")
        for other, (other_label, names) in self.BASES.items():
            for name in names:
                if other != chosen and cleaned.get(name):
                    self.add_error(
                        name, f"This is for “{other_label.lower()}”, but you chose “{label.lower()}”: clear it."
                    )
        return cleaned


class NewEvidenceInline(admin.StackedInline):
    model = Evidence
    form = NewEvidenceForm
    fk_name = "claim"
    extra = 0
    fields = ["basis", "stance", "evidence_claim", "document", "attributed_to", "source", "stated_on", "note"]
    autocomplete_fields = ["evidence_claim", "document", "source", "attributed_to"]
    classes = ["new-evidence"]
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


def statuses_with_definitions(statuses=VERDICT_STATUSES) -> list:
    """Each status as a choice that says what it means, for reviewers picking one."""
    return [
        (
            status.value,
            format_html(
                '<strong class="status-name">{}</strong> <span class="status-definition">{}</span>',
                status.label,
                status.definition,
            ),
        )
        for status in statuses
    ]


class VerdictProposalForm(forms.Form):
    status = forms.ChoiceField(choices=statuses_with_definitions(), widget=forms.RadioSelect)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    superseded_by = forms.ModelChoiceField(
        queryset=Claim.objects.none(),
        required=False,
        help_text="For superseded: the later claim from the same speaker.",
    )
    version = forms.CharField(widget=forms.HiddenInput)

    def clean_version(self):
        return services.parse_version(self.cleaned_data["version"])

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
    # One rationale for many claims cannot name each one's successor.
    status = forms.ChoiceField(
        choices=status_choices([s for s in VERDICT_STATUSES if s not in NEEDS_SUCCESSOR], blank=True)
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), help_text="One rationale, recorded on every verdict."
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label="Reviewer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = get_user_model().objects.filter(**ASSIGNABLE)


class ClaimAdminForm(forms.ModelForm):
    expected_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Claim
        fields = ["kind", "text", "quote", "speaker", "described_as", "said_on", "event", "assigned_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean_expected_version(self):
        return services.parse_version(self.cleaned_data.get("expected_version"))

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:  # refused here, before any lock, as the service refuses it under one
            current = Claim.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            services.refuse_stale(current, cleaned.get("expected_version"), field=NON_FIELD_ERRORS)
        return cleaned
