"""restrict(): one read path, fail closed, read scope apart from write scope."""

import pytest
from django.contrib.auth.models import AnonymousUser

from vungxanh.accounts import actions
from vungxanh.core.scoping import SYSTEM, OutOfScope, collapse_paths, require, require_unit
from vungxanh.geo.models import AdminUnit, Facility


def test_collapse_paths_keeps_the_widest_roots():
    assert collapse_paths(["/22/193/", "/22/", "/22/194/06709/"]) == ("/22/",)
    assert collapse_paths(["/22/193/06649/", "/22/193/"]) == ("/22/193/",)
    assert collapse_paths([]) == ()


def test_anonymous_and_unassigned_users_see_nothing(world):
    assert not AdminUnit.objects.restrict(AnonymousUser()).exists()
    assert not AdminUnit.objects.restrict(None).exists()
    assert not AdminUnit.objects.restrict(world.user("nobody")).exists()


def test_district_officer_sees_their_district_and_its_ancestors_only(world):
    units = AdminUnit.objects.restrict(world.user("district_a"))
    paths = set(units.values_list("path", flat=True))
    assert "/22/" in paths  # the province, as an ancestor
    assert "/22/193/" in paths
    assert "/22/193/06649/" in paths
    assert not any(p.startswith("/22/194/") for p in paths)
    # siblings of the district are not ancestors
    assert "/22/195/" not in paths
    assert units.filter(level=AdminUnit.Level.COMMUNE).count() == 33


def test_write_scope_is_narrower_than_read_scope(world):
    admin = world.user("province_admin")
    user = world.user("nobody")
    actions.add_assignment(
        actor=admin,
        user=user,
        role="district_officer",
        unit=world.district_a,
        write_unit=world.commune_a,
    )
    user = world.user("nobody")
    readable = AdminUnit.objects.restrict(user, "view").filter(level=3)
    writable = AdminUnit.objects.restrict(user, "change").filter(level=3)
    assert readable.count() == 33
    assert list(writable.values_list("code", flat=True)) == ["06649"]
    require(user, world.commune_a, "change")
    with pytest.raises(OutOfScope):
        require(user, world.commune_a2, "change")


def test_read_only_role_can_write_nothing(world):
    viewer = world.user("viewer")
    assert AdminUnit.objects.restrict(viewer, "view").exists()
    assert not AdminUnit.objects.restrict(viewer, "change").exists()
    with pytest.raises(OutOfScope):
        require_unit(viewer, "geo.change_adminunit", world.commune_a.path, "change")


def test_inactive_user_sees_nothing(world):
    user = world.user("district_a")
    actions.update_user(actor=world.user("province_admin"), user=user, is_active=False)
    assert not AdminUnit.objects.restrict(world.user("district_a")).exists()


def test_lab_technician_sees_their_lab_even_outside_their_unit(world):
    tech = world.user("lab_tech_b")
    visible = Facility.objects.restrict(tech)
    assert visible.filter(code="T-LAB-B").exists()
    assert not visible.filter(code="T-TYT-A").exists()


def test_system_actor_is_explicit_and_unrestricted(world):
    assert AdminUnit.objects.restrict(SYSTEM).count() == AdminUnit.objects.count()


def test_restrict_by_permission_not_only_place(world):
    # A district officer may not read the user list even of their own district.
    from vungxanh.accounts.models import User

    assert not User.objects.restrict(world.user("district_a")).exists()
    assert User.objects.restrict(world.user("province_admin")).filter(username="commune_a").exists()
