"""Every write to users, assignments and tokens. Views, the API and commands call these;
each re-checks scope inside its transaction and writes the audit log."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.accounts.models import ApiToken, Assignment, User
from vungxanh.accounts.roles import DELEGABLE_ROLES, ROLE_SPECS, Role
from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, require, require_perm, scope_of
from vungxanh.geo.models import AdminUnit, Facility

USER_FIELDS = ("username", "full_name", "email", "phone", "organisation", "is_active")


def validate_assignment(
    *, role: str, unit: AdminUnit, write_unit: AdminUnit | None, facility: Facility | None
) -> None:
    """Business rules of an assignment, as messages an administrator understands."""
    spec = ROLE_SPECS.get(role)
    if spec is None:
        raise ValidationError({"role": _("Unknown role.")})
    errors: dict[str, str] = {}
    if unit.level not in spec.unit_levels:
        levels = ", ".join(str(AdminUnit.Level(level).label) for level in sorted(spec.unit_levels))
        errors["unit"] = _("A %(role)s is assigned to a unit of level: %(levels)s.") % {
            "role": spec.role.label,
            "levels": levels,
        }
    if write_unit is not None:
        if not spec.can_write:
            errors["write_unit"] = _("This role is read-only; leave the write scope empty.")
        elif not write_unit.path.startswith(unit.path):
            errors["write_unit"] = _("The write scope must be the read scope or a unit inside it.")
    if spec.facility_required and facility is None:
        errors["facility"] = _("This role works for one facility; choose it.")
    if facility is not None:
        if spec.facility_kinds and facility.kind not in spec.facility_kinds:
            errors["facility"] = _("A %(role)s cannot be tied to a %(kind)s.") % {
                "role": spec.role.label,
                "kind": facility.get_kind_display(),
            }
        elif not spec.facility_kinds:
            errors["facility"] = _("This role is not tied to a facility.")
        elif not (
            facility.unit.path.startswith(unit.path) or unit.path.startswith(facility.unit.path)
        ):
            errors["facility"] = _("The facility must be in or above the assigned unit.")
    if errors:
        raise ValidationError(errors)


def _check_manage(actor: Any, unit: AdminUnit, role: str | None = None) -> None:
    """Managing a user or an assignment needs the permission and the unit in write scope.
    Roles in DELEGABLE_ROLES may also be given by officials holding ``accounts.add_<role>``
    for that unit (a commune gives a venue owner an account)."""
    scope = scope_of(actor)
    if role in DELEGABLE_ROLES and scope.covers(f"accounts.add_{role}", "add", unit.path):
        return
    require_perm(actor, "accounts.change_user")
    if not scope.covers("accounts.change_user", "change", unit.path):
        raise OutOfScope()


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    role: str,
    unit: AdminUnit,
    write_unit: AdminUnit | None,
    facility: Facility | None = None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    organisation: str = "",
    password: str | None = None,
) -> tuple[User, str]:
    """Create a user with their first assignment. Returns the user and the initial password
    (generated when not given; shown once)."""
    _check_manage(actor, unit, role)
    if write_unit is not None:
        _check_manage(actor, write_unit, role)
    validate_assignment(role=role, unit=unit, write_unit=write_unit, facility=facility)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    if password is None:
        password = secrets.token_urlsafe(12)
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        organisation=organisation,
    )
    if isinstance(actor, User):  # operators creating accounts from the shell skip this check
        validate_password(password, user)
    user.set_password(password)
    user.save()
    assignment = Assignment.objects.create(
        user=user,
        role=role,
        unit=unit,
        write_unit=write_unit,
        facility=facility,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit.record(
        actor=actor,
        verb="create_user",
        target=user,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(user, USER_FIELDS)),
        extra={"assignment": _assignment_summary(assignment)},
    )
    return user, password


def _assignment_summary(a: Assignment) -> dict[str, Any]:
    return {
        "id": str(a.public_id),
        "role": a.role,
        "unit": a.unit.path,
        "write_unit": a.write_unit.path if a.write_unit else None,
        "facility": a.facility.code if a.facility else None,
    }


def _home_path(user: User) -> str:
    first = user.assignments.select_related("unit").order_by("unit__path").first()
    return first.unit.path if first else ""


@transaction.atomic
def update_user(*, actor: Any, user: User, **fields: Any) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    require(actor, user, "change")
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    if "is_active" in fields and user.pk == getattr(actor, "pk", None) and not fields["is_active"]:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    before = audit.snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            verb="update_user",
            target=user,
            unit_path=_home_path(user),
            changes=changes,
        )
    return user


@transaction.atomic
def add_assignment(
    *,
    actor: Any,
    user: User,
    role: str,
    unit: AdminUnit,
    write_unit: AdminUnit | None,
    facility: Facility | None = None,
    valid_until: datetime.date | None = None,
) -> Assignment:
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_manage(actor, unit)
    if write_unit is not None:
        _check_manage(actor, write_unit)
    # The user must already be someone the actor manages, or have no assignment at all.
    if user.assignments.exists():
        require(actor, user, "change")
    validate_assignment(role=role, unit=unit, write_unit=write_unit, facility=facility)
    if user.assignments.filter(is_active=True, role=role, unit=unit).exists():
        raise ValidationError(_("This user already has this role in this unit."))
    assignment = Assignment.objects.create(
        user=user,
        role=role,
        unit=unit,
        write_unit=write_unit,
        facility=facility,
        valid_until=valid_until,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit.record(
        actor=actor,
        verb="add_assignment",
        target=user,
        unit_path=unit.path,
        extra={"assignment": _assignment_summary(assignment)},
    )
    return assignment


@transaction.atomic
def end_assignment(*, actor: Any, assignment: Assignment) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("unit").get(pk=assignment.pk)
    _check_manage(actor, assignment.unit)
    if assignment.user_id == getattr(actor, "pk", None) and assignment.role == Role.PROVINCE_ADMIN:
        raise ValidationError(_("You cannot remove your own administrator role."))
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        verb="end_assignment",
        target=assignment.user,
        unit_path=assignment.unit.path,
        extra={"assignment": _assignment_summary(assignment)},
    )
    return assignment


@transaction.atomic
def reset_password(*, actor: Any, user: User, password: str | None = None) -> str:
    """An administrator sets a new password (generated when not given) and unlocks."""
    user = User.objects.select_for_update().get(pk=user.pk)
    require(actor, user, "change")
    if password is None:
        password = secrets.token_urlsafe(12)
    else:
        validate_password(password, user)
    user.set_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_login_count", "locked_until"])
    audit.record(actor=actor, verb="reset_password", target=user, unit_path=_home_path(user))
    return password


@transaction.atomic
def change_own_password(*, user: User, old_password: str, new_password: str) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("The current password is wrong.")})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor=user, verb="change_password", target=user, unit_path=_home_path(user))


@transaction.atomic
def unlock_user(*, actor: Any, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    require(actor, user, "change")
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    audit.record(actor=actor, verb="unlock_user", target=user, unit_path=_home_path(user))
    return user


@transaction.atomic
def record_login_failure(*, username: str) -> User | None:
    """Count a failed login; lock the account for a while after too many."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        audit.record(actor=None, verb="login_failed", target_label=username[:150])
        return None
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count"])
    audit.record(actor=None, verb="login_failed", target=user, unit_path=_home_path(user))
    if user.failed_login_count >= settings.LOGIN_FAILURE_LIMIT and not user.is_locked():
        user.locked_until = timezone.now() + datetime.timedelta(
            minutes=settings.LOGIN_LOCKOUT_MINUTES
        )
        user.save(update_fields=["locked_until"])
        audit.record(
            actor=None,
            verb="lock_user",
            target=user,
            unit_path=_home_path(user),
            extra={"failed_logins": user.failed_login_count},
        )
    return user


@transaction.atomic
def record_login_success(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(
        failed_login_count=0, locked_until=None, last_login=timezone.now()
    )
    audit.record(actor=user, verb="login", target=user, unit_path=_home_path(user))


@transaction.atomic
def issue_token(
    *, actor: Any, user: User, name: str, expires_at: datetime.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new API token for ``user`` (yourself, or someone you manage). The raw token is
    returned once and never stored."""
    if getattr(actor, "pk", None) != user.pk:
        require(actor, user, "change")
    raw, prefix, key_hash = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=key_hash, expires_at=expires_at
    )
    audit.record(
        actor=actor,
        verb="issue_token",
        target=user,
        unit_path=_home_path(user),
        extra={"token": prefix, "name": name},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if getattr(actor, "pk", None) != token.user_id:
        require(actor, token.user, "change")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            verb="revoke_token",
            target=token.user,
            unit_path=_home_path(token.user),
            extra={"token": token.prefix},
        )
    return token
