from vungxanh.core.pdf import new_pdf, pdf_bytes


def test_pdf_prints_vietnamese_text():
    pdf = new_pdf(format="A4")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(text="Quét mã QR để khai báo y tế – Phường Hà Khánh")
    data = pdf_bytes(pdf)
    assert data.startswith(b"%PDF-")
    assert b"DejaVu" in data  # the Unicode font is embedded
