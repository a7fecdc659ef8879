from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from claims.signals import claim_changed
        from webhooks.receivers import owe_deliveries

        claim_changed.connect(owe_deliveries, dispatch_uid="webhooks.owe_deliveries")
