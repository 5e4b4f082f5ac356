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
