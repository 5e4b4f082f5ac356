from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "vungxanh.cases"
    label = "cases"
    url_prefix = "cases/"
    verbose_name = _("Cases and tracing")
    nav_items: list[dict[str, object]] = []
