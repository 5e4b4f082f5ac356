"""Objects of this app that belong to someone in district A only (for the contract test)."""

from vungxanh.core.models import Job
from vungxanh.testing import World, out_of_scope_factory


@out_of_scope_factory(Job)
def job_of_a(world: World) -> Job:
    return Job.objects.create(
        kind="vungxanh.geo.imports.import_populations",
        label="CANARY-JOB",
        actor=world.user("district_a"),
        status=Job.Status.SUCCEEDED,
        output_name="canary.csv",
        output_content_type="text/csv",
        output_data=b"CANARY-JOB-OUTPUT",
        unit_path=world.district_a.path,
    )
