from django.urls import path

from vungxanh.people import views

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("new/", views.person_create, name="person-create"),
    path("scan/", views.person_scan, name="person-scan"),
    path("import/", views.person_import, name="person-import"),
    path("import/template/", views.person_import_template, name="person-import-template"),
    path("export/", views.person_export, name="person-export"),
    path("duplicates/", views.duplicate_list, name="duplicatecandidate-list"),
    path("duplicates/scan/", views.duplicate_scan, name="duplicatecandidate-scan"),
    path(
        "duplicates/<uuid:public_id>/",
        views.duplicate_detail,
        name="duplicatecandidate-detail",
    ),
    path(
        "duplicates/<uuid:public_id>/merge/",
        views.duplicate_merge,
        name="duplicatecandidate-merge",
    ),
    path(
        "duplicates/<uuid:public_id>/distinct/",
        views.duplicate_dismiss,
        name="duplicatecandidate-dismiss",
    ),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<uuid:public_id>/", views.household_detail, name="household-detail"),
    path("households/<uuid:public_id>/edit/", views.household_edit, name="household-edit"),
    path(
        "households/<uuid:public_id>/members/",
        views.household_member_add,
        name="household-member-add",
    ),
    path(
        "households/<uuid:public_id>/members/remove/",
        views.household_member_remove,
        name="household-member-remove",
    ),
    path("units/<uuid:public_id>/", views.unit_residents, name="unit-residents"),
    path("<uuid:public_id>/", views.person_detail, name="person-detail"),
    path("<uuid:public_id>/edit/", views.person_edit, name="person-edit"),
]
