from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.accounts import actions
from vungxanh.accounts.filters import UserFilter
from vungxanh.accounts.forms import (
    AssignmentForm,
    LoginForm,
    PasswordChangeForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from vungxanh.accounts.models import ApiToken, Assignment, User
from vungxanh.accounts.roles import ROLE_SPECS
from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, add_errors, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm, scope_of
from vungxanh.core.submissions import Submission


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(actor=request.user, verb="logout", target=request.user)
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


@login_required
def user_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "accounts.view_user")
    visible = User.objects.restrict(request.user, "view").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.active().select_related("unit", "facility"),
            to_attr="active_assignments",
        )
    )
    filterset = UserFilter(request.GET, queryset=visible)
    users = filterset.qs if filterset.is_valid() else visible.none()
    page = paginate(request, users.order_by("username"), per_page=50)
    return render(
        request,
        "accounts/user_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "can_add": scope_of(request.user).has_perm("accounts.add_user"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "accounts.add_user")
    form = UserCreateForm(request.POST or None, actor=request.user)
    once = Submission(request, "accounts:user-create")
    if request.method == "POST" and (again := once.repeat()) is not None:
        return again  # a double click: the account exists
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = actions.create_user(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                organisation=data["organisation"],
                role=data["role"],
                unit=data["unit"],
                write_unit=data["write_unit"],
                facility=data["facility"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            # A repeat goes to the account's page: the password is shown only once.
            once.done(reverse("accounts:user-detail", args=[user.public_id]))
            return render(
                request,
                "accounts/user_created.html",
                {"new_user": user, "password": password},
            )
    once.release()
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@object_view(User)
def user_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    return _user_page(request, public_id)


def _user_page(
    request: AuthedHttpRequest,
    public_id: Any,
    *,
    edit_form: UserEditForm | None = None,
    assignment_form: AssignmentForm | None = None,
) -> HttpResponse:
    """The user's page; with a refused form, that form as sent, with its errors."""
    user = get_object_or_404(User.objects.restrict(request.user, "view"), public_id=public_id)
    can_change = User.objects.restrict(request.user, "change").filter(pk=user.pk).exists()
    refused = edit_form is not None or assignment_form is not None
    if edit_form is None and can_change:
        edit_form = UserEditForm(
            initial={
                "full_name": user.full_name,
                "email": user.email,
                "phone": user.phone,
                "organisation": user.organisation,
                "is_active": user.is_active,
            }
        )
    if assignment_form is None and can_change:
        assignment_form = AssignmentForm(actor=request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "assignments": user.assignments.select_related(
                "unit", "write_unit", "facility"
            ).order_by("-is_active", "unit__path"),
            "tokens": user.api_tokens.all()[:20],
            "events": audit.events_for(user)[:20],
            "can_change": can_change,
            "assignment_form": assignment_form,
            "edit_form": edit_form,
            "edit_open": refused and edit_form is not None and edit_form.is_bound,
            "assignment_open": refused and assignment_form is not None and assignment_form.is_bound,
            "role_specs": ROLE_SPECS,
        },
        status=400 if refused else 200,
    )


def _managed_user(request: AuthedHttpRequest, public_id: str) -> User:
    return get_object_or_404(User.objects.restrict(request.user, "change"), public_id=public_id)


@login_required
@object_view(User)
@require_POST
def user_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    form = UserEditForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user.public_id, edit_form=form)
    try:
        actions.update_user(actor=request.user, user=user, **form.cleaned_data)
    except ValidationError as exc:
        add_errors(form, exc)
        return _user_page(request, user.public_id, edit_form=form)
    messages.success(request, _("Saved."))
    return redirect("accounts:user-detail", public_id=user.public_id)


@login_required
@object_view(User)
@require_POST
def assignment_add(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    form = AssignmentForm(request.POST, actor=request.user)
    if not form.is_valid():
        return _user_page(request, user.public_id, assignment_form=form)
    try:
        actions.add_assignment(
            actor=request.user,
            user=user,
            role=form.cleaned_data["role"],
            unit=form.cleaned_data["unit"],
            write_unit=form.cleaned_data["write_unit"],
            facility=form.cleaned_data["facility"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _user_page(request, user.public_id, assignment_form=form)
    messages.success(request, _("Assignment added."))
    return redirect("accounts:user-detail", public_id=user.public_id)


@login_required
@object_view(Assignment)
@require_POST
def assignment_end(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.restrict(request.user, "change").select_related("user"),
        public_id=public_id,
    )
    try:
        actions.end_assignment(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Assignment ended."))
    return redirect("accounts:user-detail", public_id=assignment.user.public_id)


@login_required
@object_view(User)
@require_POST
def user_reset_password(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    password = actions.reset_password(actor=request.user, user=user)
    return render(
        request,
        "accounts/user_created.html",
        {"new_user": user, "password": password, "reset": True},
    )


@login_required
@object_view(User)
@require_POST
def user_unlock(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    actions.unlock_user(actor=request.user, user=user)
    messages.success(request, _("Account unlocked."))
    return redirect("accounts:user-detail", public_id=user.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    password_form = PasswordChangeForm(
        request.POST if request.POST.get("form") == "password" else None
    )
    token_form = TokenForm(request.POST if request.POST.get("form") == "token" else None)
    new_token = None
    if request.method == "POST" and password_form.is_bound and password_form.is_valid():
        try:
            actions.change_own_password(
                user=user,
                old_password=password_form.cleaned_data["old_password"],
                new_password=password_form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errs in exc.message_dict.items():
                    for text in errs:
                        password_form.add_error(
                            field if field in password_form.fields else "new_password", text
                        )
            else:
                for text in exc.messages:
                    password_form.add_error("new_password", text)
        else:
            update_session_auth_hash(request, User.objects.get(pk=user.pk))
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:profile")
    if request.method == "POST" and token_form.is_bound and token_form.is_valid():
        days = token_form.cleaned_data["expires_in_days"]
        _token, new_token = actions.issue_token(
            actor=user,
            user=user,
            name=token_form.cleaned_data["name"],
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        token_form = TokenForm()
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": user.assignments.active().select_related(
                "unit", "write_unit", "facility"
            ),
            "tokens": ApiToken.objects.restrict(user, "view"),
            "password_form": password_form,
            "token_form": token_form,
            "new_token": new_token,
        },
    )


@login_required
@object_view(ApiToken)
@require_POST
def token_revoke(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.restrict(request.user, "view"), public_id=public_id)
    actions.revoke_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")
