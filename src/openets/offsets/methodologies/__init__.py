"""Methodologies as plug-ins: each one declares its inputs, cites its source and computes the
reductions of one monitoring period, exactly (``Decimal``), rounding the creditable tonnes down.

A new methodology is a frozen dataclass with ``code``, ``name``, ``types``, ``source``,
``inputs`` and ``calculate`` (see :class:`Methodology`), added to :data:`METHODOLOGIES`.
"""

from __future__ import annotations

from openets.errors import InvalidInput
from openets.offsets.methodologies._base import Methodology, Reduction
from openets.offsets.methodologies.biogas import MethaneRecovery
from openets.offsets.methodologies.forestry import ForestCarbonSink
from openets.offsets.methodologies.fuel_switch import FuelSwitch
from openets.offsets.methodologies.mangrove import MangroveRestoration
from openets.offsets.methodologies.solar import DistributedSolar
from openets.offsets.methodologies.travel import LowCarbonTravel

__all__ = [
    "METHODOLOGIES",
    "PROJECT_TYPES",
    "Methodology",
    "Reduction",
    "get_methodology",
    "methodology_view",
]

#: the project types methodologies apply to (more may be added)
PROJECT_TYPES = (
    "distributed_solar",
    "forestry",
    "mangrove",
    "biogas",
    "hydropower",
    "fuel_switch",
    "low_carbon_travel",
)

_PLUGINS: tuple[Methodology, ...] = (
    DistributedSolar(),
    ForestCarbonSink(),
    MangroveRestoration(),
    LowCarbonTravel(),
    MethaneRecovery(),
    # grid-connected hydropower displaces grid electricity the way rooftop PV does; CCER
    # CM-001 (ACM0002) uses a combined-margin factor, here simplified to the national
    # average (check)
    DistributedSolar(
        code="CCER-HYDRO",
        name="Grid-connected hydropower / 并网水电",
        types=("hydropower",),
        source=(
            "CCER CM-001-V02 / CDM ACM0002 (grid-connected electricity from renewable "
            "sources), simplified: the national average grid factor instead of the combined "
            "margin (check)"
        ),
    ),
    FuelSwitch(),
)

#: every methodology by code, in a stable order
METHODOLOGIES: dict[str, Methodology] = {m.code: m for m in _PLUGINS}


def get_methodology(code: str) -> Methodology:
    """The methodology with this code (case-insensitive); ``InvalidInput`` lists the known ones."""
    methodology = METHODOLOGIES.get(code.strip().upper())
    if methodology is None:
        raise InvalidInput(f"unknown methodology {code!r}; known: {', '.join(METHODOLOGIES)}")
    return methodology


def methodology_view(methodology: Methodology) -> dict[str, object]:
    """A methodology as JSON-ready data (``openets offsets methodology list --json``)."""
    return {
        "code": methodology.code,
        "name": methodology.name,
        "types": list(methodology.types),
        "source": methodology.source,
        "inputs": dict(methodology.inputs),
    }
