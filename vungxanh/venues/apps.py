from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "vungxanh.venues"
    label = "venues"
    url_prefix = "venues/"
    verbose_name = _("Venues and check-in")
    # One entry for officials (venues.*) and venue staff (venues.own_*) alike: the list
    # sends staff to their own venues.
    nav_items: list[dict[str, object]] = [
        {
            "label": _("Venues"),
            "url": "venues:venue-list",
            "perm": "venues.own_venue",
            "order": 30,
        },
    ]
