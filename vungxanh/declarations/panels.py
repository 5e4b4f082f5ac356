"""What the declarations app shows on a person's page (see people.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from vungxanh.core.scoping import scope_of
from vungxanh.declarations.models import Declaration, FollowUp, Monitoring
from vungxanh.people.panels import Panel, register_person_panel


@register_person_panel
def declarations_panel(request: HttpRequest, person: Any) -> Panel | None:
    user = request.user
    if not scope_of(user).has_perm("declarations.view_declaration"):
        return None
    return Panel(
        title=_("Health declarations and follow-up"),
        template="declarations/includes/person_panel.html",
        context={
            "person": person,
            "declarations": Declaration.objects.restrict(user, "view")
            .filter(person=person)
            .order_by("-submitted_at")[:10],
            "follow_ups": FollowUp.objects.restrict(user, "view")
            .filter(person=person)
            .order_by("-last_seen")[:10],
            "monitorings": Monitoring.objects.restrict(user, "view")
            .filter(person=person)
            .order_by("-starts_on")[:5],
            "can_monitor": scope_of(user).has_perm("declarations.add_monitoring"),
        },
        order=20,
    )
