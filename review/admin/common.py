"""What every page of the reviewers' admin shares: service refusals as messages, estimated
counts, status badges, and read-only history pages."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.models import (
    Status,
)

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
            try:
                sql, params = queryset.order_by().values("pk").query.sql_with_params()
            except EmptyResultSet:  # a filter that can match nothing (pk__in=[], .none())
                return 0
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


def posted_version(request) -> int | None:
    """The claim version a posted claim page was rendered with (refused as stale if unreadable)."""
    return services.parse_version(request.POST.get("expected_version"))


def claims_with_status(claims) -> str:
    """A list of claims, each linked, with its status badge, for source and document pages."""
    rows = format_html_join(
        "",
        '<li><a href="{}">{}</a> {}</li>',
        ((reverse("admin:claims_claim_change", args=[c.pk]), str(c), status_badge(c.status)) for c in claims),
    )
    return format_html('<ul class="claims-with-status">{}</ul>', rows) if rows else "None yet."


class ReadOnly:
    """An admin page (or inline) that lists and shows, and never adds, changes or deletes: what it
    shows is written elsewhere, through the services. The one place these three are refused."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def number_as_written(value) -> str:
    """500, not 500.0000; 8,000 with its separator: a number as people write it."""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return f"{value:,}"


def display_for_field_as_written(display_for_field):
    """Django's read-only display of a field, with numbers as people write them.

    Django shows a DecimalField with all its places and no separator (500.0000, 8000) on
    read-only pages, inlines and history; installed for the admin by ReviewConfig.ready."""

    def display(value, field, empty_value_display, *args, **kwargs):
        numeric = isinstance(field, (models.DecimalField, models.IntegerField)) and not isinstance(
            field, models.AutoField
        )
        if numeric and isinstance(value, (int, Decimal)) and not isinstance(value, bool) and not field.choices:
            return number_as_written(value)
        return display_for_field(value, field, empty_value_display, *args, **kwargs)

    return display


SEED_REASON = "loaded from the seed"


class DeskHistory:
    """A history page that says who and what in the desk's words: a change no one signed in
    made was loaded from the seed or written by a command; a row says what changed (the
    evidence added, the verdict proposed) where the record itself only shows a version."""

    object_history_list_template = "review/object_history_list.html"

    def set_history_delta_changes(self, request, page_obj, *args, **kwargs):
        super().set_history_delta_changes(request, page_obj, *args, **kwargs)
        for record in page_obj.object_list:
            reason = record.history_change_reason or ""
            # A command names itself (claims.services.run_by): "loaded from the seed: claim recorded".
            record.changed_by_no_one = SEED_REASON if reason.startswith(SEED_REASON) else "a command (no one signed in)"
            record.what_changed = self.what_changed(record)

    def what_changed(self, record) -> str:
        return ""


class ReadOnlyHistoryAdmin(ReadOnly, DeskHistory, SimpleHistoryAdmin):
    """Written through other pages and the services; here to list them and show their history."""
