"""The simulated market's values: firms with marginal abatement cost (MAC) curves, the market
rules of each year, and what one year of the market came to.

Units: emissions, baselines, abatement and allowances in tonnes CO2e; prices and taxes in yuan
per tonne; costs and revenues in yuan. Simulation computes in float64 (NumPy), vectorised over
firms; :mod:`openets.simulation.views` rounds the results it prints.

A firm's MAC curve is either **linear**, MAC(a) = slope × a (so at a carbon price p the firm
abates a = p / slope, at most its baseline, at a cost of slope × a² / 2), or **stepped**: a
table of abatement blocks, each a quantity of tonnes available at a constant marginal cost
(the usual bar chart of a MAC curve). A firm at price p uses every block priced below p; a
block priced exactly at p is used only as far as the market needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_FREE_SHARE",
    "DEFAULT_INTEREST_RATE",
    "Firms",
    "FloatArray",
    "MarketRules",
    "Scenario",
    "SimulationResult",
    "TaxScope",
    "YearResult",
    "firm_abatement",
]

FloatArray = NDArray[np.float64]

#: Discount rate of the Hotelling price path under banking (5 % a year, a common assumption
#: for the cost of carry of allowances in ETS models).
DEFAULT_INTEREST_RATE = 0.05
#: All allowances are allocated free unless a scenario says otherwise (China's national ETS
#: allocates free so far; the 2020 trial measures foresee paid allocation "in due course").
DEFAULT_FREE_SHARE = 1.0


class TaxScope(StrEnum):
    """What the carbon tax is levied on and how it meets the ETS.

    - ``uncovered``: emissions of firms outside the ETS only.
    - ``all``: every tonne; covered firms pay the tax on top of the allowance price.
    - ``floor``: emissions outside the ETS, and a top-up for covered firms of
      max(0, tax − allowance price) per tonne, so no covered tonne costs less than the tax
      (like the UK's carbon price support).
    """

    UNCOVERED = "uncovered"
    ALL = "all"
    FLOOR = "floor"

    def effective_price(self, allowance_price: float, tax: float) -> float:
        """The carbon price a covered firm faces per tonne emitted (yuan/t)."""
        if self is TaxScope.ALL:
            return allowance_price + tax
        if self is TaxScope.FLOOR:
            return max(allowance_price, tax)
        return allowance_price

    def allowance_price(self, required_price: float, tax: float) -> float:
        """The allowance price that makes covered firms face ``required_price``, the price at
        which their abatement meets the cap (before any price floor or ceiling)."""
        if self is TaxScope.ALL:
            return max(0.0, required_price - tax)
        if self is TaxScope.FLOOR:
            return required_price if required_price >= tax else 0.0
        return required_price


@dataclass(frozen=True, slots=True, eq=False)
class Firms:
    """Every firm of a scenario, as arrays over firms (index i) and years (index t).

    ``mac_slope[i]`` is NaN for a firm with a stepped MAC; its blocks are the entries k with
    ``step_firm[k] == i`` (sorted by firm, then price).
    """

    ids: tuple[str, ...]
    covered: NDArray[np.bool_]
    #: tonnes per year, shape (firms, years)
    baseline: FloatArray
    #: yuan/t per tonne abated; NaN for a stepped MAC
    mac_slope: FloatArray
    step_firm: NDArray[np.intp]
    #: yuan/t
    step_price: FloatArray
    #: tonnes
    step_quantity: FloatArray

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def linear(self) -> NDArray[np.bool_]:
        """Firms with a linear MAC."""
        return ~np.isnan(self.mac_slope)

    def step_sizes(self, t: int) -> FloatArray:
        """Each block's tonnes in year t, cut so that a firm never abates more than its
        baseline (blocks beyond the baseline shrink or vanish)."""
        if self.step_firm.size == 0:
            return self.step_quantity
        cumulative = np.cumsum(self.step_quantity)
        starts = np.searchsorted(self.step_firm, self.step_firm, side="left")
        before = np.where(starts > 0, cumulative[starts - 1], 0.0)
        within = cumulative - before  # cumulative tonnes within each firm's table
        capped = np.minimum(within, self.baseline[self.step_firm, t])
        previous = np.where(
            np.arange(self.step_firm.size) > starts, np.roll(capped, 1), 0.0
        )  # the capped total of the firm's blocks before this one
        sizes: FloatArray = np.maximum(capped - previous, 0.0)
        return sizes


def firm_abatement(
    firms: Firms,
    t: int,
    members: NDArray[np.bool_],
    price: float,
    marginal_share: float,
) -> tuple[FloatArray, FloatArray]:
    """Abatement (t) and abatement cost (yuan) of each firm in ``members`` at a carbon price
    (yuan/t), zero for the others. Blocks priced exactly at ``price`` are used in the share
    ``marginal_share`` (0-1); linear MACs give min(price / slope, baseline)."""
    abatement = np.zeros(firms.count)
    cost = np.zeros(firms.count)
    linear = members & firms.linear
    if linear.any():
        slope = firms.mac_slope[linear]
        done = np.minimum(max(price, 0.0) / slope, firms.baseline[linear, t])
        abatement[linear] = done
        cost[linear] = slope * done * done / 2.0
    if firms.step_firm.size:
        in_set = members[firms.step_firm]
        use = np.where(
            firms.step_price < price,
            1.0,
            np.where(firms.step_price == price, marginal_share, 0.0),
        )
        tonnes = firms.step_sizes(t) * use * in_set
        abatement += np.bincount(firms.step_firm, tonnes, minlength=firms.count)
        cost += np.bincount(firms.step_firm, tonnes * firms.step_price, minlength=firms.count)
    return abatement, cost


@dataclass(frozen=True, slots=True, eq=False)
class MarketRules:
    """The ETS and carbon-tax rules, one value per simulated year where they may vary."""

    #: allowances per year for covered firms (t)
    cap: FloatArray
    banking: bool
    #: yuan/t; 0 means no floor
    price_floor: FloatArray
    #: yuan/t; +inf means no ceiling
    price_ceiling: FloatArray
    #: yuan/t
    carbon_tax: FloatArray
    tax_scope: TaxScope = TaxScope.UNCOVERED
    #: share of the cap allocated free (0-1); the rest is auctioned
    free_share: float = DEFAULT_FREE_SHARE
    #: Hotelling discount rate under banking, per year
    interest_rate: float = DEFAULT_INTEREST_RATE
    #: offsets usable per year, as a share of the cap (0-1)
    offset_limit: float = 0.0
    #: yuan/t of an offset credit
    offset_price: float = 0.0


@dataclass(frozen=True, slots=True, eq=False)
class Scenario:
    """A market to simulate: the years, the rules and the firms."""

    name: str
    years: tuple[int, ...]
    market: MarketRules
    firms: Firms


@dataclass(frozen=True, slots=True, eq=False)
class YearResult:
    """One simulated year. Tonnes, yuan/t and yuan, unrounded."""

    year: int
    #: allowance price (yuan/t)
    price: float
    #: carbon price a covered firm faces per tonne (allowance price plus any tax on it)
    effective_price: float
    cap: float
    covered_emissions: float
    uncovered_emissions: float
    covered_abatement: float
    uncovered_abatement: float
    abatement_cost: float
    tax_revenue: float
    auction_revenue: float
    #: offset credits surrendered instead of allowances (t)
    offsets: float
    #: allowances left unsold because the price floor held the price up (t)
    unsold: float
    #: extra allowances sold at the price ceiling (t)
    ceiling_sales: float
    #: allowances banked at the end of the year (t)
    bank: float
    firm_abatement: FloatArray
    firm_emissions: FloatArray
    firm_cost: FloatArray

    @property
    def emissions(self) -> float:
        return self.covered_emissions + self.uncovered_emissions

    @property
    def abatement(self) -> float:
        return self.covered_abatement + self.uncovered_abatement


@dataclass(frozen=True, slots=True, eq=False)
class SimulationResult:
    """A scenario's simulated years, in order."""

    scenario: Scenario
    years: tuple[YearResult, ...]
