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
    audit_verbs = {
        "add_contact": _("Add a contact"),
        "add_landmark": _("Add an epidemiological landmark"),
        "add_to_cluster": _("Add to cluster"),
        "cancel_task": _("Cancel tracing task"),
        "close_cluster": _("Close cluster"),
        "close_task": _("Close tracing task"),
        "confirm_case": _("Confirm case"),
        "confirm_cluster": _("Confirm cluster"),
        "confirm_contact": _("Confirm contact"),
        "confirm_proposals": _("Confirm proposed F1s"),
        "create_task": _("Create tracing task"),
        "discard_case": _("Discard case"),
        "dismiss_cluster": _("Dismiss cluster"),
        "dismiss_contact": _("Dismiss contact"),
        "positive_rapid_test": _("Positive rapid test"),
        "propose_cluster": _("Propose cluster"),
        "publish_landmark": _("Publish landmark"),
        "publish_rule_set": _("Publish case rule set"),
        "refresh_landmarks": _("Refresh landmarks"),
        "register_suspected_case": _("Register suspected case"),
        "regrade_contact": _("Regrade contact"),
        "reinstate_case": _("Reinstate case"),
        "remove_from_cluster": _("Remove from cluster"),
        "remove_landmark": _("Remove landmark"),
        "reopen_task": _("Reopen tracing task"),
        "repoint_task": _("Move tracing task to another case"),
        "restore_cluster": _("Restore cluster"),
        "task_notified": _("Contact notified"),
        "task_quarantined": _("Contact quarantined"),
        "task_sampled": _("Contact sampled"),
        "update_case": _("Update case"),
        "view_proposals": _("View proposed F1s"),
        "withdraw_landmark": _("Withdraw landmark"),
    }
