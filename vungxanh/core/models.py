"""Base models shared by every app, the append-only audit log and background jobs."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.scoping import RestrictedQuerySet, Scope

if TYPE_CHECKING:
    from django.db.models import Q


class PublicIdModel(models.Model):
    """Rows addressed from outside (URLs, API) by a random UUID, never by the sequential id."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(RestrictedQuerySet["AuditEvent"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        # Only reading is ever granted; the table itself refuses UPDATE and DELETE.
        if action != "view":
            return None
        paths = scope.paths(self.perm("view"), "view")
        if not paths:
            return None
        q = self.path_prefix_q("unit_path", paths)
        # Events of no unit (failed logins of unknown names, logouts, imports before they
        # name a unit) belong to the whole deployment: province-wide auditors see them.
        if any(path.count("/") == 2 for path in paths):
            q |= Q(unit_path="")
        return q


class AuditEvent(models.Model):
    """One thing somebody did or looked at. Append-only: on PostgreSQL a trigger refuses
    UPDATE and DELETE (migration 0002)."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    verb = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=255, blank=True)
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True, db_index=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-time", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "time"], name="core_audit_target_idx"),
            models.Index(fields=["actor", "time"], name="core_audit_actor_idx"),
            models.Index(fields=["verb", "time"], name="core_audit_verb_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.verb} {self.target_label}"

    @property
    def verb_label(self) -> str:
        from vungxanh.core.verbs import verb_label

        return verb_label(self.verb)


class JobQuerySet(RestrictedQuerySet["Job"]):
    def scope_q(self, scope: Scope, action: str) -> Q | None:
        from django.db.models import Q

        # A job and its files belong to whoever started it.
        if scope.user_id is None:
            return None
        return Q(actor_id=scope.user_id)


class Job(PublicIdModel):
    """A long-running piece of work (an import, an export, a generator) run by the task
    worker, with progress the UI polls."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    label = models.CharField(_("title"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    unit_path = models.CharField(_("unit path"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    input_name = models.CharField(_("input file"), max_length=255, blank=True)
    input_data = models.BinaryField(_("input data"), null=True, blank=True)
    output_name = models.CharField(_("output file"), max_length=255, blank=True)
    output_content_type = models.CharField(max_length=100, blank=True)
    output_data = models.BinaryField(_("output data"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_done__lte=models.F("progress_total"))
                | models.Q(progress_total=0),
                name="core_job_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.public_id),
            "kind": self.kind,
            "status": self.status,
            "done": self.progress_done,
            "total": self.progress_total,
            "percent": self.percent,
            "message": self.message,
            "result": self.result,
        }
