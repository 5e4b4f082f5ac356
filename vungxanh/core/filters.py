from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vungxanh.core.models import AuditEvent
from vungxanh.core.verbs import verb_choices


class AuditEventFilter(django_filters.FilterSet):
    # Lengths bounded: a LIKE pattern of thousands of characters is refused by SQLite.
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    actor = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_label", lookup_expr="iexact", max_length=150
    )
    verb = django_filters.ChoiceFilter(label=_("Action"), field_name="verb", choices=verb_choices)
    target_type = django_filters.CharFilter(label=_("Target type"), max_length=100)
    target_id = django_filters.CharFilter(label=_("Target id"), max_length=64)
    unit_path = django_filters.CharFilter(
        label=_("Unit path"), field_name="unit_path", lookup_expr="startswith", max_length=255
    )
    since = django_filters.DateFilter(label=_("From"), field_name="time", lookup_expr="date__gte")
    until = django_filters.DateFilter(label=_("To"), field_name="time", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def search(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        return queryset.filter(
            Q(target_label__icontains=value) | Q(actor_label__icontains=value) | Q(verb=value)
        )
