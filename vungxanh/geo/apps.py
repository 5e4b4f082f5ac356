from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "vungxanh.geo"
    label = "geo"
    url_prefix = "units/"
    verbose_name = _("Administrative units")
    nav_items = [
        {
            "label": _("Units"),
            "url": "geo:adminunit-list",
            "perm": "geo.view_adminunit",
            "order": 800,
        },
    ]
    audit_verbs = {
        "create_village": _("Add a village"),
        "load_units": _("Load administrative units"),
        "set_population": _("Set population"),
    }
