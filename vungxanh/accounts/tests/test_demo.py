"""The demo that `make run` builds: commune populations consistent with the province, synthetic
villages, the facilities of the demo accounts, and the accounts themselves, each seeing only
its own area after logging in through the real form."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db.models import Sum

from vungxanh.accounts import demo as accounts_demo
from vungxanh.accounts.models import User
from vungxanh.core.demo import DemoContext
from vungxanh.geo import demo as geo_demo
from vungxanh.geo.models import AdminUnit, Facility

pytestmark = pytest.mark.django_db


def _demo(world, if_empty=False):
    ctx = DemoContext(province=world.province, size="small", if_empty=if_empty, write=print)
    return geo_demo.run(ctx) + accounts_demo.run(ctx)


def test_populations_add_up_to_the_province_and_are_marked_estimates(world):
    lines = _demo(world)
    province = AdminUnit.objects.get(pk=world.province.pk)
    assert province.population == 1_320_324
    assert not province.population_is_estimate  # the 2019 census total
    districts = AdminUnit.objects.current().filter(parent=province)
    assert districts.count() == 13
    assert districts.aggregate(s=Sum("population"))["s"] == province.population
    for district in districts:
        communes = AdminUnit.objects.current().filter(parent=district)
        assert communes.aggregate(s=Sum("population"))["s"] == district.population
        assert all(c.population_is_estimate for c in communes)
        assert all(c.population_source == geo_demo.ESTIMATE_SOURCE for c in communes)
    commune = AdminUnit.objects.get(code="06709")  # Ka Long: villages made by the demo
    villages = AdminUnit.objects.filter(parent=commune)
    assert 5 <= villages.count() <= 14
    assert all(v.is_synthetic and v.level == AdminUnit.Level.VILLAGE for v in villages)
    assert villages.aggregate(s=Sum("population"))["s"] == commune.population
    assert {"LAB-CDC", "CL-01", "CHOT-196"} <= set(Facility.objects.values_list("code", flat=True))
    assert any("1,320,324" in line for line in lines)
    # `make run` again (--if-empty) changes nothing
    before = AdminUnit.objects.count(), Facility.objects.count()
    _demo(world, if_empty=True)
    assert (AdminUnit.objects.count(), Facility.objects.count()) == before


def _login(client, username):
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": username, "password": settings.DEMO_PASSWORD}
    )
    assert response.status_code == 302, username


def test_each_demo_account_logs_in_and_sees_only_its_area(client, world):
    lines = _demo(world)
    usernames = [spec.username for spec in accounts_demo.DEMO_ACCOUNTS]
    assert set(User.objects.filter(username__in=usernames).values_list("username", flat=True)) == (
        set(usernames)
    )
    assert all(f"{name} " in "\n".join(lines) for name in usernames)  # printed for the user
    ha_khanh = AdminUnit.objects.get(code="06649")
    ka_long = AdminUnit.objects.get(code="06709")
    expectations = {  # username: (sees Hà Khánh, sees Ka Long)
        "admin.tinh": (True, True),
        "bcd.tinh": (True, True),
        "canbo.halong": (True, False),
        "canbo.mongcai": (False, True),
        "tyt.hakhanh": (True, False),
        "tyt.kalong": (False, True),
        "xem.tinh": (True, True),
    }
    for username, (sees_a, sees_b) in expectations.items():
        _login(client, username)
        assert client.get("/").status_code == 200
        got = (
            client.get(f"/units/{ha_khanh.public_id}/").status_code,
            client.get(f"/units/{ka_long.public_id}/").status_code,
        )
        assert got == (200 if sees_a else 404, 200 if sees_b else 404), username
    # the read-only viewer sees dashboards, never a personal record
    _login(client, "xem.tinh")
    assert client.get("/people/").status_code == 404
    # the village team member is anchored in the first village of Hà Khánh
    member = User.objects.get(username="todan.hakhanh")
    assignment = member.assignments.get()
    assert assignment.unit.parent_id == ha_khanh.pk
    assert assignment.unit.level == AdminUnit.Level.VILLAGE
