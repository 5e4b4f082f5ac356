"""The Django admin (/ops/admin/) is for operators (superusers) only; officials use the
application's own pages. The audit log is read-only here too."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vungxanh.core.models import AuditEvent, Job


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["time", "actor_label", "verb", "target_type", "target_label", "unit_path"]
    list_filter = ["verb", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "request_id"]
    date_hierarchy = "time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["created_at", "label", "kind", "status", "progress_done", "progress_total"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]
