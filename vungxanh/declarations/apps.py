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
    audit_verbs = {
        "end_monitoring": _("End monitoring"),
        "extend_monitoring": _("Extend monitoring"),
        "fold_follow_up": _("Follow-up folded into the kept record"),
        "fold_monitoring": _("Monitoring folded into the kept record"),
        "publish_form": _("Publish a declaration form"),
        "raise_follow_up": _("Raise a follow-up"),
        "record_diary_entry": _("Health diary entry"),
        "resolve_follow_up": _("Resolve a follow-up"),
        "show_diary_link": _("Show the diary link"),
        "start_monitoring": _("Start monitoring"),
        "submit_declaration": _("Health declaration"),
        "take_follow_up": _("Take a follow-up"),
    }

    def ready(self) -> None:
        from vungxanh.declarations import panels  # noqa: F401 - registers the person panel
