from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabsConfig(AppConfig):
    name = "vungxanh.labs"
    label = "labs"
    url_prefix = "labs/"
    verbose_name = _("Testing and laboratories")
    nav_items = [
        {
            "label": _("Testing"),
            "url": "labs:dashboard",
            "perm": "labs.view_sample",
            "order": 300,
        },
    ]
