"""The PDF certificate of a carbon label (fpdf2) and its QR code (``qrcode``'s module matrix,
drawn as filled squares: no image library needed), plus the same QR code as SVG for the web.

Without ``font`` the PDF is in Helvetica (Latin-1: Chinese characters print as ``?``); give a
TrueType/OpenType font covering Chinese (as for MRV reports) to keep every character.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
from markupsafe import Markup

from openets import __version__
from openets.labels.store import StoredLabel

__all__ = ["label_pdf", "qr_matrix", "qr_svg"]


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of ``text`` as rows of dark (True) modules, with a 4-module quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_svg(text: str, size: int = 164) -> Markup:
    """An inline SVG of the QR code of ``text`` (one path, no script)."""
    matrix = qr_matrix(text)
    n = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="qr" width="{s}" height="{s}" '
        'viewBox="0 0 {n} {n}" role="img" aria-label="QR code: {t}" shape-rendering="crispEdges">'
        '<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{p}"/></svg>'
    ).format(s=size, n=n, t=text, p=path)


def _latin1(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("latin-1")


def label_pdf(label: StoredLabel, status: str, on: date, *, font: Path | None = None) -> bytes:
    """The certificate as a one-page A4 PDF: its fields, footprint by stage, the signature and
    a QR code of its verification address, with its status on day ``on``."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    document = label.document
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=15)
    bilingual = font is not None
    if font is not None:
        pdf.add_font("label", "", str(font))
    family, strong = ("label", "") if bilingual else ("helvetica", "B")

    def text(value: object) -> str:
        return str(value) if bilingual else _latin1(str(value))

    def label_of(en: str, zh: str) -> str:
        return f"{zh} {en}" if bilingual else en

    pdf.set_title(f"Carbon label certificate {label.id}")
    pdf.set_author(f"OpenETS {__version__}")
    pdf.set_creator(f"OpenETS {__version__}")
    pdf.add_page()
    pdf.set_font(family, strong, 18)
    pdf.cell(
        0,
        10,
        text(label_of("Carbon label certificate", "碳标签证书")),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(family, "", 10)
    pdf.cell(
        0,
        6,
        text(f"{label.id} - status on {on.isoformat()}: {status}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    url = str(document.get("verification_url", ""))
    matrix = qr_matrix(url or label.id)
    module = 40 / len(matrix)
    left, top = 210 - 18 - 40, 18
    pdf.set_fill_color(0, 0, 0)
    for y, modules in enumerate(matrix):
        for x, dark in enumerate(modules):
            if dark:
                pdf.rect(left + x * module, top + y * module, module, module, style="F")
    pdf.ln(30)
    rows = [
        (label_of("Product", "产品"), document.get("product", label.product)),
        (label_of("Company", "企业"), document.get("company", label.company)),
        (label_of("Declared unit", "声明单位"), document.get("declared_unit", "")),
        (label_of("Carbon footprint (kgCO2e per unit)", "碳足迹"), label.per_unit_kgco2e),
        (label_of("Total (kgCO2e)", "总量"), document.get("total_kgco2e", "")),
        (label_of("Boundary", "系统边界"), document.get("boundary", "")),
        (label_of("Method", "方法"), document.get("method", "")),
        (label_of("Verifier", "核查机构"), document.get("verifier", "")),
        (label_of("Issued on", "签发日期"), document.get("issued_on", "")),
        (label_of("Valid", "有效期"), f"{document.get('valid_from', '')} - {label.valid_until}"),
        (label_of("Verification", "验证地址"), url),
        (label_of("Signing key", "签名密钥"), document.get("key_id", "")),
    ]
    by_stage = document.get("by_stage", {})
    if isinstance(by_stage, dict):
        rows += [(f"  {stage}", value) for stage, value in by_stage.items()]
    if label.revoked:
        rows.append((label_of("Revoked", "已撤销"), f"{label.revoked_at}: {label.revoked_reason}"))
    pdf.set_font(family, "", 9)
    # the first row is a heading: bold in Helvetica; a single-face font gets a fill instead
    headings = FontFace(fill_color=(225, 232, 240)) if bilingual else FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=(55, 119), line_height=5, text_align="LEFT", headings_style=headings
    ) as grid:
        for name, value in rows:
            line = grid.row()
            line.cell(text(name))
            line.cell(text(value))
    pdf.ln(4)
    pdf.set_font(family, "", 7)
    signature = str(document.get("signature", ""))
    pdf.multi_cell(
        0, 4, text(f"Ed25519 signature (base64): {signature}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.multi_cell(
        0,
        4,
        text(
            "Check offline: openets label verify CERT.json --public-key registry.pem "
            "(the signature covers every field); online: scan the QR code."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
