from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vungxanh.core"
    label = "core"
    url_prefix = ""
    verbose_name = _("Core")
    nav_items = [
        {
            "label": _("Audit log"),
            "url": "core:auditevent-list",
            "perm": "core.view_auditevent",
            "order": 900,
        },
    ]
    audit_verbs = {
        "download": _("Download a file"),
        "export": _("Export a list"),
        "list": _("Read a list"),
        "start_job": _("Start a background job"),
        "view": _("View a record"),
    }

    def ready(self) -> None:
        from vungxanh.core import checks  # noqa: F401 (registers the system checks)
