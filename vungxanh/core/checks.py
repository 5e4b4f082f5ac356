"""System checks (`vungxanh check`, also run by `migrate` and `runserver`) for what an
installation needs besides Python packages: the front-end libraries from npm, the PDF fonts
and the compiled translation catalogues. Without them pages load but lose their scripts,
posters cannot be printed, and screens fall back to English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register

VENDOR = ["htmx", "jsqr", "cytoscape", "leaflet", "chartjs"]


@register()
def check_installation(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    problems: list[CheckWarning] = []
    served = {prefix for prefix, _path in _prefixed(settings.STATICFILES_DIRS)}
    missing = [name for name in VENDOR if f"vendor/{name}" not in served]
    if missing:
        problems.append(
            CheckWarning(
                f"Front-end libraries missing: {', '.join(missing)} (looked in "
                f"{settings.NODE_MODULES}).",
                hint="Run `npm ci` where package.json is, or set VUNGXANH_NODE_MODULES.",
                id="vungxanh.W001",
            )
        )
    if not (Path(settings.PDF_FONT_DIR) / "DejaVuSans.ttf").is_file():
        problems.append(
            CheckWarning(
                f"PDF fonts missing in {settings.PDF_FONT_DIR}: posters and labels cannot be "
                "printed.",
                hint="Run `npm ci` (package dejavu-fonts-ttf) or set PDF_FONT_DIR.",
                id="vungxanh.W002",
            )
        )
    catalogues = [Path(p) for p in settings.LOCALE_PATHS] + [
        Path(c.path) / "locale" for c in apps.get_app_configs() if c.name.startswith("vungxanh")
    ]
    uncompiled = [
        str(d)
        for d in catalogues
        if (d / "vi/LC_MESSAGES/django.po").is_file()
        and not (d / "vi/LC_MESSAGES/django.mo").is_file()
    ]
    if uncompiled:
        problems.append(
            CheckWarning(
                f"Translations not compiled in {', '.join(uncompiled)}: screens would show "
                "English.",
                hint="Run `vungxanh compilemessages` in the source tree.",
                id="vungxanh.W003",
            )
        )
    return problems


def _prefixed(dirs: Any) -> list[tuple[str, Any]]:
    return [d for d in dirs if isinstance(d, tuple)]
