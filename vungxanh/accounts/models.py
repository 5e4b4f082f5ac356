"""Users, their unit assignments (role + read scope + write scope) and API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from vungxanh.accounts.roles import ROLE_SPECS, Role
from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import Grant, RestrictedQuerySet, Scope, path_prefix_q
from vungxanh.geo.models import AdminUnit, Facility


class UserQuerySet(RestrictedQuerySet["User"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        # A user belongs where their assignments are; managing them needs all of them in scope.
        in_scope = Assignment.objects.filter(
            unit__in=AdminUnit.objects.filter(path_prefix_q("path", paths)).values("pk")
        )
        outside = Assignment.objects.exclude(
            unit__in=AdminUnit.objects.filter(path_prefix_q("path", paths)).values("pk")
        )
        q = Q(pk__in=in_scope.values("user_id"))
        if action != "view":
            q &= ~Q(pk__in=outside.values("user_id"))
        return q


class VungxanhUserManager(UserManager["User"]):
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def restrict(self, user: Any, action: str = "view") -> UserQuerySet:
        return self.get_queryset().restrict(user, action)


class User(AbstractUser):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(_("failed logins"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    objects = VungxanhUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_locked(self, now: datetime.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())

    @cached_property
    def scope(self) -> Scope:
        """What this user may see and change, built once per request from the active
        assignments. Superusers (created by hand for operations) are unrestricted."""
        if not self.is_active:
            return Scope(user_id=self.pk)
        if self.is_superuser:
            return Scope(user_id=self.pk, unrestricted=True)
        grants: list[Grant] = []
        for a in self.assignments.active().select_related("unit", "write_unit"):
            spec = ROLE_SPECS.get(a.role)
            if spec is None:
                continue
            write_path = a.write_unit.path if a.write_unit is not None and spec.can_write else None
            grants.append(
                Grant(
                    role=a.role,
                    perms=spec.perms,
                    read_path=a.unit.path,
                    write_path=write_path,
                    facility_id=a.facility_id,
                )
            )
        return Scope(user_id=self.pk, grants=tuple(grants))

    @cached_property
    def primary_assignment(self) -> Assignment | None:
        return (
            self.assignments.active()
            .select_related("unit", "facility")
            .order_by("unit__path", "pk")
            .first()
        )


class AssignmentQuerySet(RestrictedQuerySet["Assignment"]):
    scope_units = ("unit",)

    def active(self) -> AssignmentQuerySet:
        today = timezone.localdate()
        return self.filter(
            Q(is_active=True),
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
            user__is_active=True,
        )


class Assignment(PublicIdModel):
    """A user holds a role in a unit. ``unit`` is the read scope (the unit and everything
    below it); ``write_unit`` the write scope, the same unit or one below it, or empty for
    read-only. Laboratory and facility roles are also tied to one facility."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role)
    unit = models.ForeignKey(
        AdminUnit, verbose_name=_("read scope"), on_delete=models.PROTECT, related_name="+"
    )
    write_unit = models.ForeignKey(
        AdminUnit,
        verbose_name=_("write scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    facility = models.ForeignKey(
        Facility,
        verbose_name=_("facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    is_active = models.BooleanField(_("active"), default=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(is_active=True),
                name="accounts_assignment_unique_active_role_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} — {self.unit}"

    @property
    def is_read_only(self) -> bool:
        spec = ROLE_SPECS.get(self.role)
        return self.write_unit_id is None or spec is None or not spec.can_write


TOKEN_PREFIX = "vx_"  # noqa: S105 - a marker, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(RestrictedQuerySet["ApiToken"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        if scope.user_id is None:
            return None
        return Q(user_id=scope.user_id)

    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(
            Q(revoked_at__isnull=True), Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(PublicIdModel):
    """A bearer token for the API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new raw token, its display prefix and its hash."""
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        return raw, prefix, hash_token(raw)
