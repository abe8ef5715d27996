"""Use cases of the simulation, shared by the CLI, the REST API and the web pages.

A simulation reads no stored state and writes none, so these take no
:class:`~openets.bootstrap.App` and open no transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openets.errors import InvalidInput
from openets.simulation.equilibrium import simulate
from openets.simulation.model import Scenario, SimulationResult
from openets.simulation.scenario import ScenarioDocument

__all__ = ["MAX_SHARED_FIRM_YEARS", "run_document", "run_scenario"]

#: Largest scenario (firms × years) the public API and page simulate per request: the
#: benchmark's size (10,000 firms over 30 years) runs in well under a second.
MAX_SHARED_FIRM_YEARS = 300_000


def run_scenario(scenario: Scenario) -> SimulationResult:
    """Simulate a validated scenario."""
    return simulate(scenario)


def run_document(
    document: Mapping[str, Any], *, max_firm_years: int | None = MAX_SHARED_FIRM_YEARS
) -> SimulationResult:
    """Validate and simulate a scenario document that did not come from a file (no
    ``firms_csv``), refusing one larger than ``max_firm_years`` firm-years."""
    scenario = ScenarioDocument(document).scenario()
    size = scenario.firms.count * len(scenario.years)
    if max_firm_years is not None and size > max_firm_years:
        raise InvalidInput(
            f"the scenario has {size:,} firm-years; at most {max_firm_years:,} here "
            "(run larger ones with `openets sim run`)"
        )
    return run_scenario(scenario)
