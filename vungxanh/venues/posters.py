"""A4 check-in posters: the venue's signed QR code, its name and short Vietnamese
instructions; one page per venue, so a commune prints all its venues as one PDF.

Posters are always in Vietnamese (the residents who read them), whatever language the
official who prints them uses."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

import segno
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from PIL import Image

from vungxanh.core.pdf import FONT, new_pdf, pdf_bytes
from vungxanh.venues.models import Venue
from vungxanh.venues.signing import venue_path

#: Above this many venues, printing a commune's posters is a background job.
INLINE_LIMIT = 40


def qr_png(text: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg_data_uri(text: str, scale: int = 6) -> str:
    """A QR code as an ``<img src=…>`` data URI (allowed by the content security policy)."""
    result: str = segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
    return result


def venue_url(venue: Venue, base_url: str) -> str:
    return base_url.rstrip("/") + venue_path(venue)


def _page(pdf: FPDF, venue: Venue, base_url: str) -> None:
    url = venue_url(venue, base_url)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_fill_color(11, 122, 67)
    pdf.rect(0, 0, pdf.w, 28, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font(FONT, "B", 22)
    pdf.set_xy(pdf.l_margin, 8)
    pdf.cell(width, 12, _("SCAN TO CHECK IN"), align="C")
    pdf.set_text_color(29, 37, 33)
    pdf.set_xy(pdf.l_margin, 36)
    pdf.set_font(FONT, "B", 24)
    pdf.multi_cell(width, 11, venue.name, align="C")
    pdf.set_font(FONT, "", 13)
    if venue.address or venue.route:
        pdf.multi_cell(width, 7, venue.route or venue.address, align="C")
    size = 120
    top = max(pdf.get_y() + 6, 70)
    # 8-bit grey (Flate) rather than 1-bit (CCITT): any PDF tool can extract and decode it
    image = Image.open(io.BytesIO(qr_png(url))).convert("L")
    pdf.image(image, x=(pdf.w - size) / 2, y=top, w=size, h=size)
    pdf.set_xy(pdf.l_margin, top + size + 4)
    pdf.set_font(FONT, "B", 14)
    pdf.cell(width, 8, _("Venue code: %(code)s") % {"code": venue.code}, align="C")
    pdf.ln(12)
    pdf.set_font(FONT, "", 13)
    steps = [
        _("1. Open the camera of your phone and point it at this QR code; open the link."),
        _(
            "2. The first time, enter your citizen ID (CCCD), or your phone, name and year "
            "of birth. Your phone remembers you."
        ),
        _("3. Press “Check in”. When you leave, press “Check out”."),
        _("No smartphone? Show your personal QR code or your chip ID card to the staff."),
    ]
    for step in steps:
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(width - 16, 7, step)
        pdf.ln(1)
    pdf.set_y(-22)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(95, 107, 101)
    pdf.multi_cell(width, 4, url, align="C")
    pdf.multi_cell(
        width,
        4,
        _("Check-ins are kept for the tracing window only, then deleted."),
        align="C",
    )


def posters_pdf(
    venues: Iterable[Venue],
    base_url: str,
    progress: Callable[[int], Any] | None = None,
) -> bytes:
    """One A4 page per venue, in Vietnamese."""
    with translation.override("vi"):
        pdf = new_pdf(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_title(_("Check-in posters"))
        for index, venue in enumerate(venues, start=1):
            _page(pdf, venue, base_url)
            if progress is not None:
                progress(index)
        return pdf_bytes(pdf)
