"""Objects of this app that lie in district A only (for the contract test)."""

from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.testing import World, out_of_scope_factory


@out_of_scope_factory(AdminUnit)
def village_in_a(world: World) -> AdminUnit:
    commune = world.commune_a
    return AdminUnit.objects.create(
        code="06649-99",
        name="Thôn CANARY-UNIT",
        kind=AdminUnit.Kind.VILLAGE,
        level=AdminUnit.Level.VILLAGE,
        parent=commune,
        path=f"{commune.path}06649-99/",
        is_synthetic=True,
    )


@out_of_scope_factory(Facility)
def facility_in_a(world: World) -> Facility:
    return Facility.objects.create(
        code="CANARY-FAC",
        name="Trạm CANARY-FACILITY",
        kind=Facility.Kind.HEALTH_STATION,
        unit=world.commune_a,
    )
