"""Fuel switching (coal or oil to natural gas) in an existing boiler or kiln.

``reductions (tCO2) = project energy (GJ) × (baseline factor − project factor)``, the factors in
tCO2 per GJ of fuel energy, assuming the same efficiency before and after the switch (the
simplified form of CDM ACM0009 / AMS-III.B and their CCER counterparts; check). With the MRV
factor library's defaults, raw coal is 0.02637 × 0.94 × 44/12 = 0.0908862 tCO2/GJ and natural
gas 0.01532 × 0.99 × 44/12 = 0.0556116 tCO2/GJ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from openets.offsets.methodologies._base import (
    Input,
    Reduction,
    describe,
    minus,
    parse_inputs,
    reduction,
    times,
)

__all__ = ["FuelSwitch"]

_INPUTS = (
    Input("project_energy_gj", "GJ: energy of the project fuel burnt in the period"),
    Input("baseline_tco2_per_gj", "tCO2/GJ of the fuel replaced (e.g. raw coal 0.0908862)"),
    Input("project_tco2_per_gj", "tCO2/GJ of the fuel now burnt (e.g. natural gas 0.0556116)"),
)


@dataclass(frozen=True, slots=True)
class FuelSwitch:
    """Switching an existing installation to a lower-carbon fossil fuel (a CCER type)."""

    code: str = "CCER-FUEL-SWITCH"
    name: str = "Fuel switching to natural gas / 燃料替代"
    types: tuple[str, ...] = ("fuel_switch",)
    source: str = (
        "CDM ACM0009 / AMS-III.B (fuel switching from coal or petroleum fuel to natural gas) "
        "and their CCER counterparts, simplified to equal efficiency (check); fuel factors: "
        "the MRV factor library (src/openets/mrv/data/cn-guidelines-2013.toml)"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Reductions (tCO2) of burning ``project_energy_gj`` of the project fuel instead."""
        values = parse_inputs(self.code, _INPUTS, inputs)
        baseline = times(values["project_energy_gj"], values["baseline_tco2_per_gj"])
        project = times(values["project_energy_gj"], values["project_tco2_per_gj"])
        net = minus(baseline, project)
        return reduction(
            net, 1, {"baseline_tco2": baseline, "project_tco2": project, "net_tco2": net}
        )
