from django.urls import path

from vungxanh.declarations import views

app_name = "declarations"

urlpatterns = [
    path("", views.declaration_list, name="declaration-list"),
    path("<uuid:public_id>/", views.declaration_detail, name="declaration-detail"),
    path("door-to-door/", views.door_to_door, name="door-to-door"),
    path(
        "door-to-door/villages/<uuid:public_id>/",
        views.door_to_door_village,
        name="door-to-door-village",
    ),
    path(
        "door-to-door/households/<uuid:public_id>/",
        views.door_to_door_household,
        name="door-to-door-household",
    ),
    path("follow-ups/", views.followup_list, name="followup-list"),
    path("follow-ups/<uuid:public_id>/", views.followup_detail, name="followup-detail"),
    path("follow-ups/<uuid:public_id>/take/", views.followup_take, name="followup-take"),
    path("follow-ups/<uuid:public_id>/resolve/", views.followup_resolve, name="followup-resolve"),
    path("follow-ups/<uuid:public_id>/monitor/", views.followup_monitor, name="followup-monitor"),
    path("monitoring/", views.monitoring_list, name="monitoring-list"),
    path("monitoring/new/", views.monitoring_create, name="monitoring-create"),
    path("monitoring/<uuid:public_id>/", views.monitoring_detail, name="monitoring-detail"),
    path("monitoring/<uuid:public_id>/qr.svg", views.monitoring_qr, name="monitoring-qr"),
    path("monitoring/<uuid:public_id>/diary/", views.monitoring_entry, name="monitoring-entry"),
    path("monitoring/<uuid:public_id>/end/", views.monitoring_end, name="monitoring-end"),
    path("forms/", views.form_list, name="formdefinition-list"),
    path("forms/new/", views.form_publish, name="formdefinition-create"),
]
