"""Mangrove (blue carbon) restoration: biomass growth of planted or restored mangroves.

``removals (tCO2) = area (ha) × above-ground biomass growth (t d.m./ha/yr) × years × (1 + R) ×
CF × 44/12``, less the buffer-pool share. Mangroves are measured by biomass growth rather than
stem volume (no commercial volume tables), so the volume, density and BEF steps of the forestry
methodology collapse into one growth rate. Soil carbon is conservatively left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from openets.offsets.methodologies._base import (
    Input,
    Reduction,
    describe,
    parse_inputs,
    times,
)
from openets.offsets.methodologies.forestry import stock_change

__all__ = ["MangroveRestoration"]

_INPUTS = (
    Input("area_ha", "ha: mangrove area planted or restored"),
    Input("years", "years in the monitoring period"),
    Input(
        "agb_growth_t_per_ha_yr",
        "t d.m./ha/yr: above-ground biomass growth (subtropical)",
        default=Decimal("18.1"),
        check=True,
    ),
    Input("root_shoot", "root-to-shoot ratio R (subtropical)", default=Decimal("0.96"), check=True),
    Input("carbon_fraction", "t C / t d.m.", default=Decimal("0.451"), check=True),
    Input(
        "buffer_share", "share 0..1 held in the buffer pool", "share", Decimal("0.1"), check=True
    ),
)


@dataclass(frozen=True, slots=True)
class MangroveRestoration:
    """Mangrove planting and restoration carbon sink (SINK and CCER projects)."""

    code: str = "SINK-MANGROVE"
    name: str = "Mangrove restoration (blue carbon) / 红树林营造"
    types: tuple[str, ...] = ("mangrove",)
    source: str = (
        "CCER-14-002-V01 mangrove afforestation (红树林营造, MEE 2023) for the approach; "
        "defaults from the 2013 Supplement to the 2006 IPCC Guidelines: Wetlands, Ch. 4 "
        "(mangrove above-ground biomass growth 18.1 t d.m./ha/yr and root-to-shoot 0.96 for "
        "subtropical mangroves, carbon fraction 0.451) — quoted from memory, not verified "
        "against the tables (check); buffer share 0.1 is a configurable default"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Net removals (tCO2e) of the period after the buffer-pool deduction."""
        v = parse_inputs(self.code, _INPUTS, inputs)
        above = times(v["area_ha"], v["agb_growth_t_per_ha_yr"], v["years"])
        return stock_change(above, v["root_shoot"], v["carbon_fraction"], v["buffer_share"], {})
