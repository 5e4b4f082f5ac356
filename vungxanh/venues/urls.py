from django.urls import path

from vungxanh.venues import views

app_name = "venues"

urlpatterns = [
    path("", views.venue_list, name="venue-list"),
    path("new/", views.venue_create, name="venue-create"),
    path("mine/", views.venue_mine, name="venue-mine"),
    path("activity/", views.activity, name="activity"),
    path("rules/", views.rule_sets, name="ruleset-list"),
    path("import/", views.venue_import, name="venue-import"),
    path("import/template.csv", views.venue_import_template, name="venue-import-template"),
    path("posters/<uuid:public_id>/", views.unit_posters, name="unit-posters"),
    path("<uuid:public_id>/", views.venue_detail, name="venue-detail"),
    path("<uuid:public_id>/edit/", views.venue_edit, name="venue-edit"),
    path("<uuid:public_id>/approve/", views.venue_approve, name="venue-approve"),
    path("<uuid:public_id>/status/", views.venue_set_status, name="venue-status"),
    path("<uuid:public_id>/reissue/", views.venue_reissue_qr, name="venue-reissue"),
    path("<uuid:public_id>/poster.pdf", views.venue_poster, name="venue-poster"),
    path("<uuid:public_id>/staff/", views.venue_staff_create, name="venue-staff"),
    path("<uuid:public_id>/scan/", views.venue_scan, name="venue-scan"),
]
