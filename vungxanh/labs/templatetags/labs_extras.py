"""Small display helpers of the testing pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage in the active language's format: 0.1234 → "12,3 %"."""
    if value is None or value == "":
        return "—"
    return f"{number_format(float(value) * 100, digits)} %"


@register.filter
def hours_minutes(value: datetime.timedelta | None) -> str:
    """A duration as h:mm (turnaround times)."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


RESULT_BADGES = {
    "negative": "badge-green",
    "positive": "badge-red",
    "invalid": "badge-orange",
    "pending": "badge-grey",
}


@register.filter
def result_badge(result: str) -> str:
    return RESULT_BADGES.get(result, "badge-grey")


@register.filter
def field_of(form: Any, name: str) -> Any:
    return form[name]
