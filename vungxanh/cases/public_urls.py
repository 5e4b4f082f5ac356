"""Resident-facing pages at the site root: the published epidemiological landmarks."""

from django.urls import path

from vungxanh.cases.views import public

app_name = "cases_public"

urlpatterns = [
    path("moc-dich-te/", public.landmark_public_list, name="landmark-list"),
    path("moc-dich-te.json", public.landmark_public_json, name="landmark-json"),
]
