"""Which font PDF exports use for Chinese text.

fpdf2's core fonts cover Latin-1 only; a TrueType/OpenType font covering Chinese makes MRV
reports and label certificates bilingual and keeps every character. The font is the one set
in :attr:`openets.settings.Settings.pdf_font` (``OPENETS_PDF_FONT``), else the first of the
usual Debian font files that is installed.
"""

from __future__ import annotations

from pathlib import Path

from openets.errors import InvalidInput

#: Debian's Chinese fonts, in order of preference (packages fonts-wqy-microhei,
#: fonts-wqy-zenhei, fonts-noto-cjk).
SYSTEM_CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


def cjk_font(configured: Path | None = None) -> Path | None:
    """The font for Chinese text: ``configured`` (which must exist), else an installed
    system font, else None."""
    if configured is not None:
        if not configured.is_file():
            raise InvalidInput(f"the PDF font {str(configured)!r} does not exist")
        return configured
    return next((path for path in SYSTEM_CJK_FONTS if path.is_file()), None)
