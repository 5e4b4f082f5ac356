"""What every page's shell needs: the navigation the user may use and who they are."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

import vungxanh
from vungxanh.core.scoping import scope_of


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    scope = scope_of(getattr(request, "user", None))
    items = []
    for config in apps.get_app_configs():
        for item in getattr(config, "nav_items", ()):
            if item.get("perm") and not scope.has_perm(item["perm"]):
                continue
            try:
                url = reverse(item["url"])
            except NoReverseMatch:
                continue
            items.append(
                {
                    "label": item["label"],
                    "url": url,
                    "active": False,
                    "order": item.get("order", 100),
                }
            )
    # The entry whose URL is the longest prefix of the current path is the active one
    # (/cases/tasks/ highlights "Tasks", not also "Cases").
    matching = [i for i in items if i["url"] != "/" and request.path.startswith(i["url"])]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return sorted(items, key=lambda i: i["order"])


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"vx_version": vungxanh.__version__, "nav_items": []}
    return {
        "vx_version": vungxanh.__version__,
        "nav_items": navigation(request),
        "vx_assignment": getattr(user, "primary_assignment", None),
    }
