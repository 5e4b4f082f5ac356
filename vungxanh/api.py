"""The one API router: every app's ``api.register(router)`` adds its viewsets."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    """Routes answer with and without the trailing slash: an offline device that POSTs to
    ``/api/v1/checkins`` must not get a redirect that drops its body."""

    include_root_view = True
    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


def build_router() -> Router:
    router = Router()
    for config in apps.get_app_configs():
        if not config.name.startswith("vungxanh."):
            continue
        try:
            module = import_module(f"{config.name}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.api":
                raise
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(router)
    return router


router = build_router()
