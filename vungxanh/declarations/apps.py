from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "vungxanh.declarations"
    label = "declarations"
    url_prefix = "declarations/"
    verbose_name = _("Health declarations")
    nav_items: list[dict[str, object]] = []
