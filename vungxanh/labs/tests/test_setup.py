"""Laboratory settings and sampling sites: who may change them, what the audit log keeps, and
what a sample taken at a site inherits from it (review of issue 6, m6)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import OutOfScope
from vungxanh.labs import actions
from vungxanh.labs.models import Laboratory, Reason, SamplingSite
from vungxanh.labs.tests.factories import PersonFactory


def test_a_laboratory_changes_its_own_settings_and_the_change_is_audited(world, lab):
    tech = world.user("lab_tech")
    actions.update_laboratory(actor=tech, lab=lab, single_capacity=2_500, plate_wells=384)
    lab.refresh_from_db()
    assert (lab.single_capacity, lab.plate_wells) == (2_500, 384)
    event = AuditEvent.objects.get(verb="update_laboratory")
    assert event.actor == tech
    assert event.target_id == str(lab.public_id)
    assert event.unit_path == lab.facility.unit.path
    assert event.changes == {
        "single_capacity": {"before": 2_000, "after": 2_500},
        "plate_wells": {"before": 96, "after": 384},
    }
    # the same values again change nothing and are not audited
    actions.update_laboratory(actor=tech, lab=lab, single_capacity=2_500)
    assert AuditEvent.objects.filter(verb="update_laboratory").count() == 1
    # the province's officers keep the province's laboratories too
    actions.update_laboratory(actor=world.user("province_officer"), lab=lab, is_active=False)
    assert not Laboratory.objects.get(pk=lab.pk).is_active


@pytest.mark.parametrize("persona", ["lab_tech_b", "district_a", "commune_a", "viewer"])
def test_nobody_else_changes_a_laboratorys_settings(world, lab, persona):
    with pytest.raises(OutOfScope):
        actions.update_laboratory(actor=world.user(persona), lab=lab, single_capacity=1)
    lab.refresh_from_db()
    assert lab.single_capacity == 2_000
    assert not AuditEvent.objects.filter(verb="update_laboratory").exists()


def test_laboratory_settings_out_of_bounds_are_refused_with_a_message(world, lab):
    tech = world.user("lab_tech")
    with pytest.raises(ValidationError, match="giếng cho mẫu"):
        actions.update_laboratory(actor=tech, lab=lab, plate_wells=96, control_wells=96)
    with pytest.raises(ValidationError) as exc:
        actions.update_laboratory(actor=tech, lab=lab, pooled_capacity=-5)
    assert "pooled_capacity" in exc.value.message_dict
    with pytest.raises(TypeError):
        actions.update_laboratory(actor=tech, lab=lab, facility=None)
    lab.refresh_from_db()
    assert (lab.control_wells, lab.pooled_capacity) == (2, 10_000)
    assert not AuditEvent.objects.filter(verb="update_laboratory").exists()


def test_a_province_officer_creates_a_site_and_it_is_audited(world, lab):
    officer = world.user("province_officer")
    site = actions.create_sampling_site(
        actor=officer,
        name="  Chốt   kiểm dịch Km 8 ",
        kind=SamplingSite.Kind.CHECKPOINT,
        unit=world.commune_a,
        default_lab=lab,
    )
    assert site.name == "Chốt kiểm dịch Km 8"
    event = AuditEvent.objects.get(verb="create_sampling_site")
    assert event.actor == officer
    assert event.target_id == str(site.public_id)
    assert event.unit_path == world.commune_a.path
    assert event.changes["kind"] == {"before": None, "after": "checkpoint"}
    assert event.changes["name"]["after"] == "Chốt kiểm dịch Km 8"
    assert event.changes["default_lab"]["after"] == lab.pk
    assert event.changes["unit"]["after"] == world.commune_a.pk
    # one name per commune (whatever the case and spacing); another commune may reuse it
    with pytest.raises(ValidationError, match="đã có điểm lấy mẫu"):
        actions.create_sampling_site(
            actor=officer, name="chốt KIỂM DỊCH km 8", kind="checkpoint", unit=world.commune_a
        )
    actions.create_sampling_site(
        actor=officer, name="Chốt kiểm dịch Km 8", kind="checkpoint", unit=world.commune_b
    )
    assert AuditEvent.objects.filter(verb="create_sampling_site").count() == 2


@pytest.mark.parametrize("persona", ["district_a", "commune_a", "lab_tech", "viewer"])
def test_only_the_province_creates_sites(world, persona):
    with pytest.raises(OutOfScope):
        actions.create_sampling_site(
            actor=world.user(persona), name="Điểm lấy mẫu", kind="mobile_team", unit=world.commune_a
        )
    assert not SamplingSite.objects.exists()
    assert not AuditEvent.objects.filter(verb="create_sampling_site").exists()


def test_a_site_needs_a_known_kind_and_a_laboratory_taking_samples(world, lab):
    officer = world.user("province_officer")
    values = {"actor": officer, "name": "Điểm lấy mẫu", "unit": world.commune_a}
    with pytest.raises(ValidationError) as exc:
        actions.create_sampling_site(kind="drive_through", **values)
    assert exc.value.message_dict == {"kind": ["Loại điểm lấy mẫu không hợp lệ."]}
    lab.is_active = False
    lab.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        actions.create_sampling_site(kind="mobile_team", default_lab=lab, **values)
    assert exc.value.message_dict == {"default_lab": ["Phòng xét nghiệm này không còn nhận mẫu."]}
    assert not SamplingSite.objects.exists()


def test_a_sample_taken_at_a_site_gets_its_commune_laboratory_and_collector(world, lab, lab_b):
    site = actions.create_sampling_site(
        actor=world.user("province_officer"),
        name="KCN Cái Lân",
        kind="workplace",
        unit=world.commune_a,
        default_lab=lab,
    )
    officer = world.user("commune_a")
    person = PersonFactory.create(residence_unit=world.village_a)
    sample = actions.collect_sample(
        actor=officer, person=person, test_kind="pcr", reason=Reason.WORKER_SCREENING, site=site
    )
    assert sample.site == site
    assert sample.unit == world.commune_a  # where it was taken, not where the person lives
    assert sample.home_unit == world.village_a
    assert sample.lab == lab  # the site's laboratory
    assert sample.collected_by == officer
    event = AuditEvent.objects.get(verb="collect_sample")
    assert event.actor == officer
    assert event.unit_path == world.commune_a.path
    # the site decides the commune whatever unit is also given
    other = actions.collect_sample(
        actor=officer,
        person=person,
        test_kind="pcr",
        reason="screening",
        site=site,
        unit=world.commune_a2,
    )
    assert other.unit == world.commune_a
    # a laboratory chosen explicitly wins over the site's
    chosen = actions.collect_sample(
        actor=world.user("province_officer"),
        person=person,
        test_kind="pcr",
        reason="screening",
        site=site,
        lab=lab_b,
    )
    assert chosen.lab == lab_b
    # an official of another commune cannot record samples at this site
    with pytest.raises(OutOfScope):
        actions.collect_sample(
            actor=world.user("commune_a2"),
            person=PersonFactory.create(residence_unit=world.commune_a2),
            test_kind="pcr",
            reason="screening",
            site=site,
        )
    # a screening session at the site: the same commune, laboratory and collector
    batch = actions.collect_screening_batch(
        actor=officer,
        persons=[PersonFactory.create(residence_unit=world.commune_a) for _ in range(3)],
        unit=world.commune_a2,
        site=site,
    )
    assert {(s.unit_id, s.lab_id, s.site_id, s.collected_by_id) for s in batch} == {
        (world.commune_a.pk, lab.pk, site.pk, officer.pk)
    }


def test_a_laboratory_technician_has_no_say_over_sites_or_rules(client_as, world):
    """Their grant names the province (labs.*), but through their laboratory only."""
    tech = world.user("lab_tech")
    with pytest.raises(OutOfScope):
        actions.create_rule_set(
            actor=tech, unit=world.province, code="lab-rules", name="Của phòng xét nghiệm"
        )
    client = client_as("lab_tech")
    page = client.get("/labs/sites/")
    assert page.status_code == 200
    assert "Thêm điểm lấy mẫu" not in page.content.decode()
    response = client.post(
        "/labs/sites/", {"name": "X", "kind": "mobile_team", "unit": world.commune_a.pk}
    )
    assert response.status_code == 404
    assert "Thêm phiên bản mới" not in client.get("/labs/rules/").content.decode()
    assert client.post("/labs/rules/", {"code": "x"}).status_code == 404
    assert not SamplingSite.objects.exists()
    # the province's officer still has both forms
    officer = client_as("province_officer")
    assert "Thêm điểm lấy mẫu" in officer.get("/labs/sites/").content.decode()
    assert "Thêm phiên bản mới" in officer.get("/labs/rules/").content.decode()


@pytest.mark.parametrize("persona", ["lab_tech", "lab_tech_b", "district_a", "viewer"])
def test_only_the_province_registers_laboratories(client_as, world, persona):
    """A technician runs their laboratory; registering another is the health department's."""
    from vungxanh.geo.models import Facility

    facility = Facility.objects.get(code="T-LAB-B")
    with pytest.raises(OutOfScope):
        actions.register_laboratory(
            actor=world.user(persona), facility=facility, single_capacity=1, pooled_capacity=1
        )
    assert not Laboratory.objects.filter(facility=facility).exists()
    page = client_as(persona).get("/labs/laboratories/")
    assert "Đăng ký phòng xét nghiệm" not in page.content.decode()
    actions.register_laboratory(
        actor=world.user("province_officer"),
        facility=facility,
        single_capacity=1,
        pooled_capacity=1,
    )
    assert AuditEvent.objects.filter(verb="register_laboratory").count() == 1
