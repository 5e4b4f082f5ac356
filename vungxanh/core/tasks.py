from __future__ import annotations

from django_tasks import task

from vungxanh.core import jobs


@task()
def run_job_task(job_id: str) -> str:
    """Runs one stored job; the job row carries its progress and result."""
    return jobs.run_job(job_id).status
