from django.urls import path

from vungxanh.geo import views

app_name = "geo"

urlpatterns = [
    path("", views.unit_list, name="adminunit-list"),
    path("facilities/", views.facility_list, name="facility-list"),
    path("import/<slug:what>/", views.unit_import, name="unit-import"),
    path(
        "import/<slug:what>/template.csv", views.unit_import_template, name="unit-import-template"
    ),
    path("<uuid:public_id>/", views.unit_detail, name="adminunit-detail"),
    path("<uuid:public_id>/population/", views.unit_population_edit, name="adminunit-population"),
    path("<uuid:public_id>/villages/new/", views.village_create, name="village-create"),
]
