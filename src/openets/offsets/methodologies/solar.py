"""Distributed (rooftop) solar PV: generation displaces grid electricity.

``reductions = generation (MWh) × grid factor (tCO2/MWh) × (1 − leakage share)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from openets.errors import InvalidInput
from openets.mrv.factors import FactorLibrary
from openets.offsets.methodologies._base import (
    Input,
    Reduction,
    describe,
    minus,
    parse_inputs,
    reduction,
    times,
)

__all__ = ["DEFAULT_GRID_FACTOR", "DistributedSolar"]

#: tCO2/MWh: the published 2023 national average (MEE/NBS), used when neither a factor nor a
#: year is given; see src/openets/mrv/data/grid-2023-national-average.toml
DEFAULT_GRID_FACTOR = Decimal("0.5306")

_INPUTS = (
    Input("generation_mwh", "MWh: electricity generated and fed to use in the period"),
    Input(
        "grid_factor",
        "tCO2/MWh: grid emission factor; when absent, the MRV factor library's national "
        f"average for `year`, else {DEFAULT_GRID_FACTOR} (2023 national average)",
        optional=True,
    ),
    Input(
        "year", "monitoring year: picks the grid factor from the MRV library", "year", optional=True
    ),
    Input("leakage_share", "share 0..1 of reductions deducted as leakage", "share", Decimal(0)),
)


@dataclass(frozen=True, slots=True)
class DistributedSolar:
    """Rooftop PV of households and small businesses (a PHCER methodology)."""

    code: str = "PHCER-PV"
    name: str = "Distributed (rooftop) solar PV / 分布式光伏发电"
    types: tuple[str, ...] = ("distributed_solar",)
    source: str = (
        "Guangdong carbon-inclusive methodology for installing distributed PV systems "
        "(广东省安装分布式光伏发电系统碳普惠方法学, Guangdong DEE; edition not verified (check)); "
        "grid factor: MEE/NBS national average electricity CO2 emission factor "
        "(0.5306 tCO2/MWh for 2023)"
    )

    @property
    def inputs(self) -> dict[str, str]:
        return describe(_INPUTS)

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """Reductions (tCO2e) of ``generation_mwh`` displacing grid electricity."""
        values = parse_inputs(self.code, _INPUTS, inputs)
        factor = values.get("grid_factor")
        if factor is None:
            year = values.get("year")
            factor = DEFAULT_GRID_FACTOR if year is None else _library_factor(self.code, year)
        baseline = times(values["generation_mwh"], factor)
        leakage = times(baseline, values["leakage_share"])
        net = minus(baseline, leakage)
        return reduction(
            net,
            1,
            {
                "generation_mwh": values["generation_mwh"],
                "grid_factor": factor,
                "baseline_tco2": baseline,
                "leakage_tco2": leakage,
                "net_tco2": net,
            },
        )


def _library_factor(code: str, year: Decimal) -> Decimal:
    # The national average, not the (higher-priority) ETS factor for covered entities: what
    # one more MWh of distributed PV displaces is average grid electricity.
    library = FactorLibrary.default()
    whole = int(year)
    try:
        factors = library.grid(whole, f"grid-{whole}-national-average")
    except InvalidInput:
        try:
            factors = library.grid(whole)
        except InvalidInput as error:
            raise InvalidInput(
                f"{code}: input 'year': {error.message}; give grid_factor instead"
            ) from None
    return factors["ef"]
