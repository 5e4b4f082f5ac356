"""Clusters: the list, one cluster (name, unit, containment zone, closing) and its chain."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vungxanh.cases import actions
from vungxanh.cases.chains import chain_graph
from vungxanh.cases.filters import ClusterFilter
from vungxanh.cases.forms import ClusterCaseForm, ClusterForm
from vungxanh.cases.models import Case, Cluster, ClusterMember
from vungxanh.cases.views.common import can, get_cluster, visible_case_ids
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm


@login_required
def cluster_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "cases.view_cluster")
    visible = Cluster.objects.restrict(request.user, "view")
    filterset = ClusterFilter(request.GET, queryset=visible, request=request)
    clusters = filterset.qs if filterset.is_valid() else visible.none()
    clusters = (
        clusters.select_related("unit")
        .annotate(n_cases=Count("members", filter=Q(members__removed_by_case__isnull=True)))
        .order_by("status", "-proposed_at")
    )
    page = paginate(request, clusters, per_page=50)
    return render(
        request,
        "cases/cluster_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


@login_required
@object_view(Cluster)
def cluster_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    cluster = get_cluster(request, public_id)
    members = list(
        ClusterMember.objects.filter(cluster=cluster, removed_by_case__isnull=True)
        .select_related("case", "case__responsible_unit", "linked_case", "venue")
        .order_by("added_at", "pk")
    )
    visible = visible_case_ids(
        request,
        {m.case_id for m in members} | {m.linked_case_id for m in members if m.linked_case_id},
    )
    can_change = can(request, cluster)
    form = (
        ClusterForm(
            actor=request.user,
            initial={
                "name": cluster.name,
                "unit": cluster.unit,
                "containment_zone": cluster.containment_zone,
            },
        )
        if can_change
        else None
    )
    return render(
        request,
        "cases/cluster_detail.html",
        {
            "cluster": cluster,
            "members": members,
            "visible": visible,
            "can_change": can_change,
            "form": form,
            "add_form": ClusterCaseForm() if can_change else None,
            "quiet_until": actions.cluster_quiet_until(cluster),
        },
    )


@login_required
@object_view(Cluster)
@require_POST
def cluster_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    cluster = get_cluster(request, public_id, "change")
    form = ClusterForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            actions.confirm_cluster(
                actor=request.user,
                cluster=cluster,
                name=form.cleaned_data["name"],
                unit=form.cleaned_data["unit"],
                containment_zone=form.cleaned_data["containment_zone"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        flash_errors(request, form)
    return redirect("cases:cluster-detail", public_id=cluster.public_id)


@login_required
@object_view(Cluster)
@require_POST
def cluster_add_case(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """Add a confirmed case the official knows belongs to this cluster, by its number.
    A number outside the cases the official may see is answered like one that does not
    exist."""
    cluster = get_cluster(request, public_id, "change")
    form = ClusterCaseForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("cases:cluster-detail", public_id=cluster.public_id)
    number = form.cleaned_data["case"]
    case = Case.objects.restrict(request.user, "view").filter(number=number).order_by("pk").first()
    if case is None:
        messages.error(
            request, _("No case BN%(number)s among the cases you may see.") % {"number": number}
        )
        return redirect("cases:cluster-detail", public_id=cluster.public_id)
    try:
        actions.add_case_to_cluster(
            actor=request.user, cluster=cluster, case=case, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("%(case)s is in the cluster.") % {"case": case})
    return redirect("cases:cluster-detail", public_id=cluster.public_id)


@login_required
@object_view(Cluster)
@require_POST
def cluster_dismiss(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    cluster = get_cluster(request, public_id, "change")
    try:
        actions.dismiss_cluster(actor=request.user, cluster=cluster)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The proposal was dismissed."))
    return redirect("cases:cluster-detail", public_id=cluster.public_id)


@login_required
@object_view(Cluster)
@require_POST
def cluster_close(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    cluster = get_cluster(request, public_id, "change")
    try:
        actions.close_cluster(actor=request.user, cluster=cluster)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The cluster is closed."))
    return redirect("cases:cluster-detail", public_id=cluster.public_id)


@login_required
@object_view(Cluster)
def cluster_chain(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    cluster = get_cluster(request, public_id)
    return render(request, "cases/cluster_chain.html", {"cluster": cluster})


@login_required
@object_view(Cluster)
def cluster_chain_data(request: AuthedHttpRequest, public_id: str) -> JsonResponse:
    """The chain as cytoscape elements with preset positions (x: time, y: lanes)."""
    cluster = get_cluster(request, public_id)
    members = set(
        ClusterMember.objects.filter(cluster=cluster, removed_by_case__isnull=True).values_list(
            "case_id", flat=True
        )
    )
    return JsonResponse(chain_graph(cluster, visible_case_ids(request, members)))
