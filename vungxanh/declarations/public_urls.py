"""Resident pages at short addresses: /khai-bao/ (declare), /nhat-ky/<key>/ (diary)."""

from django.urls import path

from vungxanh.declarations import public

app_name = "declare"

urlpatterns = [
    path("khai-bao/", public.declare_home, name="home"),
    path("khai-bao/da-gui/", public.declare_done, name="done"),
    path("khai-bao/<slug:slug>/", public.declare, name="declare"),
    path("nhat-ky/<str:token>/", public.diary, name="diary"),
]
