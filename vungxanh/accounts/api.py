from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import api_view, schema
from rest_framework.request import Request
from rest_framework.response import Response

from vungxanh.accounts import actions
from vungxanh.accounts.filters import UserFilter
from vungxanh.accounts.models import Assignment, User
from vungxanh.accounts.serializers import (
    NewUserSerializer,
    UserCreateSerializer,
    UserSerializer,
)
from vungxanh.core.api import AutoSchema, ScopedReadOnlyViewSet
from vungxanh.core.scoping import require_perm


class UserViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Users whose assignments lie in your area (province administrators)."""

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilter

    def refine_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("unit", "write_unit", "facility"),
            )
        ).order_by("username")

    @extend_schema(request=UserCreateSerializer, responses={201: NewUserSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_perm(request.user, "accounts.add_user")
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user, password = actions.create_user(actor=request.user, **data)
        body = dict(UserSerializer(user).data)
        body["initial_password"] = None if "password" in data else password
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(responses=UserSerializer)
@api_view(["GET"])
@schema(AutoSchema())
def me(request: Request) -> Response:
    """The calling user and their assignments."""
    user: Any = request.user
    return Response(UserSerializer(user).data)


def register(router: Any) -> None:
    router.register("users", UserViewSet, basename="user")
