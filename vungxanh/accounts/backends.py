"""Password authentication by Django's model backend; permissions from roles (not from
Django's per-user permission tables)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from vungxanh.core.scoping import scope_of


class RoleBackend(ModelBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active:
            return False
        return scope_of(user_obj).has_perm(perm)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        # The Django admin is for operators (superusers) only.
        return bool(user_obj.is_active and user_obj.is_superuser)

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
