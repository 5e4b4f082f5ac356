"""PDF documents with Vietnamese text (posters, sample labels, certificates).

fpdf2 with the DejaVu fonts installed from npm (``dejavu-fonts-ttf``): the core PDF fonts
cannot print Vietnamese diacritics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from fpdf import FPDF

FONT = "DejaVu"


def new_pdf(**kwargs: Any) -> FPDF:
    """An FPDF document with the DejaVu family (regular, bold) registered and selected."""
    font_dir = Path(settings.PDF_FONT_DIR)
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if not regular.exists():
        raise ImproperlyConfigured(
            f"PDF fonts not found in {font_dir}: run `npm ci` (package dejavu-fonts-ttf)"
        )
    pdf = FPDF(**kwargs)
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_font(FONT, size=12)
    pdf.set_creator("vungxanh")
    return pdf


def pdf_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
