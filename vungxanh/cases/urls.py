from django.urls import path

from vungxanh.cases.views import cases, clusters, rules, tasks, tracing

app_name = "cases"

urlpatterns = [
    path("", cases.case_list, name="case-list"),
    path("new/", cases.case_create, name="case-create"),
    path("people/search/", cases.person_search, name="person-search"),
    path("<uuid:public_id>/", cases.case_detail, name="case-detail"),
    path("<uuid:public_id>/edit/", cases.case_edit, name="case-edit"),
    path("<uuid:public_id>/discard/", cases.case_discard, name="case-discard"),
    path("<uuid:public_id>/reinstate/", cases.case_reinstate, name="case-reinstate"),
    path("<uuid:public_id>/sources/", cases.case_sources, name="case-sources"),
    path("<uuid:public_id>/landmarks/new/", cases.landmark_create, name="landmark-create"),
    path("<uuid:public_id>/landmarks/refresh/", cases.landmarks_refresh, name="landmark-refresh"),
    path("<uuid:public_id>/proposals/", tracing.case_proposals, name="case-proposals"),
    path("<uuid:public_id>/proposals/decide/", tracing.proposal_decide, name="proposal-decide"),
    path(
        "<uuid:public_id>/proposals/confirm-top/",
        tracing.proposal_confirm_top,
        name="proposal-confirm-top",
    ),
    path("<uuid:public_id>/contacts/new/", tracing.contact_create, name="contact-create"),
    path("landmarks/<uuid:public_id>/publish/", cases.landmark_publish, name="landmark-publish"),
    path("landmarks/<uuid:public_id>/withdraw/", cases.landmark_withdraw, name="landmark-withdraw"),
    path("landmarks/<uuid:public_id>/remove/", cases.landmark_remove, name="landmark-remove"),
    path("contacts/<uuid:public_id>/", tracing.contact_detail, name="contact-detail"),
    path("contacts/<uuid:public_id>/f2/", tracing.contact_f2, name="contact-f2"),
    path("contacts/<uuid:public_id>/f2/decide/", tracing.contact_f2_decide, name="f2-decide"),
    path("tasks/", tasks.task_list, name="task-list"),
    path("tasks/<uuid:public_id>/", tasks.task_detail, name="task-detail"),
    path("tasks/<uuid:public_id>/step/", tasks.task_step, name="task-step"),
    path("clusters/", clusters.cluster_list, name="cluster-list"),
    path("clusters/<uuid:public_id>/", clusters.cluster_detail, name="cluster-detail"),
    path("clusters/<uuid:public_id>/edit/", clusters.cluster_edit, name="cluster-edit"),
    path("clusters/<uuid:public_id>/add-case/", clusters.cluster_add_case, name="cluster-add-case"),
    path("clusters/<uuid:public_id>/dismiss/", clusters.cluster_dismiss, name="cluster-dismiss"),
    path("clusters/<uuid:public_id>/close/", clusters.cluster_close, name="cluster-close"),
    path("clusters/<uuid:public_id>/chain/", clusters.cluster_chain, name="cluster-chain"),
    path(
        "clusters/<uuid:public_id>/chain.json",
        clusters.cluster_chain_data,
        name="cluster-chain-data",
    ),
    path("rules/", rules.ruleset_list, name="ruleset-list"),
    path("rules/new/", rules.ruleset_create, name="ruleset-create"),
]
