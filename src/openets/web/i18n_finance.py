"""Dashboard labels of the pledge pages, in English and Chinese (merged by
:mod:`openets.web.i18n`)."""

from __future__ import annotations

EN: dict[str, str] = {}
ZH: dict[str, str] = {}
