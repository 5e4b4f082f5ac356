"""Users, assignments and API tokens, read-only (see vungxanh/core/admin.py): they are managed
at /accounts/users/ (province administrators) and with `vungxanh create_user`, through
accounts.actions, which check scope and write the audit log."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from vungxanh.accounts.models import ApiToken, Assignment, User
from vungxanh.core.admin import ReadOnlyAdmin


class AssignmentInline(admin.TabularInline[Assignment, User]):
    model = Assignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["unit", "write_unit", "facility", "created_by"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, DjangoUserAdmin):
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
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at"]
    exclude = ["key_hash"]
