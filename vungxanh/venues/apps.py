from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VenuesConfig(AppConfig):
    name = "vungxanh.venues"
    label = "venues"
    url_prefix = "venues/"
    verbose_name = _("Venues and check-in")
    nav_items: list[dict[str, object]] = []
