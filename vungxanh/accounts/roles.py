"""Roles and what each may do. A role grants permission patterns (``app.action_model``,
shell-style wildcards); *where* it applies comes from the assignment's read and write units.

Permission names follow Django's convention (``people.view_person``) plus a few named
capabilities (``accounts.manage_users``, ``core.view_auditevent``, ``*.export_*``).
Keep this table the single source: the user-management screens, the API and the contract
tests read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    PROVINCE_OFFICER = "province_officer", _("Province officer (steering committee, health)")
    DISTRICT_OFFICER = "district_officer", _("District officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer / health station")
    COMMUNITY_MEMBER = "community_member", _("Community COVID team member")
    LAB_TECHNICIAN = "lab_technician", _("Laboratory technician")
    FACILITY_STAFF = "facility_staff", _("Quarantine / treatment facility staff")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Checkpoint officer")
    VIEWER = "viewer", _("Read-only viewer")
    VENUE_STAFF = "venue_staff", _("Venue owner or staff")


@dataclass(frozen=True)
class RoleSpec:
    role: Role
    description: Promise
    perms: frozenset[str]
    # Levels of unit an assignment of this role may be anchored at (1 province … 4 village).
    unit_levels: frozenset[int]
    # Facility kinds the role is tied to; empty: none needed.
    facility_kinds: frozenset[str] = frozenset()
    facility_required: bool = False
    can_write: bool = True


# Roles that officials of an area may hand out themselves (not only province administrators):
# a commune approves a venue and gives its owner an account.
DELEGABLE_ROLES = frozenset({"venue_staff"})
_DELEGATE = {"accounts.add_venue_staff"}
# Officials who run an area keep its unit data: populations, villages.
_UNIT_UPKEEP = {"geo.change_adminunit", "geo.add_adminunit"}
# Reading the unit tree and the facility list is common to every role.
_REFERENCE = {"geo.view_adminunit", "geo.view_facility", "core.view_job", "core.change_job"}

# What officials who run an area do (registry, declarations, tracing, quarantine…).
# Domain apps add their models under these app labels.
_AREA_WORK = {
    "people.*",
    "declarations.*",
    "venues.*",
    "cases.*",
    "labs.view_*",
    "labs.add_sample",  # communes take re-test and confirmation samples
    "labs.change_samplingtask",
    "quarantine.*",
    "treatment.*",
    "vaccination.*",
    "levels.view_*",
    "checkpoints.view_*",
    "tips.*",
    "businesses.*",
    "planning.view_*",
    "reports.*",
}

# What a laboratory's technicians do: receive, pool, run, enter and correct results, keep
# their laboratory's capacity. Registering laboratories, sampling sites and the testing
# rules are the health department's (labs.* of the province roles).
_LAB_WORK = {
    "labs.view_*",
    "labs.add_sample",
    "labs.change_sample",
    "labs.*_pool",
    "labs.*_poolmember",
    "labs.*_run",
    "labs.*_resultrecord",
    "labs.*_resultcorrection",
    "labs.change_samplingtask",
    "labs.change_laboratory",
    "labs.report_positive",
}

ROLE_SPECS: dict[str, RoleSpec] = {
    spec.role.value: spec
    for spec in [
        RoleSpec(
            Role.PROVINCE_ADMIN,
            _("Manages users and assignments, reads the audit log, edits units and facilities."),
            frozenset(
                _REFERENCE
                | _AREA_WORK
                | {
                    "geo.*",
                    "accounts.*",
                    "core.view_auditevent",
                    "levels.*",
                    "labs.*",
                    "checkpoints.*",
                    "planning.*",
                }
            ),
            frozenset({1}),
        ),
        RoleSpec(
            Role.PROVINCE_OFFICER,
            _("Steering committee and health department: everything in the province."),
            frozenset(
                _REFERENCE
                | _AREA_WORK
                | _UNIT_UPKEEP
                | _DELEGATE
                | {"levels.*", "labs.*", "checkpoints.*", "planning.*"}
            ),
            frozenset({1}),
        ),
        RoleSpec(
            Role.DISTRICT_OFFICER,
            _("District health centre and district steering committee: their district."),
            frozenset(
                _REFERENCE
                | _AREA_WORK
                | _UNIT_UPKEEP
                | _DELEGATE
                | {"levels.propose_*", "checkpoints.*"}
            ),
            frozenset({2}),
        ),
        RoleSpec(
            Role.COMMUNE_OFFICER,
            _("Commune people's committee and health station: their commune."),
            frozenset(_REFERENCE | _AREA_WORK | _UNIT_UPKEEP | _DELEGATE | {"levels.propose_*"}),
            frozenset({3}),
        ),
        RoleSpec(
            Role.COMMUNITY_MEMBER,
            _("Door-to-door team of a village: households, declarations, monitoring."),
            frozenset(
                _REFERENCE
                | {
                    "people.view_*",
                    "people.add_*",
                    "people.change_*",
                    "declarations.*",
                    "quarantine.view_*",
                    "quarantine.add_monitoring*",
                    "cases.view_tracingtask",  # door-to-door notification of F1s
                    "cases.change_tracingtask",
                    "tips.view_*",
                    "tips.add_*",
                }
            ),
            frozenset({3, 4}),
        ),
        RoleSpec(
            Role.LAB_TECHNICIAN,
            _("Receives samples, builds pools and enters results for one laboratory."),
            frozenset(_REFERENCE | _LAB_WORK),
            frozenset({1, 2, 3}),
            facility_kinds=frozenset({"laboratory"}),
            facility_required=True,
        ),
        RoleSpec(
            Role.FACILITY_STAFF,
            _("Intake, rooms and beds, discharge for one quarantine or treatment facility."),
            frozenset(_REFERENCE | {"quarantine.*", "treatment.*"}),
            frozenset({1, 2, 3}),
            facility_kinds=frozenset({"quarantine", "treatment", "hospital", "medical_centre"}),
            facility_required=True,
        ),
        RoleSpec(
            Role.CHECKPOINT_OFFICER,
            _("Records who enters the province at a checkpoint."),
            frozenset(_REFERENCE | {"checkpoints.*", "declarations.add_*", "declarations.view_*"}),
            frozenset({1, 2, 3}),
            facility_kinds=frozenset({"checkpoint"}),
        ),
        RoleSpec(
            Role.VIEWER,
            _("Reads dashboards, reports and levels of their area; no personal records."),
            frozenset(
                (_REFERENCE - {"core.change_job"})
                | {"reports.view_*", "levels.view_*", "planning.view_*"}
            ),
            frozenset({1, 2, 3, 4}),
            can_write=False,
        ),
        RoleSpec(
            Role.VENUE_STAFF,
            _("Owner or staff of registered venues: QR posters, scanning visitors, daily counts."),
            # "own" permissions are honoured only for the venues the user is a member of; the
            # assignment's unit (the commune where they operate) gives no access to records.
            frozenset((_REFERENCE - {"geo.view_facility"}) | {"venues.own_*"}),
            frozenset({3}),
        ),
    ]
}


def spec_for(role: str) -> RoleSpec:
    return ROLE_SPECS[role]
