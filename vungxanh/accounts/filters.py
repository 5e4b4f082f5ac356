from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from vungxanh.accounts.models import User
from vungxanh.accounts.roles import Role


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or username"), method="search", max_length=100)
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, method="filter_role")
    unit = django_filters.CharFilter(label=_("Unit code"), method="filter_unit", max_length=20)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields: list[str] = []

    def search(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(Q(username__icontains=value) | Q(full_name__icontains=value))

    def filter_role(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(assignments__role=value, assignments__is_active=True).distinct()

    def filter_unit(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(assignments__unit__code=value.strip()).distinct()
