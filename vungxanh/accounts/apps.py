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
