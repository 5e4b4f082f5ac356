from django.contrib import admin

from vungxanh.geo.models import AdminUnit, Facility, UnitSuccession


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin[AdminUnit]):
    list_display = ["name", "code", "kind", "level", "path", "population", "valid_to"]
    list_filter = ["level", "kind", "structure", "is_synthetic"]
    search_fields = ["name", "code", "path"]
    raw_id_fields = ["parent"]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin[UnitSuccession]):
    list_display = ["predecessor", "successor", "kind", "effective_on", "is_default"]
    raw_id_fields = ["predecessor", "successor"]


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin[Facility]):
    list_display = ["name", "code", "kind", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    raw_id_fields = ["unit"]
