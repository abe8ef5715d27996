"""Biogas / methane recovery: methane captured from manure or waste and destroyed.

``CH4 destroyed (t) = biogas (m³) × CH4 volume fraction × 0.000716 t/m³ × destruction
efficiency``; ``reductions = CH4 destroyed × GWP − project emissions`` (electricity and fuel
used by the digester, flare or engine, in tCO2e). A simplification: the full methodologies also
cap the claim at the methane the baseline manure system would have emitted.
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
    parse_inputs,
    reduction,
    times,
)

__all__ = ["CH4_DENSITY", "MethaneRecovery"]

#: t/m³: density of methane at normal conditions (0 °C, 101.325 kPa), as in the CDM tools
CH4_DENSITY = Decimal("0.000716")

_INPUTS = (
    Input("biogas_m3", "m³ at normal conditions (0 °C, 101.325 kPa): biogas sent to destruction"),
    Input("ch4_fraction", "share 0..1: methane volume fraction of the biogas", "share"),
    Input(
        "destruction_efficiency",
        "share 0..1 of the methane destroyed (flare, stove or engine)",
        "share",
        Decimal("0.9"),
        check=True,
    ),
    Input(
        "gwp_ch4",
        "tCO2e/tCH4: global warming potential (IPCC SAR, as in CCER-era "
        "methodologies; give 28 for AR5)",
        default=Decimal(21),
    ),
    Input("project_emissions_tco2e", "tCO2e: the project's own emissions", default=Decimal(0)),
)


@dataclass(frozen=True, slots=True)
class MethaneRecovery:
    """Methane recovery from animal manure and household/farm biogas (CCER)."""

    code: str = "CCER-BIOGAS"
    name: str = "Biogas / methane recovery / 甲烷回收利用"
    types: tuple[str, ...] = ("biogas",)
    source: str = (
        "CDM AMS-III.D (methane recovery in animal manure management systems) and its CCER "
        "counterparts (e.g. CMS-026-V01 家庭或小农场农业活动甲烷回收, CM-090-V01 粪便管理系统中的"
        "温室气体减排; codes not verified (check)); CH4 density 0.000716 t/m³ at normal "
        "conditions; GWP 21 (IPCC SAR) as used by CCER-era methodologies, overridable"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Reductions (tCO2e) of the methane destroyed, less the project's own emissions."""
        v = parse_inputs(self.code, _INPUTS, inputs)
        ch4 = times(v["biogas_m3"], v["ch4_fraction"], CH4_DENSITY, v["destruction_efficiency"])
        baseline = times(ch4, v["gwp_ch4"])
        project = v["project_emissions_tco2e"]
        net = minus(baseline, project)
        return reduction(
            net,
            1,
            {
                "ch4_destroyed_t": ch4,
                "baseline_tco2e": baseline,
                "project_tco2e": project,
                "net_tco2e": net,
            },
        )
