"""Versions of the tracing rules (parameters as data, with their effective time)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import PublicIdModel
from vungxanh.core.scoping import RestrictedQuerySet, Scope

_USER = settings.AUTH_USER_MODEL


class RuleSetQuerySet(RestrictedQuerySet["RuleSet"]):
    """Rule sets are provincial reference data: every official who works on cases may read
    them; only those who may change them province-wide write new versions."""

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths:
            return None
        if action == "view":
            return Q()
        # Writing a province's rules needs the province (a root of depth one).
        if any(p.count("/") == 2 for p in paths):
            return Q()
        return None

    def in_force(self, at: datetime.datetime) -> RuleSet | None:
        return (
            self.filter(valid_from__lte=at)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
            .order_by("-valid_from", "-pk")
            .first()
        )


class RuleSet(PublicIdModel):
    """One version of the tracing rules (windows, contact definition, deadlines, cluster
    closing). Parameters are data, read through :class:`vungxanh.cases.rules.TracingRules`."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateTimeField(_("in force from"))
    valid_to = models.DateTimeField(_("in force until"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        _USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("tracing rule set")
        verbose_name_plural = _("tracing rule sets")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="cases_ruleset_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
