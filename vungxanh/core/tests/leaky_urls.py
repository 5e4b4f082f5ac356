"""A URLconf with deliberately broken endpoints, used only to prove that the contract test
catches them (test_contract.test_the_contract_catches_a_leaky_endpoint)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path

from vungxanh.core.scoping import object_view
from vungxanh.geo.models import AdminUnit
from vungxanh.urls import urlpatterns as real_urlpatterns


@object_view(AdminUnit)
def leaky_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    unit = get_object_or_404(AdminUnit.objects.all(), public_id=public_id)  # no restrict()
    return HttpResponse(unit.name)


def leaky_list(request: HttpRequest) -> HttpResponse:
    names = ", ".join(AdminUnit.objects.filter(level=4).values_list("name", flat=True))
    return HttpResponse(names)


urlpatterns = [
    path("leaky/units/<uuid:public_id>/", leaky_detail, name="leaky-detail"),
    path("leaky/units/", leaky_list, name="leaky-list"),
    *real_urlpatterns,
]
