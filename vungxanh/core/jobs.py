"""Long-running work with progress: imports, exports, generators.

``start_job`` stores a :class:`~vungxanh.core.models.Job` and enqueues it for the task
worker (``vungxanh db_worker``) once the transaction commits. The job's ``kind`` is the
dotted path of a handler function ``handler(job, progress) -> dict`` inside this package;
the dict becomes the job's result. A handler that wants to refuse its input raises
:class:`JobRejected` with an optional output file (a per-row error report).

Handlers own their transactions: they validate everything first (reporting progress, which
other connections can see because it is committed as it goes) and then apply all changes in
one ``transaction.atomic()`` block, so a failure leaves nothing half-done (progress during
that block is written through a connection of its own: see :class:`Progress`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.models import Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "Progress"], dict[str, Any]]


class JobRejected(Exception):
    """The input was refused. ``output`` (name, content type, bytes) explains why."""

    def __init__(
        self, message: str, output: tuple[str, str, bytes] | None = None, **result: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.output = output
        self.result = result


class Progress:
    """Reports progress to the job row, at most a few times a second.

    Inside a handler's transaction (the save phase of an import) an UPDATE on the handler's
    own connection would stay invisible until the commit, so on PostgreSQL progress is then
    written through a second connection of its own, in autocommit. SQLite locks the whole
    file during a write transaction: there progress inside it shows at the commit."""

    def __init__(self, job: Job, min_interval: float = 0.3) -> None:
        self.job = job
        self.min_interval = min_interval
        self._last = 0.0
        self._side: Any = None

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        now = time.monotonic()
        if total is not None:
            self.job.progress_total = total
        self.job.progress_done = min(done, self.job.progress_total or done)
        if message is not None:
            self.job.message = message
        finished = self.job.progress_total and done >= self.job.progress_total
        if now - self._last < self.min_interval and not finished and message is None:
            return
        self._last = now
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_aside()
            return
        Job.objects.filter(pk=self.job.pk).update(
            progress_done=self.job.progress_done,
            progress_total=self.job.progress_total,
            message=self.job.message,
        )

    def _write_aside(self) -> None:
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            self._side.set_autocommit(True)
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_done = %s, progress_total = %s, message = %s "  # noqa: S608
                "WHERE id = %s",
                [self.job.progress_done, self.job.progress_total, self.job.message, self.job.pk],
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _resolve(kind: str) -> Handler:
    if not kind.startswith("vungxanh."):
        raise ValueError(f"not a vungxanh job handler: {kind}")
    handler: Handler = import_string(kind)
    return handler


def start_job(
    *,
    actor: Any,
    kind: str,
    label: str,
    params: dict[str, Any] | None = None,
    input_name: str = "",
    input_data: bytes | None = None,
    unit_path: str = "",
) -> Job:
    _resolve(kind)  # fail now, not in the worker, if the handler does not exist
    job = Job.objects.create(
        kind=kind,
        label=label,
        actor=actor if getattr(actor, "pk", None) else None,
        params=params or {},
        input_name=input_name,
        input_data=input_data,
        unit_path=unit_path,
    )
    audit.record(
        actor=actor,
        verb="start_job",
        target=job,
        unit_path=unit_path,
        extra={"kind": kind, "input": input_name},
    )

    def enqueue() -> None:
        from vungxanh.core.tasks import run_job_task

        run_job_task.enqueue(str(job.public_id))

    transaction.on_commit(enqueue)
    return job


def run_job(public_id: str) -> Job:
    """Run a queued job (called by the task worker)."""
    job = Job.objects.get(public_id=public_id)
    if job.status != Job.Status.QUEUED:
        return job
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress = Progress(job)
    try:
        result = _resolve(job.kind)(job, progress)
    except JobRejected as rejected:
        job.status = Job.Status.FAILED
        job.message = rejected.message
        job.result = rejected.result
        if rejected.output:
            job.output_name, job.output_content_type, job.output_data = rejected.output
    except Exception:
        logger.exception("job %s (%s) failed", job.public_id, job.kind)
        job.status = Job.Status.FAILED
        job.message = _("The job failed because of an internal error; nothing was changed.")
    else:
        job.status = Job.Status.SUCCEEDED
        job.result = result or {}
        job.progress_done = job.progress_total
        output = (job.result or {}).pop("_output", None)
        if output:
            job.output_name, job.output_content_type, job.output_data = output
        if not job.message:
            job.message = _("Finished.")
    finally:
        progress.close()
    job.finished_at = timezone.now()
    job.save()
    return job
