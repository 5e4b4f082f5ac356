from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "vungxanh.declarations"
    label = "declarations"
    url_prefix = "declarations/"
    verbose_name = _("Health declarations")
    nav_items = [
        {
            "label": _("Follow-ups"),
            "url": "declarations:followup-list",
            "perm": "declarations.view_followup",
            "order": 12,
        },
        {
            "label": _("Declarations"),
            "url": "declarations:declaration-list",
            "perm": "declarations.view_declaration",
            "order": 14,
        },
        {
            "label": _("Door to door"),
            "url": "declarations:door-to-door",
            "perm": "declarations.add_declaration",
            "order": 16,
        },
        {
            "label": _("Monitoring"),
            "url": "declarations:monitoring-list",
            "perm": "declarations.view_monitoring",
            "order": 18,
        },
    ]

    def ready(self) -> None:
        from vungxanh.declarations import panels  # noqa: F401 - registers the person panel
