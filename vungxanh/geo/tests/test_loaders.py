"""Loading units from the GSO lists: Quảng Ninh 2021 exactly, the 2025 structure with what
each commune became, other provinces from the package."""

from django.core.management import call_command

from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.loaders import load_units
from vungxanh.geo.models import AdminUnit, UnitSuccession


def test_quang_ninh_2021_is_loaded_exactly(world):
    province = AdminUnit.objects.get(path="/22/")
    assert province.name == "Tỉnh Quảng Ninh"
    assert province.kind == AdminUnit.Kind.PROVINCE
    units = AdminUnit.objects.filter(path__startswith="/22/", structure="2021")
    assert units.filter(level=2).count() == 13
    communes = units.filter(level=3)
    assert communes.count() == 177
    assert communes.filter(kind=AdminUnit.Kind.WARD).count() == 72
    assert communes.filter(kind=AdminUnit.Kind.TOWNSHIP).count() == 7
    assert communes.filter(kind=AdminUnit.Kind.COMMUNE).count() == 98
    assert set(units.filter(level=2).values_list("code", flat=True)) == {
        "193",
        "194",
        "195",
        "196",
        "198",
        "199",
        "200",
        "201",
        "202",
        "203",
        "205",
        "206",
        "207",
    }
    ha_long = AdminUnit.objects.get(code="193")
    assert ha_long.kind == AdminUnit.Kind.CITY
    assert ha_long.children.count() == 33
    dong_trieu = AdminUnit.objects.get(code="205")
    assert dong_trieu.kind == AdminUnit.Kind.TOWN  # a thị xã in 2021, a city from 2025
    # Yết Kiêu was merged away in 2025 but exists in 2021; no coordinates from the 2025 data.
    yet_kieu = AdminUnit.objects.get(code="06682")
    assert yet_kieu.path == "/22/193/06682/"
    # coordinates for the communes that still existed in 2025
    assert communes.filter(latitude__isnull=False).count() >= 170


def test_loading_twice_changes_nothing(world):
    result = load_units(actor=SYSTEM, province_code="22", structure="2021")
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 191


def test_2025_structure_closes_2021_units_and_records_successors(world, capsys):
    call_command("load_units", "--province", "22", "--structure", "2025")
    out = capsys.readouterr().out
    assert "54 communes" in out
    new = AdminUnit.objects.filter(path__startswith="/22/", structure="2025")
    assert new.filter(level=3, parent__path="/22/").count() == 54
    old = AdminUnit.objects.filter(path__startswith="/22/", structure="2021", level__in=[2, 3])
    assert not old.filter(valid_to__isnull=True).exists()
    assert {str(u.valid_to) for u in old} == {"2025-06-30"}
    ha_khanh = AdminUnit.objects.get(path="/22/193/06649/")
    became = list(ha_khanh.successors.all())
    assert became, "Hà Khánh must record what it became"
    assert all(u.structure == "2025" for u in became)
    assert UnitSuccession.objects.filter(predecessor__path__startswith="/22/").count() >= 160
    # the current units of the province are now the 2025 ones
    assert AdminUnit.objects.current().filter(path__startswith="/22/", level=3).count() == 54


def test_other_province_loads_from_the_package(db):
    result = load_units(actor=SYSTEM, province_code="01", structure="2021")
    assert result.province.name == "Thành phố Hà Nội"
    assert result.province.kind == AdminUnit.Kind.CENTRAL_CITY
    assert result.counts["districts"] == 30
    assert result.counts["communes"] > 500


def test_unknown_province_is_a_clear_error(db):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no province with GSO code 99"):
        call_command("load_units", "--province", "99")
