from django.urls import path

from vungxanh.labs import views

app_name = "labs"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("planner/", views.planner, name="planner"),
    path("samples/", views.sample_list, name="sample-list"),
    path("samples/new/", views.sample_create, name="sample-create"),
    path("samples/receive/", views.sample_receive, name="sample-receive"),
    path("screening/", views.screening_session, name="screening-session"),
    path("screening/labels.pdf", views.screening_labels, name="screening-labels"),
    path("samples/<uuid:public_id>/", views.sample_detail, name="sample-detail"),
    path("samples/<uuid:public_id>/label.pdf", views.sample_label, name="sample-label"),
    path("samples/<uuid:public_id>/result/", views.sample_result, name="sample-result"),
    path("samples/<uuid:public_id>/reject/", views.sample_reject, name="sample-reject"),
    path("samples/<uuid:public_id>/correct/", views.sample_correct, name="sample-correct"),
    path("pools/", views.pool_list, name="pool-list"),
    path("pools/build/", views.pool_build, name="pool-build"),
    path("pools/<uuid:public_id>/", views.pool_detail, name="pool-detail"),
    path("pools/<uuid:public_id>/label.pdf", views.pool_label, name="pool-label"),
    path("pools/<uuid:public_id>/result/", views.pool_result, name="pool-result"),
    path("pools/<uuid:public_id>/correct/", views.pool_correct, name="pool-correct"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_create, name="run-create"),
    path("runs/<uuid:public_id>/", views.run_detail, name="run-detail"),
    path("runs/<uuid:public_id>/close/", views.run_close, name="run-close"),
    path("results/import/", views.result_import, name="result-import"),
    path(
        "results/import/template.csv",
        views.result_import_template,
        name="result-import-template",
    ),
    path("tasks/", views.task_list, name="samplingtask-list"),
    path("tasks/<uuid:public_id>/", views.task_detail, name="samplingtask-detail"),
    path("tasks/<uuid:public_id>/cancel/", views.task_cancel, name="samplingtask-cancel"),
    path("laboratories/", views.laboratory_list, name="laboratory-list"),
    path("laboratories/<uuid:public_id>/", views.laboratory_detail, name="laboratory-detail"),
    path("sites/", views.site_list, name="samplingsite-list"),
    path("rules/", views.ruleset_list, name="testingruleset-list"),
]
