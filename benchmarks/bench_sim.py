"""Policy simulation: 10,000 firms over 30 years, vectorised, against a plain-loop baseline.

The vectorised engine (:func:`openets.simulation.equilibrium.simulate`) runs the full size,
without and with banking. The baseline is the textbook pure-Python way: per year, bisection
on the price, each step summing min(p / slope, baseline) over the firms in a Python loop. It
runs 1,000 firms over 30 years (a tenth of the firms) in the same process and is scaled ×10
to the full size (its cost is linear in the number of firms); both solve the same linear-MAC
market, and the benchmark checks they agree on the prices.

Run: ``.venv/bin/python benchmarks/bench_sim.py``
"""

from __future__ import annotations

import random
import time
from typing import Any

from openets.simulation.equilibrium import simulate
from openets.simulation.scenario import parse_scenario

FIRMS, YEARS = 10_000, 30
BASELINE_FIRMS = 1_000
SCALE = FIRMS / BASELINE_FIRMS


def document(firms: int, *, banking: bool = False, seed: int = 7) -> dict[str, Any]:
    """A market of ``firms`` firms (90 % covered), the cap falling 2 % a year."""
    rng = random.Random(seed)
    rows = []
    for n in range(firms):
        rows.append(
            {
                "id": f"F{n:05d}",
                "covered": rng.random() < 0.9,
                "baseline": rng.uniform(10_000, 1_000_000),
                "growth": rng.uniform(-0.01, 0.03),
                "mac_slope": rng.uniform(0.00005, 0.002),
            }
        )
    first = sum(r["baseline"] for r in rows if r["covered"])
    years = list(range(2025, 2025 + YEARS))
    return {
        "years": years,
        "market": {
            "cap": [first * 0.95 * 0.98**k for k in range(YEARS)],
            "banking": banking,
            "carbon_tax": 30,
        },
        "firms": rows,
    }


def plain_loop_prices(doc: dict[str, Any]) -> list[float]:
    """Per year, bisection on the price with a pure-Python sum over firms."""
    firms = doc["firms"]
    prices = []
    for k, cap in enumerate(doc["market"]["cap"]):
        covered = [
            (f["baseline"] * (1 + f["growth"]) ** k, f["mac_slope"]) for f in firms if f["covered"]
        ]
        required = sum(b for b, _ in covered) - cap
        lo, hi = 0.0, max(b * s for b, s in covered)
        for _ in range(60):
            mid = (lo + hi) / 2
            if sum(min(mid / s, b) for b, s in covered) >= required:
                hi = mid
            else:
                lo = mid
        prices.append(hi)
    return prices


def best_of(runs: int, work: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    full = parse_scenario(document(FIRMS))
    banked = parse_scenario(document(FIRMS, banking=True))
    small_doc = document(BASELINE_FIRMS)
    small = parse_scenario(small_doc)

    vector_s, result = best_of(3, lambda: simulate(full))
    banking_s, _ = best_of(3, lambda: simulate(banked))
    loop_s, loop_prices = best_of(1, lambda: plain_loop_prices(small_doc))
    check = simulate(small)
    worst = max(
        abs(a - y.price) / max(y.price, 1.0) for a, y in zip(loop_prices, check.years, strict=True)
    )
    assert worst < 1e-9, f"the plain loop disagrees with the engine: {worst}"
    loop_full = loop_s * SCALE

    print(f"simulation: {FIRMS:,} firms x {YEARS} years")
    print(f"  vectorised, year by year:   {vector_s:8.3f} s")
    print(f"  vectorised, with banking:   {banking_s:8.3f} s")
    print(
        f"  plain loop ({BASELINE_FIRMS:,} firms, x{SCALE:g}): {loop_s:8.3f} s"
        f" -> {loop_full:8.3f} s at full size"
    )
    print(f"  ratio plain loop / vectorised: {loop_full / vector_s:,.0f}x")
    print(f"  prices agree to {worst:.1e} (relative); first-year price {result.years[0].price:.2f}")


if __name__ == "__main__":
    main()
