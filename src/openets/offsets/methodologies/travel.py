"""Low-carbon travel: trips (or passenger-km) by bus, metro or bicycle instead of by car.

``reductions (tCO2e) = activity × (baseline factor − project factor) / 1000`` with the factors in
kgCO2e per trip (or per passenger-km, matching the activity).
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

__all__ = ["LowCarbonTravel"]

_KG_PER_TONNE = Decimal("0.001")

_INPUTS = (
    Input("activity", "trips or passenger-km in the period (the factors' unit)"),
    Input("baseline_kg_per_unit", "kgCO2e per trip or passenger-km of the replaced travel"),
    Input("project_kg_per_unit", "kgCO2e per trip or passenger-km of the low-carbon travel"),
)


@dataclass(frozen=True, slots=True)
class LowCarbonTravel:
    """Public transport, cycling and walking (a PHCER methodology)."""

    code: str = "PHCER-TRAVEL"
    name: str = "Low-carbon travel / 低碳出行"
    types: tuple[str, ...] = ("low_carbon_travel",)
    source: str = (
        "Guangdong / Shenzhen carbon-inclusive methodologies for low-carbon public travel "
        "(e.g. 深圳市低碳公共出行碳普惠方法学; title and edition not verified (check)); the "
        "baseline and project factors are inputs taken from the applicable methodology"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Reductions (tCO2e): avoided baseline travel emissions less the project's own."""
        v = parse_inputs(self.code, _INPUTS, inputs)
        baseline = times(v["activity"], v["baseline_kg_per_unit"], _KG_PER_TONNE)
        project = times(v["activity"], v["project_kg_per_unit"], _KG_PER_TONNE)
        net = minus(baseline, project)
        return reduction(
            net, 1, {"baseline_tco2": baseline, "project_tco2": project, "net_tco2": net}
        )
