from importlib.util import find_spec

from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vungxanh.accounts.api import me
from vungxanh.api import router
from vungxanh.core import views as core_views

handler400 = "vungxanh.core.views.error_400"
handler403 = "vungxanh.core.views.error_403"
handler404 = "vungxanh.core.views.error_404"
handler500 = "vungxanh.core.views.error_500"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/me/", me, name="api-me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("ops/admin/", admin.site.urls),
]

# Each app mounts its pages under its AppConfig.url_prefix ("people/", "venues/", …) and,
# when it has a public_urls module, its resident-facing pages at the root ("/q/…").
for config in apps.get_app_configs():
    if not config.name.startswith("vungxanh."):
        continue
    prefix = getattr(config, "url_prefix", None)
    if prefix is not None and find_spec(f"{config.name}.urls"):
        urlpatterns.append(path(prefix, include(f"{config.name}.urls")))
    if find_spec(f"{config.name}.public_urls"):
        urlpatterns.append(path("", include(f"{config.name}.public_urls")))
