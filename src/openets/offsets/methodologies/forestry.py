"""Forestry carbon sink: the stock change of above- and below-ground tree biomass.

``stock change (tCO2) = area (ha) × volume growth (m³/ha/yr) × years × wood density
(t d.m./m³) × BEF × (1 + R) × CF × 44/12``, less the buffer-pool share held back for the risk of
reversal (fire, pests, felling). The stem-volume route is IPCC 2006 Vol. 4 Ch. 2, Eq. 2.10
(``ΔC_G = A × I_V × D × BEF × (1 + R) × CF``) with 44/12 from carbon to CO2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from openets.offsets.methodologies._base import (
    Input,
    Reduction,
    describe,
    minus,
    over,
    parse_inputs,
    plus,
    reduction,
    times,
)

__all__ = ["ForestCarbonSink"]

_ONE = Decimal(1)
_FORTY_FOUR = Decimal(44)

_INPUTS = (
    Input("area_ha", "ha: forest area of the project"),
    Input("volume_growth_m3_per_ha_yr", "m³/ha/yr: mean annual growth of stem volume"),
    Input("years", "years in the monitoring period"),
    # species-specific (e.g. Chinese fir, Masson pine, eucalyptus, broadleaf mixed): no default,
    # the project documents them from the methodology's tables or its own measurements
    Input("wood_density", "t d.m./m³: basic wood density (species-specific)"),
    Input("bef", "biomass expansion factor, stem to above-ground biomass (species-specific)"),
    Input("root_shoot", "root-to-shoot ratio R, below- to above-ground biomass"),
    Input("carbon_fraction", "t C / t d.m.", default=Decimal("0.5")),
    Input(
        "buffer_share", "share 0..1 held in the buffer pool", "share", Decimal("0.1"), check=True
    ),
)


@dataclass(frozen=True, slots=True)
class ForestCarbonSink:
    """Forest management / protection carbon sink (PHCER and SINK projects)."""

    code: str = "PHCER-FOREST"
    name: str = "Forestry carbon sink / 森林碳汇"
    types: tuple[str, ...] = ("forestry",)
    source: str = (
        "Guangdong carbon-inclusive methodologies for forest protection and forest management "
        "(广东省森林保护碳普惠方法学, 广东省森林经营碳普惠方法学, Guangdong DEE; editions not "
        "verified (check)); CCER-14-001-V01 afforestation carbon sink (造林碳汇, MEE 2023); "
        "IPCC 2006 Guidelines Vol. 4 Ch. 2 Eq. 2.10 (stem-volume growth route); carbon fraction "
        "0.5 as in the Chinese methodologies (IPCC 2006 Table 4.3 default: 0.47); buffer share "
        "0.1 is a configurable default"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Net removals (tCO2e) of the period after the buffer-pool deduction."""
        v = parse_inputs(self.code, _INPUTS, inputs)
        volume = times(v["area_ha"], v["volume_growth_m3_per_ha_yr"], v["years"])
        above = times(volume, v["wood_density"], v["bef"])
        return stock_change(
            above,
            v["root_shoot"],
            v["carbon_fraction"],
            v["buffer_share"],
            {"volume_m3": volume},
        )


def stock_change(
    above_ground_t: Decimal,
    root_shoot: Decimal,
    carbon_fraction: Decimal,
    buffer_share: Decimal,
    first: dict[str, Decimal],
) -> Reduction:
    """From above-ground biomass growth (t d.m.) to net removals (tCO2e) after the buffer.

    CO2 figures are numerators over 12 until the end (44/12 does not terminate).
    """
    biomass = times(above_ground_t, plus(_ONE, root_shoot))
    carbon = times(biomass, carbon_fraction)
    gross_12 = times(carbon, _FORTY_FOUR)
    buffer_12 = times(gross_12, buffer_share)
    net_12 = minus(gross_12, buffer_12)
    return reduction(
        net_12,
        12,
        {
            **first,
            "above_ground_biomass_t": above_ground_t,
            "biomass_t": biomass,
            "carbon_t": carbon,
            "stock_change_tco2": over(gross_12, 12),
            "buffer_tco2": over(buffer_12, 12),
            "net_tco2": over(net_12, 12),
        },
    )
