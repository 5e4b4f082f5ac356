from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from vungxanh.accounts.models import ApiToken, Assignment, User


class AssignmentInline(admin.TabularInline[Assignment, User]):
    model = Assignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["unit", "write_unit", "facility", "created_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "is_active", "is_superuser", "last_login"]
    search_fields = ["username", "full_name", "email"]
    inlines = [AssignmentInline]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "vungxanh",
            {
                "fields": (
                    "full_name",
                    "phone",
                    "organisation",
                    "failed_login_count",
                    "locked_until",
                )
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix"]
