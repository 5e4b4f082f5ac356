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
    audit_verbs = {
        "add_venue_member": _("Add venue staff"),
        "add_venue_staff": _("Create a venue staff account"),
        "approve_venue": _("Approve venue"),
        "check_in": _("Check-in at a venue"),
        "check_out": _("Check-out from a venue"),
        "create_checkin_rules": _("Set check-in rules"),
        "purge_checkins": _("Delete expired check-ins"),
        "record_checkins": _("Check-ins received"),
        "register_venue": _("Register venue"),
        "reissue_qr": _("Reissue QR code"),
        "set_venue_status": _("Change venue status"),
        "submit_venue": _("Venue submitted for approval"),
        "update_venue": _("Update venue"),
    }
