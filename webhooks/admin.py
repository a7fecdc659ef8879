import json

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from review.admin.common import ReadOnly
from webhooks import services
from webhooks.models import WANTS, Delivery, DeliveryAttempt, EventType, Subscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(
        label="Target URL",
        max_length=500,
        assume_scheme="https",
        help_text=Subscription._meta.get_field("url").help_text,
    )
    events = forms.MultipleChoiceField(
        label="Event types",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event type."},
    )

    class Meta:
        model = Subscription
        fields = ["newsroom_key", "url", "secret", "events", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("events", self.instance.events)

    def clean(self):
        cleaned = super().clean()
        if "events" in cleaned:
            for event, flag in WANTS.items():
                setattr(self.instance, flag, event in cleaned["events"])
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    """The secret is entered or generated when the subscription is added and never shown again:
    rotating it gives a new one, shown once, like a newsroom key."""

    form = SubscriptionForm
    list_display = ["newsroom_key", "url", "event_types", "is_active", "created_at", "delivery_log"]
    list_filter = ["is_active", "newsroom_key"]
    list_select_related = ["newsroom_key"]
    search_fields = ["url", "newsroom_key__name"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["newsroom_key", "url", "secret", "events", "is_active"]
        return ["newsroom_key", "url", "secret_hint", "events", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        return ["secret_hint"] if obj is not None else []

    @admin.display(description="secret")
    def secret_hint(self, subscription):
        return f"{subscription.secret[:4]}… (rotate it from the list to get a new one)"

    def save_model(self, request, obj, form, change):
        services.save_subscription(
            subscription=obj, user=request.user, reason="subscription changed" if change else "subscription added"
        )

    @admin.action(description="Rotate the secret (shown once)")
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            secret = services.rotate_secret(subscription=subscription, user=request.user)
            self.message_user(
                request,
                f"New secret for {subscription}: {secret} — give it to the newsroom now; it is not shown again.",
                messages.WARNING,
            )

    @admin.display(description="events")
    def event_types(self, subscription):
        return ", ".join(subscription.events)

    @admin.display(description="deliveries")
    def delivery_log(self, subscription):
        url = reverse("admin:webhooks_delivery_changelist") + f"?subscription__id__exact={subscription.pk}"
        return format_html('<a href="{}">log</a>', url)


class DeliveryAttemptInline(ReadOnly, admin.TabularInline):
    model = DeliveryAttempt
    fields = ["at", "status_code", "error", "duration_ms"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """The delivery log: read-only, but for sending a delivery again."""

    list_display = [
        "event_type",
        "event_id",
        "claim_id",
        "subscription",
        "state",
        "attempts",
        "last_status_code",
        "error",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["state", "event_type", "subscription__newsroom_key"]
    list_select_related = ["subscription__newsroom_key"]
    search_fields = ["=event_id"]
    inlines = [DeliveryAttemptInline]
    actions = ["send_again"]
    fields = [
        "subscription",
        "event_type",
        "event_id",
        "claim_id",
        "change_seq",
        "state",
        "attempts",
        "next_attempt_at",
        "retry_until",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
        "replayed_at",
        "replayed_by",
        "leased_until",
        "task_id",
        "sent_payload",
    ]
    readonly_fields = fields

    @admin.display(description="last error")
    def error(self, delivery):
        return delivery.last_error[:80]

    @admin.display(description="payload")
    def sent_payload(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, indent=2, sort_keys=True))

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.change_delivery")

    @admin.action(description="Send the selected deliveries again", permissions=["replay"])
    def send_again(self, request, queryset):
        count = 0
        for delivery in queryset:
            services.replay(delivery=delivery, user=request.user)
            count += 1
        self.message_user(request, f"Queued {count} delivery(ies) to be sent again.", messages.SUCCESS)
