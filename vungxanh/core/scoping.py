"""Jurisdiction: who may see and change what.

Every administrative unit has a materialized path (``/22/193/06649/``); a unit's descendants
are a prefix match. A user's assignments give *grants*: a role (what kinds of records and
actions), a read root and a write root (where). The only way views, the API, exports and
tasks read scoped data is ``Model.objects.restrict(user, action)``; it fails closed: no
grant, no rows. Writes re-check with :func:`require` / :func:`require_unit` inside their
transaction. Objects outside scope answer 404, exactly like missing ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, ClassVar, Self, TypeVar

from django.db import connections, models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=models.Model)

VIEW = "view"


class OutOfScope(Http404):
    """Raised when an object or unit is outside the user's scope. Answers 404 on purpose:
    an official must not learn that a record exists elsewhere."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or _("Not found."))


@dataclass(frozen=True, slots=True)
class Grant:
    """What one assignment allows: permission patterns (``people.view_*``), where to read
    and where to write (``None``: nowhere), and optionally one facility (lab, quarantine
    facility, checkpoint) the role is tied to."""

    role: str
    perms: frozenset[str]
    read_path: str
    write_path: str | None
    facility_id: int | None = None

    def allows(self, perm: str) -> bool:
        return any(fnmatchcase(perm, pattern) for pattern in self.perms)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    grants: tuple[Grant, ...] = ()
    unrestricted: bool = False
    _cache: dict[tuple[str, str], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _perms: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def has_perm(self, perm: str) -> bool:
        # Remembered per scope: matching a permission against every pattern of every
        # grant (fnmatch) is a measurable share of a check-in request, and an API token's
        # scope now lives for several requests (accounts.authentication).
        allowed = self._perms.get(perm)
        if allowed is None:
            allowed = self.unrestricted or any(g.allows(perm) for g in self.grants)
            self._perms[perm] = allowed
        return allowed

    def paths(self, perm: str, action: str) -> tuple[str, ...]:
        """The unit-path roots where ``perm`` may be exercised: read roots for viewing,
        write roots for anything else. Nested roots are collapsed."""
        key = (perm, action)
        if key not in self._cache:
            if action == VIEW:
                roots = [g.read_path for g in self.grants if g.allows(perm)]
            else:
                roots = [g.write_path for g in self.grants if g.write_path and g.allows(perm)]
            self._cache[key] = collapse_paths(roots)
        return self._cache[key]

    def facility_ids(self, perm: str, action: str) -> tuple[int, ...]:
        return tuple(
            g.facility_id
            for g in self.grants
            if g.facility_id is not None
            and g.allows(perm)
            and (action == VIEW or g.write_path is not None)
        )

    def covers(self, perm: str, action: str, path: str) -> bool:
        """Is the unit at ``path`` inside the scope for ``perm``/``action``?"""
        if self.unrestricted:
            return True
        return any(path.startswith(root) for root in self.paths(perm, action))

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.role for g in self.grants))


EMPTY_SCOPE = Scope(user_id=None)


class SystemActor:
    """The actor of commands and scheduled jobs run by operators (``vungxanh create_user``,
    retention purges). Unrestricted, and recorded as "system" in the audit log. Passing it
    is explicit; ``None`` is never taken to mean "system"."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    scope = Scope(user_id=None, unrestricted=True)

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def collapse_paths(paths: Iterable[str]) -> tuple[str, ...]:
    """Drop roots already covered by a shorter root: (/22/, /22/193/) -> (/22/,)."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def scope_of(user: Any) -> Scope:
    """The scope of a user; anonymous and inactive users have none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY_SCOPE
    if not getattr(user, "is_active", False):
        return EMPTY_SCOPE
    scope = getattr(user, "scope", None)
    return scope if isinstance(scope, Scope) else EMPTY_SCOPE


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def path_prefix_q(field_name: str, paths: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field_name}__startswith": path})
    return q


#: Scopes with at most this many units are named by id (see RestrictedQuerySet.units_q).
LIST_LIMIT = 500


class InArray(models.Func):
    """``column = ANY(%s)`` with the ids as one array parameter (PostgreSQL only): a
    district's 350 unit ids cost one parameter instead of 350."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, column: Any, values: list[Any]) -> None:
        super().__init__(column)
        self.values = list(values)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"{sql} = ANY(%s::bigint[])", [*params, self.values]


