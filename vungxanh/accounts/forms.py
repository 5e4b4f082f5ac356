from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.accounts import actions
from vungxanh.accounts.models import User
from vungxanh.accounts.roles import ROLE_SPECS, Role
from vungxanh.core.submissions import OnceFormMixin
from vungxanh.geo.models import AdminUnit, Facility


class LoginForm(AuthenticationForm):
    """Django's login form with a lockout after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password."),
        "locked": _(
            "This account is locked after too many failed logins. Try again in "
            "%(minutes)d minutes or ask your administrator."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.cleaned_data.get("username") or "").strip()
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and user.is_locked():
            assert user.locked_until is not None
            minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": minutes}
            )
        try:
            data = super().clean()
        except forms.ValidationError:
            if username:
                actions.record_login_failure(username=username)
            raise
        if self.user_cache is not None:
            actions.record_login_success(user=self.user_cache)
        return data


class UnitChoiceField(forms.ModelChoiceField[AdminUnit]):
    def label_from_instance(self, obj: Any) -> str:
        indent = "· " * max(0, obj.level - 1)
        return f"{indent}{obj.name} ({obj.code})"


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(label=_("Read scope (unit)"), queryset=AdminUnit.objects.none())
    write_unit = UnitChoiceField(
        label=_("Write scope"),
        queryset=AdminUnit.objects.none(),
        required=False,
        help_text=_("Usually the same unit. Leave empty for read-only."),
    )
    facility = forms.ModelChoiceField(
        label=_("Facility"),
        queryset=Facility.objects.none(),
        required=False,
        help_text=_("For laboratory, facility and checkpoint roles."),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = (
            AdminUnit.objects.restrict(actor, "change")
            .current()
            .filter(level__lte=AdminUnit.Level.COMMUNE)
            .order_by("path")
        )
        unit_field: Any = self.fields["unit"]
        write_field: Any = self.fields["write_unit"]
        facility_field: Any = self.fields["facility"]
        unit_field.queryset = units
        write_field.queryset = units
        facility_field.queryset = (
            Facility.objects.restrict(actor, "view").active().order_by("kind", "name")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role and data.get("unit") and not data.get("write_unit"):
            spec = ROLE_SPECS[role]
            if spec.can_write and not self.data.get("read_only"):
                data["write_unit"] = data["unit"]
        if role and data.get("unit"):
            try:
                actions.validate_assignment(
                    role=role,
                    unit=data["unit"],
                    write_unit=data.get("write_unit"),
                    facility=data.get("facility"),
                )
            except forms.ValidationError as exc:
                self.add_error(None, exc)
        return data


class UserCreateForm(OnceFormMixin, AssignmentForm):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[a-z0-9._-]{3,64}$",
        error_messages={
            "invalid": _("3–64 characters: lowercase letters, digits, dot, dash, underscore.")
        },
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)

    field_order = ["username", "full_name", "email", "phone", "organisation"]

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, max_value=730, initial=90
    )
