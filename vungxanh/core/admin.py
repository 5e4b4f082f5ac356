"""The Django admin (/ops/admin/) is a read-only window for operators (superusers): every
change goes through the application's pages, API or commands, i.e. through the actions that
re-check scope and write the audit log. Its login is the application's own login page, so the
lockout after repeated failures and the audit of failed logins apply to operators too."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest

from vungxanh.core.models import AuditEvent, Job

# Unauthenticated visitors of /ops/admin/login/ are sent to accounts:login (settings.LOGIN_URL).
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: no add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["time", "actor_label", "verb", "target_type", "target_label", "unit_path"]
    list_filter = ["verb", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "request_id"]
    date_hierarchy = "time"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "label", "kind", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
