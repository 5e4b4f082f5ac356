from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

import vungxanh
from vungxanh.core import audit
from vungxanh.core.filters import AuditEventFilter
from vungxanh.core.http import AuthedHttpRequest
from vungxanh.core.models import AuditEvent, Job
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm, scope_of


@require_http_methods(["GET", "HEAD"])
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and monitoring."""
    body = {"status": "ok", "database": "ok", "version": vungxanh.__version__}
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [""])[0][:200]
        body.update(
            status="error", database="unreachable", reason=f"{type(exc).__name__}: {first_line}"
        )
        return JsonResponse(body, status=503)
    return JsonResponse(body)


@login_required
def home(request: AuthedHttpRequest) -> HttpResponse:
    user = request.user
    assignments = user.assignments.active().select_related("unit", "write_unit", "facility")
    return render(
        request,
        "core/home.html",
        {"assignments": assignments, "roles": scope_of(user).roles},
    )


@login_required
def audit_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "core.view_auditevent")
    base = AuditEvent.objects.restrict(request.user, "view")
    filterset = AuditEventFilter(request.GET, queryset=base)
    events = filterset.qs if filterset.is_valid() else base.none()
    page = paginate(request, events, per_page=100)
    return render(
        request,
        "core/audit_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


@login_required
@object_view(Job)
def job_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    job = get_object_or_404(Job.objects.restrict(request.user, "view"), public_id=public_id)
    template = (
        "core/job_detail.html#progress"
        if request.headers.get("HX-Request")
        else ("core/job_detail.html")
    )
    return render(request, template, {"job": job})


@login_required
@object_view(Job)
def job_download(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    job = get_object_or_404(Job.objects.restrict(request.user, "view"), public_id=public_id)
    if not job.output_data:
        return render(
            request,
            "core/message.html",
            {"title": _("No file"), "message": _("This job has no file to download.")},
            status=404,
        )
    audit.record(
        actor=request.user,
        verb="download",
        target=job,
        unit_path=job.unit_path,
        extra={"file": job.output_name},
    )
    response = HttpResponse(bytes(job.output_data), content_type=job.output_content_type)
    # The name may come from an upload ("lỗi-danh sách.xlsx"): quoted and encoded properly.
    response["Content-Disposition"] = (
        content_disposition_header(True, job.output_name) or "attachment"
    )
    return response


def _api_error(request: HttpRequest, status: int, message: str) -> JsonResponse | None:
    """Under /api/ errors are JSON like the API's own (``{"detail": …}``), also for
    addresses no route matches (``/api/v1/units/0.5/``)."""
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse({"detail": message}, status=status)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 404, _("Not found.")) or render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: the database may be the thing that failed.
    api = _api_error(request, 500, _("Server error; nothing was saved. Try again later."))
    return api or HttpResponse(loader.render_to_string("500.html"), status=500)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 403, _("Not allowed.")) or render(request, "403.html", status=403)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    from vungxanh.core.middleware import MalformedInput

    message = str(exception) if isinstance(exception, MalformedInput) else ""
    api = _api_error(request, 400, message or _("Bad request."))
    return api or render(request, "400.html", {"message": message}, status=400)