class RestrictedQuerySet(models.QuerySet[_M]):
    """QuerySet with the single read path ``restrict(user, action)``.

    A model's QuerySet names the foreign keys to administrative units that place a row in
    a jurisdiction (``scope_units``); a row is visible when any of them lies under one of
    the user's roots. Models with other rules (facility-bound records, a user's own rows)
    override :meth:`scope_q`. Returning ``None`` means "nothing".
    """

    scope_units: ClassVar[tuple[str, ...]] = ()

    def perm(self, action: str) -> str:
        return perm_name(self.model, action)

    def restrict(self, user: Any, action: str = VIEW) -> Self:
        scope = scope_of(user)
        if scope.unrestricted:
            return self.all()
        if not scope.has_perm(self.perm(action)):
            return self.none()
        q = self.scope_q(scope, action)
        if q is None:
            return self.none()
        return self.filter(q)

    def scope_q(self, scope: Scope, action: str) -> Q | None:
        paths = scope.paths(self.perm(action), action)
        if not paths or not self.scope_units:
            return None
        return self.units_q(self.scope_units, paths)

    def units_q(self, unit_fields: Iterable[str], paths: tuple[str, ...]) -> Q:
        """Rows whose unit foreign keys lie under ``paths``.

        Up to LIST_LIMIT units (a district with its communes and villages) are named as a
        list of ids — on PostgreSQL one array parameter, ``unit_id = ANY(%s)`` — so that the
        planner knows how few rows a small scope holds (with ``IN (SELECT …)`` it guessed and
        scanned a million-row table for a village). A larger scope (a province) uses the
        subquery, which plans as well there."""
        q = Q(pk__in=[])
        ids: list[Any] | None = None
        for name in unit_fields:
            if "__" in name:
                q |= path_prefix_q(f"{name}__path", paths)
                continue
            unit_model = self.model._meta.get_field(name).related_model
            assert unit_model is not None
            assert not isinstance(unit_model, str)
            units = unit_model._default_manager.filter(path_prefix_q("path", paths))
            if ids is None:
                ids = list(units.values_list("pk", flat=True)[: LIST_LIMIT + 1])
            if len(ids) > LIST_LIMIT:
                q |= Q(**{f"{name}__in": units.values("pk")})
            elif connections[self.db].vendor == "postgresql":
                q |= Q(InArray(models.F(f"{name}_id"), ids))
            else:
                q |= Q(**{f"{name}__in": ids})
        return q

    def path_prefix_q(self, field_name: str, paths: Iterable[str]) -> Q:
        return path_prefix_q(field_name, paths)


def require(user: Any, obj: models.Model, action: str = "change") -> None:
    """Re-check, inside a write, that ``obj`` is in the user's scope for ``action``."""
    manager: Any = type(obj)._default_manager
    if not hasattr(manager, "restrict"):
        raise TypeError(f"{type(obj).__name__} is not a scoped model")
    if not manager.restrict(user, action).filter(pk=obj.pk).exists():
        raise OutOfScope()


def require_unit(user: Any, perm: str, unit_path: str, action: str = "add") -> None:
    """Re-check that a record placed in the unit at ``unit_path`` may be written."""
    if not scope_of(user).covers(perm, action, unit_path):
        raise OutOfScope()


def require_perm(user: Any, perm: str) -> None:
    """A permission without a place (e.g. "manage users"); answers 404 like the rest."""
    if not scope_of(user).has_perm(perm):
        raise OutOfScope()


def object_view(model: type[models.Model]) -> Any:
    """Mark a view whose URL names one object of ``model`` by ``public_id``. The contract
    test uses the mark to call every such view with an object out of the caller's scope."""

    def mark(view: Any) -> Any:
        view.scoped_model = model
        return view

    return mark


def public_view(view: Any) -> Any:
    """Mark a view that anyone may open without logging in (the resident-facing portal:
    declarations, check-in, published landmarks). The contract test checks that such views
    are explicitly marked rather than accidentally open."""
    view.is_public = True
    return view
