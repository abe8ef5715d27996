"""Banking: the intertemporal equilibrium when firms may keep allowances for later years.

Holding an allowance from year t to year u pays if its price rises faster than the interest
rate r, so while firms hold a positive bank the allowance price follows the Hotelling path
p_u = p_t × (1 + r)^(u − t). Borrowing from future years is not allowed (bank ≥ 0), and
allowances left at the end of the horizon are worth nothing to firms, so the bank ends at zero
unless the price is zero (or held at the floor).

The solver walks the horizon in segments. From a year s with an empty bank it finds, by
bisection, the smallest starting price p_s whose Hotelling path keeps the bank non-negative in
every later year (a higher p_s means more abatement in every year, hence a larger bank, so
this is monotone). The bank then touches zero in some year τ (or the price is zero and the
bank never runs out); the next segment starts at τ + 1 with an empty bank, at a price no
higher than the path would have reached. Each year's price is held within its floor and
ceiling; at the ceiling, extra allowances are sold so the bank never goes negative, and under
a binding floor the surplus goes to the bank. Stepped MACs make abatement jump at block
prices, so the year the bank touches zero is met exactly by using the marginal blocks in the
right share (interpolating between the two bracketing paths).
"""

from __future__ import annotations

import numpy as np

from openets.simulation.equilibrium import YearInputs, settle_year, year_inputs
from openets.simulation.model import (
    FloatArray,
    Scenario,
    SimulationResult,
    YearResult,
    firm_abatement,
)

__all__ = ["simulate_banking"]

#: Bisection steps on the starting price; it stops earlier once the bracket is two adjacent
#: floats.
MAX_STEPS = 200


class _Horizon:
    """The years from a segment's start on, with what the bank evaluation needs."""

    def __init__(self, scenario: Scenario, inputs: list[YearInputs]) -> None:
        market = scenario.market
        self.scenario = scenario
        self.inputs = inputs
        self.years = np.array(scenario.years, dtype=np.float64)
        self.floor = market.price_floor
        self.ceiling = market.price_ceiling
        self.growth = 1.0 + market.interest_rate
        self.scope = market.tax_scope
        #: a bank this close to zero counts as empty when asking whether the lowest price
        #: already suffices (float noise of the sums), tonnes
        self.tolerance = 1e-12 * max(float(market.cap.sum()), 1.0)

    def prices(self, start: int, start_price: float) -> FloatArray:
        """Allowance prices of years start.. on the Hotelling path, within floor and ceiling."""
        path = start_price * self.growth ** (self.years[start:] - self.years[start])
        clipped: FloatArray = np.minimum(np.maximum(path, self.floor[start:]), self.ceiling[start:])
        return clipped

    def banks(self, start: int, start_price: float) -> FloatArray:
        """The bank at the end of each year from ``start`` on (t), starting empty."""
        prices = self.prices(start, start_price)
        banks = np.empty(prices.size)
        bank = 0.0
        for k, inputs in enumerate(self.inputs[start:]):
            price = float(prices[k])
            effective = self.scope.effective_price(price, inputs.tax)
            needed = inputs.covered_baseline - float(inputs.curve.offered(effective))
            bank += inputs.cap - needed
            if bank < 0.0 and price >= self.ceiling[start + k]:
                bank = 0.0  # allowances sold at the ceiling fill the gap
            banks[k] = bank
        return banks

    def feasible(self, start: int, start_price: float, tolerance: float = 0.0) -> bool:
        return bool(self.banks(start, start_price).min() >= -tolerance)

    def start_price(self, start: int) -> tuple[float, float]:
        """The bracket (lo, hi) of the smallest feasible starting price; lo == hi when the
        lowest price (zero, or the floor) already keeps the bank non-negative."""
        if self.feasible(start, 0.0, self.tolerance):
            return 0.0, 0.0
        lo = 0.0
        hi = max(1.0, *(i.curve.highest_price for i in self.inputs[start:]))
        while not self.feasible(start, hi):  # pragma: no cover - full abatement always is
            hi *= 2.0
        for _ in range(MAX_STEPS):
            mid = (lo + hi) / 2.0
            if not lo < mid < hi:
                break
            if self.feasible(start, mid):
                hi = mid
            else:
                lo = mid
        return lo, hi


def simulate_banking(scenario: Scenario) -> SimulationResult:
    """Simulate a scenario with banking (see the module docstring)."""
    inputs = [year_inputs(scenario, t) for t in range(len(scenario.years))]
    horizon = _Horizon(scenario, inputs)
    results: list[YearResult] = []
    start = 0
    while start < len(inputs):
        lo, hi = horizon.start_price(start)
        if lo == hi:
            end = len(inputs) - 1  # the price stays at its lowest: the bank never runs out
            share = 1.0
        else:
            low_banks, high_banks = horizon.banks(start, lo), horizon.banks(start, hi)
            end = start + int(np.argmax(low_banks < 0.0))  # where the bank runs out
            low_bank = float(low_banks[end - start])
            gap = float(high_banks[end - start]) - low_bank
            share = min(max(-low_bank / gap, 0.0), 1.0) if gap > 0.0 else 1.0
        low_prices, high_prices = horizon.prices(start, lo), horizon.prices(start, hi)
        for t in range(start, end + 1):
            results.append(
                _settle(
                    scenario,
                    inputs[t],
                    float(low_prices[t - start]),
                    float(high_prices[t - start]),
                    share,
                    results[-1].bank if results else 0.0,
                )
            )
        start = end + 1
    return SimulationResult(scenario, tuple(results))


def _settle(
    scenario: Scenario,
    inputs: YearInputs,
    low: float,
    high: float,
    share: float,
    bank_before: float,
) -> YearResult:
    """Settle a year between the two bracketing price paths, ``share`` of the way to the
    higher one (they differ only in the blocks priced between them)."""
    if low == high:
        return settle_year(scenario, inputs, high, bank_before=bank_before)
    firms, scope = scenario.firms, scenario.market.tax_scope
    low_effective = scope.effective_price(low, inputs.tax)
    high_effective = scope.effective_price(high, inputs.tax)
    low_cut, low_cost = firm_abatement(firms, inputs.t, firms.covered, low_effective, 1.0)
    high_cut, high_cost = firm_abatement(firms, inputs.t, firms.covered, high_effective, 1.0)
    cut = low_cut + share * (high_cut - low_cut)
    cost = low_cost + share * (high_cost - low_cost)
    low_offsets = inputs.offset_limit if low_effective >= inputs.offset_price else 0.0
    high_offsets = inputs.offset_limit if high_effective >= inputs.offset_price else 0.0
    offsets = low_offsets + share * (high_offsets - low_offsets)
    return settle_year(
        scenario,
        inputs,
        high,
        bank_before=bank_before,
        marginal_share=share,
        abatement=(cut, cost),
        offsets=offsets,
    )
