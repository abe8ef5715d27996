"""Which font PDF exports use for Chinese: the configured one, else an installed system font."""

from __future__ import annotations

from pathlib import Path

import pytest

from openets.errors import InvalidInput
from openets.pdf_fonts import SYSTEM_CJK_FONTS, cjk_font


def test_a_configured_font_wins_and_must_exist(tmp_path: Path) -> None:
    font = tmp_path / "custom.ttf"
    font.write_bytes(b"not really a font: only its path is chosen here")
    assert cjk_font(font) == font
    missing = tmp_path / "missing.ttf"
    with pytest.raises(InvalidInput) as refused:
        cjk_font(missing)
    assert str(refused.value) == f"the PDF font '{missing}' does not exist"


def test_the_first_installed_system_font_is_used(cjk_font_file: Path) -> None:
    assert SYSTEM_CJK_FONTS[0] == cjk_font_file  # fonts-wqy-microhei, the first choice
    assert cjk_font() == Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
