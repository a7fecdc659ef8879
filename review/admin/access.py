"""Who may get in: newsroom API keys and login lockouts."""

from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from claims.models import (
    NewsroomKey,
)

admin.site.unregister(APIKey)  # the newsroom keys below replace the library's generic ones


@admin.register(NewsroomKey)
class NewsroomKeyAdmin(APIKeyModelAdmin):
    """Create a key per newsroom: it is shown once, on saving, and stored only hashed. Revoke it here."""

    list_display = ["prefix", "name", "acts_as", "created", "expiry_date", "_has_expired", "revoked"]
    list_select_related = ["acts_as"]
    fields = ["name", "acts_as", "expiry_date", "revoked", "prefix"]


class AccessAttemptLockoutAdmin(AccessAttemptAdmin):
    """Failed logins and lockouts (django-axes), with its clean-up action made to work from the admin."""

    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)  # axes sets the attempt time only on login requests
        return super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptLockoutAdmin)
