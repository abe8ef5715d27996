"""The market equilibrium of each year: the allowance price at which covered firms' abatement
meets the cap, within the price floor and ceiling, with the carbon tax.

Covered firms together offer abatement A(p) at a carbon price p: the sum over firms of
min(p / slope, baseline) for linear MACs plus the blocks priced at or below p for stepped
ones, plus offsets (up to their limit, at the offset price). The cap requires
R = Σ covered baseline − cap tonnes of it; the required carbon price is the smallest p with
A(p) ≥ R. A(p) is piecewise linear with jumps, so :class:`SupplyCurve` finds that price
exactly from the sorted breakpoints, with no iteration: with linear MACs and no firm at its
baseline, p = R / Σ(1 / slope). A block priced exactly at that price is used in the share
that makes abatement meet R exactly.

Then the rules apply, in this order (see :class:`~openets.simulation.model.TaxScope`): the
tax turns the required carbon price into an allowance price; the floor raises it (surplus
allowances stay unsold: emissions end below the cap); the ceiling caps it (extra allowances
are sold at the ceiling: emissions end above the cap). Uncovered firms abate at the carbon
tax. With banking the years are linked: :mod:`openets.simulation.banking`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from openets.simulation.model import (
    Firms,
    FloatArray,
    Scenario,
    SimulationResult,
    YearResult,
    firm_abatement,
)

__all__ = [
    "SupplyCurve",
    "YearInputs",
    "settle_year",
    "simulate",
    "static_price",
    "supply_curve",
    "year_inputs",
]


@dataclass(frozen=True, slots=True, eq=False)
class SupplyCurve:
    """Total abatement (t) that covered firms and offsets offer at a carbon price, one year.

    Linear firms are sorted by the price at which they reach their baseline (slope ×
    baseline); stepped blocks and the offset block by their price.
    """

    saturation: FloatArray
    #: Σ baseline of the first i linear firms by saturation price (length firms + 1)
    cumulative_baseline: FloatArray
    #: Σ 1/slope of the first i linear firms (length firms + 1)
    cumulative_inverse: FloatArray
    block_price: FloatArray
    #: Σ tonnes of the first i blocks by price (length blocks + 1)
    cumulative_block: FloatArray

    def offered(self, price: float | FloatArray) -> FloatArray:
        """Abatement offered at ``price`` (blocks priced at ``price`` included)."""
        return (
            self._linear(price)
            + self.cumulative_block[np.searchsorted(self.block_price, price, side="right")]
        )

    def offered_below(self, price: float) -> float:
        """Abatement offered just below ``price`` (blocks priced at ``price`` left out)."""
        blocks = self.cumulative_block[np.searchsorted(self.block_price, price, side="left")]
        return float(self._linear(price) + blocks)

    def _linear(self, price: float | FloatArray) -> FloatArray:
        done = np.searchsorted(self.saturation, price, side="right")
        rest = self.cumulative_inverse[-1] - self.cumulative_inverse[done]
        result: FloatArray = self.cumulative_baseline[done] + np.maximum(price, 0.0) * rest
        return result

    @property
    def highest_price(self) -> float:
        """A price at which every firm abates all it can."""
        top = 0.0
        if self.saturation.size:
            top = max(top, float(self.saturation[-1]))
        if self.block_price.size:
            top = max(top, float(self.block_price[-1]))
        return top

    def required_price(self, required: float) -> float:
        """The smallest carbon price (yuan/t) at which abatement reaches ``required`` tonnes;
        the highest price if it never does."""
        if required <= 0.0:
            return 0.0
        breakpoints = np.unique(np.concatenate(([0.0], self.saturation, self.block_price)))
        offered = self.offered(breakpoints)
        j = int(np.searchsorted(offered, required, side="left"))
        if j == 0:
            return 0.0
        if j == breakpoints.size:
            return float(breakpoints[-1])
        start = float(breakpoints[j - 1])
        rising = float(
            self.cumulative_inverse[-1]
            - self.cumulative_inverse[np.searchsorted(self.saturation, start, side="right")]
        )
        if rising > 0.0:
            price = start + (required - float(offered[j - 1])) / rising
            if price < breakpoints[j]:
                return price
        return float(breakpoints[j])

    def marginal_share(self, price: float, required: float) -> float:
        """The share (0-1) of the blocks priced exactly at ``price`` that the market uses:
        just enough to meet ``required``; none if it is met without them."""
        below = self.offered_below(price)
        jump = float(self.offered(price)) - below
        if jump <= 0.0:
            return 1.0
        return min(max((required - below) / jump, 0.0), 1.0)


def supply_curve(
    firms: Firms, t: int, offsets: float = 0.0, offset_price: float = 0.0
) -> SupplyCurve:
    """The covered firms' abatement supply in year t, with ``offsets`` tonnes of offset
    credits offered at ``offset_price`` (yuan/t)."""
    linear = firms.covered & firms.linear
    slope = firms.mac_slope[linear]
    baseline = firms.baseline[linear, t]
    saturation = slope * baseline
    order = np.argsort(saturation, kind="stable")
    zero = np.zeros(1)
    in_blocks = firms.covered[firms.step_firm]
    prices = firms.step_price[in_blocks]
    sizes = firms.step_sizes(t)[in_blocks]
    if offsets > 0.0:
        prices = np.append(prices, offset_price)
        sizes = np.append(sizes, offsets)
    by_price = np.argsort(prices, kind="stable")
    return SupplyCurve(
        saturation=saturation[order],
        cumulative_baseline=np.concatenate((zero, np.cumsum(baseline[order]))),
        cumulative_inverse=np.concatenate((zero, np.cumsum(1.0 / slope[order]))),
        block_price=prices[by_price],
        cumulative_block=np.concatenate((zero, np.cumsum(sizes[by_price]))),
    )


@dataclass(frozen=True, slots=True, eq=False)
class YearInputs:
    """What one year's settlement needs besides the price: the curve and the rules."""

    t: int
    year: int
    curve: SupplyCurve
    #: Σ covered baseline (t)
    covered_baseline: float
    cap: float
    offset_limit: float
    offset_price: float
    tax: float


