"""Tube labels (50 × 30 mm, one per page for label printers): a Code 39 barcode of the
code, the code in clear, and who and what the sample is, in Vietnamese."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from vungxanh.core.pdf import new_pdf, pdf_bytes
from vungxanh.labs.models import Pool, Sample

WIDTH, HEIGHT, MARGIN = 50.0, 30.0, 2.5
BAR_HEIGHT = 10.0


def _barcode(pdf: FPDF, code: str) -> None:
    text = f"*{code}*"
    units = len(text) * 16 / 3  # each Code 39 character: 3 wide + 6 narrow bars + gap
    wide = (WIDTH - 2 * MARGIN) / units
    pdf.set_fill_color(0)
    pdf.code39(text, x=MARGIN, y=MARGIN, w=wide, h=BAR_HEIGHT)


def _lines(pdf: FPDF, lines: Iterable[tuple[str, float, str]]) -> None:
    y = MARGIN + BAR_HEIGHT + 0.8
    for text, size, style in lines:
        pdf.set_font("DejaVu", style, size)
        pdf.set_xy(MARGIN, y)
        pdf.cell(WIDTH - 2 * MARGIN, size * 0.42, text[:48])
        y += size * 0.42 + 0.3


def sample_labels(samples: Iterable[Sample]) -> bytes:
    pdf = new_pdf(unit="mm", format=(WIDTH, HEIGHT))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_title(_("Sample labels"))
    for sample in samples:
        pdf.add_page()
        _barcode(pdf, sample.code)
        person = sample.person
        collected = timezone.localtime(sample.collected_at)
        _lines(
            pdf,
            [
                (sample.code, 9, "B"),
                (f"{person.full_name} ({person.birth_year})", 7, "B"),
                (f"{sample.get_test_kind_display()} · {sample.get_reason_display()}", 6, ""),
                (f"{collected:%H:%M %d/%m/%Y} · {sample.unit.name}", 6, ""),
            ],
        )
    return pdf_bytes(pdf)


def pool_label(pool: Pool) -> bytes:
    pdf = new_pdf(unit="mm", format=(WIDTH, HEIGHT))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_title(_("Pool label"))
    pdf.add_page()
    _barcode(pdf, pool.code)
    built = timezone.localtime(pool.created_at)
    _lines(
        pdf,
        [
            (pool.code, 9, "B"),
            (_("Pool of %(n)d samples") % {"n": pool.size}, 7, "B"),
            (pool.lab.name, 6, ""),
            (f"{built:%H:%M %d/%m/%Y}", 6, ""),
        ],
    )
    return pdf_bytes(pdf)
