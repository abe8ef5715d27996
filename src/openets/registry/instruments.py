"""Instrument codes.

Allowances carry their vintage year (``GDEA-2024``: Guangdong emission allowance of vintage
2024); offset credits do not (``CCER``, ``PHCER``, ``SINK``). One unit is one tonne of CO2e.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from openets.errors import InvalidInput


class InstrumentFamily(StrEnum):
    GDEA = "GDEA"  # Guangdong emission allowance
    SZEA = "SZEA"  # Shenzhen emission allowance
    CEA = "CEA"  # national emission allowance
    CCER = "CCER"  # China Certified Emission Reduction
    PHCER = "PHCER"  # Guangdong carbon-inclusive verified reduction (碳普惠)
    SINK = "SINK"  # regional carbon-sink credit


ALLOWANCES = frozenset({InstrumentFamily.GDEA, InstrumentFamily.SZEA, InstrumentFamily.CEA})
#: The Guangdong pilot started in 2013; no allowance of an earlier vintage exists.
FIRST_VINTAGE = 2013
LAST_VINTAGE = 2100

_ALLOWANCE_CODE = re.compile(r"^(GDEA|SZEA|CEA)-(\d{4})$")


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable unit type: an allowance of one vintage, or an offset credit."""

    family: InstrumentFamily
    vintage: int | None

    @property
    def code(self) -> str:
        return self.family.value if self.vintage is None else f"{self.family}-{self.vintage}"

    @property
    def is_allowance(self) -> bool:
        return self.family in ALLOWANCES

    def __str__(self) -> str:
        return self.code


@lru_cache(maxsize=1024)
def parse_instrument(code: str) -> Instrument:
    """Parse an instrument code, refusing unknown or malformed ones."""
    text = code.strip()
    match = _ALLOWANCE_CODE.match(text)
    if match:
        vintage = int(match.group(2))
        if not FIRST_VINTAGE <= vintage <= LAST_VINTAGE:
            raise InvalidInput(
                f"instrument {code!r}: vintage {vintage} is outside {FIRST_VINTAGE}-{LAST_VINTAGE}"
            )
        return Instrument(InstrumentFamily(match.group(1)), vintage)
    if text in {"CCER", "PHCER", "SINK"}:
        return Instrument(InstrumentFamily(text), None)
    raise InvalidInput(
        f"unknown instrument code {code!r}: expected GDEA-YYYY, SZEA-YYYY, CEA-YYYY, "
        "CCER, PHCER or SINK"
    )