def year_inputs(scenario: Scenario, t: int) -> YearInputs:
    """The supply curve and the rules of year index t."""
    market, firms = scenario.market, scenario.firms
    cap = float(market.cap[t])
    offsets = market.offset_limit * cap
    return YearInputs(
        t=t,
        year=scenario.years[t],
        curve=supply_curve(firms, t, offsets, market.offset_price),
        covered_baseline=float(firms.baseline[firms.covered, t].sum()),
        cap=cap,
        offset_limit=offsets,
        offset_price=market.offset_price,
        tax=float(market.carbon_tax[t]),
    )


def static_price(scenario: Scenario, inputs: YearInputs) -> float:
    """The allowance price of a year on its own (no banking): the required carbon price,
    turned into an allowance price by the tax scope, then held within the floor and ceiling."""
    market = scenario.market
    required = inputs.covered_baseline - inputs.cap
    carbon = inputs.curve.required_price(required)
    price = market.tax_scope.allowance_price(carbon, inputs.tax)
    price = max(price, float(market.price_floor[inputs.t]))
    return min(price, float(market.price_ceiling[inputs.t]))


def settle_year(
    scenario: Scenario,
    inputs: YearInputs,
    price: float,
    *,
    bank_before: float = 0.0,
    marginal_share: float | None = None,
    abatement: tuple[FloatArray, FloatArray] | None = None,
    offsets: float | None = None,
) -> YearResult:
    """Everything that follows from a year's allowance price (yuan/t): each firm's abatement
    and emissions, offsets, unsold allowances or ceiling sales, the bank, tax and auction
    revenue.

    ``abatement`` (covered firms' tonnes and cost), ``offsets`` (t) and ``marginal_share``
    may be given by the banking solver; otherwise blocks at the price are used just as far
    as the cap needs. With banking, allowances not needed this year go to the bank instead
    of staying unsold.
    """
    market, firms, t = scenario.market, scenario.firms, inputs.t
    effective = market.tax_scope.effective_price(price, inputs.tax)
    required = inputs.covered_baseline - inputs.cap - bank_before
    share = (
        inputs.curve.marginal_share(effective, required)
        if marginal_share is None
        else marginal_share
    )
    if abatement is None:
        abatement = firm_abatement(firms, t, firms.covered, effective, share)
    covered_cut, covered_cost = abatement
    uncovered = ~firms.covered
    taxed_cut, taxed_cost = firm_abatement(firms, t, uncovered, inputs.tax, 0.0)
    cut = covered_cut + taxed_cut
    emissions = firms.baseline[:, t] - cut
    covered_emissions = float(emissions[firms.covered].sum())
    uncovered_emissions = float(emissions[uncovered].sum())
    if offsets is None:
        offsets = _offsets_used(inputs, effective, share)
    needed = covered_emissions - offsets  # allowances to surrender
    balance = bank_before + inputs.cap - needed
    at_ceiling = price >= float(market.price_ceiling[t])
    ceiling_sales = -balance if balance < 0.0 and at_ceiling else 0.0
    balance += ceiling_sales
    unsold = 0.0
    bank = 0.0
    if market.banking:
        bank = max(balance, 0.0)
    else:
        unsold = max(balance, 0.0)
    auctioned = max((1.0 - market.free_share) * inputs.cap - unsold, 0.0) + ceiling_sales
    tax_revenue = inputs.tax * uncovered_emissions + (effective - price) * covered_emissions
    return YearResult(
        year=inputs.year,
        price=price,
        effective_price=effective,
        cap=inputs.cap,
        covered_emissions=covered_emissions,
        uncovered_emissions=uncovered_emissions,
        covered_abatement=float(covered_cut.sum()),
        uncovered_abatement=float(taxed_cut.sum()),
        abatement_cost=float(covered_cost.sum() + taxed_cost.sum()),
        tax_revenue=tax_revenue,
        auction_revenue=price * auctioned,
        offsets=offsets,
        unsold=unsold,
        ceiling_sales=ceiling_sales,
        bank=bank,
        firm_abatement=cut,
        firm_emissions=emissions,
        firm_cost=covered_cost + taxed_cost,
    )


def _offsets_used(inputs: YearInputs, effective: float, share: float) -> float:
    if inputs.offset_limit <= 0.0 or effective < inputs.offset_price:
        return 0.0
    if effective == inputs.offset_price:
        return inputs.offset_limit * share
    return inputs.offset_limit


def simulate(scenario: Scenario) -> SimulationResult:
    """Simulate every year of a scenario: year by year, or linked by banking."""
    if scenario.market.banking:
        from openets.simulation.banking import simulate_banking

        return simulate_banking(scenario)
    results = []
    for t in range(len(scenario.years)):
        inputs = year_inputs(scenario, t)
        results.append(settle_year(scenario, inputs, static_price(scenario, inputs)))
    return SimulationResult(scenario, tuple(results))
