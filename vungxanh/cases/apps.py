from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "vungxanh.cases"
    label = "cases"
    url_prefix = "cases/"
    verbose_name = _("Cases and tracing")
    nav_items: list[dict[str, object]] = [
        {"label": _("Cases"), "url": "cases:case-list", "perm": "cases.view_case", "order": 30},
        {
            "label": _("Tracing tasks"),
            "url": "cases:task-list",
            "perm": "cases.view_tracingtask",
            "order": 31,
        },
        {
            "label": _("Clusters"),
            "url": "cases:cluster-list",
            "perm": "cases.view_cluster",
            "order": 32,
        },
    ]
