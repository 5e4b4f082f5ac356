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
    audit_verbs = {
        "build_pools": _("Build pools"),
        "cancel_sampling_task": _("Cancel sampling task"),
        "close_run": _("Close run"),
        "collect_sample": _("Collect sample"),
        "collect_screening_batch": _("Screening session samples"),
        "confirm_case_failed": _("Case not confirmed from result"),
        "correct_result": _("Correct a result"),
        "create_rule_set": _("Create testing rule set"),
        "create_run": _("Create run"),
        "create_sampling_site": _("Create sampling site"),
        "import_results": _("Import results"),
        "print_label": _("Print label"),
        "receive_samples": _("Receive samples"),
        "record_result": _("Record result"),
        "register_laboratory": _("Register laboratory"),
        "reject_sample": _("Reject sample"),
        "update_laboratory": _("Update laboratory"),
    }
