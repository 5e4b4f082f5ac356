from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "vungxanh.accounts"
    label = "accounts"
    url_prefix = "accounts/"
    verbose_name = _("Accounts")
    nav_items = [
        {"label": _("Users"), "url": "accounts:user-list", "perm": "accounts.view_user"},
    ]
    audit_verbs = {
        "add_assignment": _("Give a role"),
        "change_password": _("Change password"),
        "create_user": _("Create account"),
        "end_assignment": _("End a role"),
        "issue_token": _("Issue an API token"),
        "lock_user": _("Lock account"),
        "login": _("Log in"),
        "login_failed": _("Failed login"),
        "logout": _("Log out"),
        "reset_password": _("Reset password"),
        "revoke_token": _("Revoke an API token"),
        "unlock_user": _("Unlock account"),
        "update_user": _("Update account"),
    }
