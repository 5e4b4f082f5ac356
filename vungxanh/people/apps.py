from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "vungxanh.people"
    label = "people"
    url_prefix = "people/"
    verbose_name = _("Population registry")
    nav_items = [
        {
            "label": _("Residents"),
            "url": "people:person-list",
            "perm": "people.view_person",
            "order": 10,
        },
    ]
    audit_verbs = {
        "add_household_member": _("Add a household member"),
        "create_household": _("Create household"),
        "create_person": _("Register a person"),
        "identify_person": _("Identify a person"),
        "mark_not_duplicate": _("Mark as not the same person"),
        "merge_persons": _("Merge two records"),
        "merged_into": _("Merged into another record"),
        "remove_household_member": _("Remove a household member"),
        "update_household": _("Update household"),
        "update_person": _("Update a person"),
        "view_residents": _("View who lives here"),
    }
