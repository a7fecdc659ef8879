"""The desk's admin site: Django's, with the settings the desk needs stated once, and a claim
picker that says who made each claim.

Installed through `DeskAdminConfig` in INSTALLED_APPS in place of "django.contrib.admin", as
Django documents for overriding the default site, so `admin.site` and `@admin.register` are it.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class DeskAutocomplete(AutocompleteJsonView):
    """The search boxes of autocomplete fields. A model that says how a search box should offer
    it (`picker_label`, with the relations it reads in `picker_related`) is offered so: a claim
    with its speaker ("Muhannad Haimour: Islamic State militants killed …"), since the same
    words from two people are two claims and the evidence form must not let a reviewer pick the
    wrong one by its text alone."""

    def get_queryset(self):
        queryset = super().get_queryset()
        related = getattr(queryset.model, "picker_related", ())
        return queryset.select_related(*related) if related else queryset  # select_related() alone joins every key

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        result["text"] = getattr(obj, "picker_label", result["text"])
        return result


class DeskAdminSite(admin.AdminSite):
    site_header = "Claim tracker"
    site_title = "Claim tracker"
    index_title = "Sources, claims and verdicts"
    site_url = "/api/docs/"  # "View site": the newsroom API's docs; the desk works in the admin
    index_template = "review/desk_index.html"  # the desk's queues first, then Claims (review/desk.py)
    enable_nav_sidebar = False  # the queue's columns need the width

    def autocomplete_view(self, request):
        return DeskAutocomplete.as_view(admin_site=self)(request)


class DeskAdminConfig(AdminConfig):
    default_site = "review.site.DeskAdminSite"
