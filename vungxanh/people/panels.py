"""Sections that apps above the registry add to a person's page (declarations, cases,
check-ins…) without the registry importing them: an app registers a function in its
``AppConfig.ready()``; the person page calls each with the request and the person and shows
what it returns (``None``: nothing to show)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelFunction = Callable[[HttpRequest, Any], Panel | None]
_PANELS: list[PanelFunction] = []


def register_person_panel(fn: PanelFunction) -> PanelFunction:
    if fn not in _PANELS:
        _PANELS.append(fn)
    return fn


def person_panels(request: HttpRequest, person: Any) -> list[Panel]:
    panels = [panel for fn in _PANELS if (panel := fn(request, person)) is not None]
    return sorted(panels, key=lambda p: p.order)
