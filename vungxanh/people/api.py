"""API of the registry: persons (list, read, create, change, identify) and households.
Every read of persons is audited; writes go through the same actions as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from vungxanh.core import audit
from vungxanh.core.api import AuditedReadsMixin, ScopedReadOnlyViewSet
from vungxanh.core.scoping import require_perm
from vungxanh.people import actions
from vungxanh.people.filters import HouseholdFilter, PersonFilter
from vungxanh.people.models import Household, Person
from vungxanh.people.search import RankedNames, search_q
from vungxanh.people.serializers import (
    ExactMatchSerializer,
    HouseholdSerializer,
    HouseholdWriteSerializer,
    IdentifySerializer,
    NobodyFoundSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    RegisteredElsewhereSerializer,
)


class NoCountPagination(PageNumberPagination):
    """Pages without COUNT(*) over the whole registry: ``count`` is null and ``next`` is
    given when another page exists. Pages past :data:`MAX_PAGE` answer 404 (the offset of
    a page number typed by hand must stay a number the database can take)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    MAX_PAGE = 100_000
    invalid_page_message: Any = _("Invalid page.")

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        self.request = request
        size = self.get_page_size(request) or self.page_size
        try:
            self.number = max(1, int(request.query_params.get(self.page_query_param, 1)))
        except ValueError:
            self.number = 1
        if self.number > self.MAX_PAGE:
            raise NotFound(self.invalid_page_message)
        start = (self.number - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.has_next = len(rows) > size
        self.size = size
        return rows[:size]

    def get_paginated_response(self, data: Any) -> Response:
        assert self.request is not None
        url = self.request.build_absolute_uri()

        next_url = replace_query_param(url, "page", self.number + 1) if self.has_next else None
        if self.number <= 1:
            previous = None
        elif self.number == 2:
            previous = remove_query_param(url, "page")
        else:
            previous = replace_query_param(url, "page", self.number - 1)
        return Response({"count": None, "next": next_url, "previous": previous, "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        return response


class PersonViewSet(
    AuditedReadsMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet
):
    """Persons living or staying in your area. ``q`` searches a citizen ID, a phone or a
    name with or without diacritics. Reading is recorded in the audit log."""

    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    pagination_class = NoCountPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        qs = qs.select_related("residence_unit", "temporary_unit", "household", "merged_into")
        if self.action == "list":
            return qs.filter(merged_into__isnull=True).order_by("name_folded", "id")
        return qs

    def paginate_queryset(self, queryset: Any) -> Any:
        query = search_q(self.request.query_params.get("q", ""))
        if self.action == "list" and query.kind == "name" and query.value:
            others = self.request.query_params.copy()
            others.pop("q", None)
            scoped = PersonFilter(others, queryset=self.get_queryset(), request=self.request).qs
            related = ("residence_unit", "temporary_unit", "household", "merged_into")
            queryset = RankedNames(scoped, query, related)
        return super().paginate_queryset(queryset)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "people.view_person")
        return super().list(request, *args, **kwargs)

    def audit_target(self, obj: Person) -> tuple[Person, str]:
        return obj, obj.residence_unit.path

    @extend_schema(
        request=PersonWriteSerializer,
        responses={201: PersonSerializer, 409: ExactMatchSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "people.add_person")
        serializer = PersonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            person = actions.create_person(actor=request.user, source="api", **data)
        except actions.ExactMatch as exc:
            visible = Person.objects.restrict(request.user, "view").filter(
                pk__in=[p.pk for _kind, p in exc.matches]
            )
            return Response(
                {
                    "detail": exc.message,
                    "matches": [str(p.public_id) for p in visible],
                    "matches_outside_your_area": len(exc.matches) - visible.count(),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonWriteSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        serializer = PersonWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("confirm_new", None)
        person = actions.update_person(actor=request.user, person=person, **data)
        # The answer is the whole record: a read, recorded as one (a change is also
        # recorded by the action; a PATCH that changes nothing is still a read).
        self.record_read(person)
        return Response(PersonSerializer(person).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not kwargs.get("partial"):
            return Response(status=status.HTTP_405_METHOD_NOT_ALLOWED)
        return super().update(request, *args, **kwargs)

    @extend_schema(
        request=IdentifySerializer,
        responses={
            200: PersonSerializer,
            201: PersonSerializer,
            404: NobodyFoundSerializer,
            409: RegisteredElsewhereSerializer,
        },
    )
    @action(detail=False, methods=["post"])
    def identify(self, request: Request) -> Response:
        """Find a person of your area by citizen ID (with the name), or by phone, name and
        year of birth; register a self-declared person in your area if nobody matches. 201
        when created; 404 when nobody in your area matches and the details to register are
        missing (somebody registered elsewhere is never shown); 409 when the person is
        registered in another area (ask that area). Reading the record is audited."""
        require_perm(request.user, "people.view_person")
        serializer = IdentifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            person, created = actions.identify_person(
                actor=request.user,
                source="api",
                visible_only=True,
                **serializer.validated_data,
            )
        except actions.NobodyFound as exc:
            return Response(
                {
                    "detail": _("Nobody with these details is registered in your area."),
                    "missing": {k: [str(m) for m in v] for k, v in exc.message_dict.items()},
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        except actions.RegisteredElsewhere as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        if not created:
            audit.record_view(
                actor=request.user, target=person, unit_path=person.residence_unit.path
            )
        return Response(
            PersonSerializer(person).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class HouseholdViewSet(AuditedReadsMixin, mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Households in your area with their current members."""

    queryset = Household.objects.all()
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return (
            qs.select_related("unit", "head")
            .prefetch_related(
                Prefetch(
                    "members",
                    queryset=Person.objects.restrict(self.request.user, "view")
                    .current()
                    .order_by("birth_year", "id"),
                    to_attr="current_members",
                )
            )
            .order_by("unit__path", "address", "id")
        )

    def audit_target(self, obj: Household) -> tuple[Household, str]:
        return obj, obj.unit.path

    @extend_schema(request=HouseholdWriteSerializer, responses={201: HouseholdSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "people.add_household")
        serializer = HouseholdWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = actions.create_household(actor=request.user, **serializer.validated_data)
        household = self.refine_queryset(Household.objects.filter(pk=household.pk)).get()
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)


def register(router: Any) -> None:
    router.register("persons", PersonViewSet, basename="person")
    router.register("households", HouseholdViewSet, basename="household")
