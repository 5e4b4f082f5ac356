"""Units, successions and facilities, read-only (see vungxanh/core/admin.py): they change
through `vungxanh load_units`, the units pages and their imports (geo.actions)."""

from django.contrib import admin

from vungxanh.core.admin import ReadOnlyAdmin
from vungxanh.geo.models import AdminUnit, Facility, UnitSuccession


@admin.register(AdminUnit)
class AdminUnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "level", "path", "population", "valid_to"]
    list_filter = ["level", "kind", "structure", "is_synthetic"]
    search_fields = ["name", "code", "path"]
    raw_id_fields = ["parent"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ReadOnlyAdmin):
    list_display = ["predecessor", "successor", "kind", "effective_on", "is_default"]
    raw_id_fields = ["predecessor", "successor"]


@admin.register(Facility)
class FacilityAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["unit"]
