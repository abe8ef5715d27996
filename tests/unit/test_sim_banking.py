"""Banking against Hotelling paths worked out by hand.

F1 (100,000 t, slope 0.001) and F2 (200,000 t, slope 0.002) abate 1,500 t per yuan/t
together, as long as neither reaches its baseline.
"""

from __future__ import annotations

from typing import Any

import pytest

from openets.simulation.equilibrium import simulate
from openets.simulation.model import SimulationResult
from openets.simulation.scenario import parse_scenario

F1 = {"id": "F1", "baseline": 100_000, "mac_slope": 0.001}
F2 = {"id": "F2", "baseline": 200_000, "mac_slope": 0.002}
S1 = {"id": "S1", "baseline": 50_000, "mac_steps": [[10_000, 20], [10_000, 30]]}


def run(caps: list[int], *firms: dict[str, Any], **market: Any) -> SimulationResult:
    document = {
        "years": list(range(2025, 2025 + len(caps))),
        "market": {"cap": caps, **market},
        "firms": list(firms) or [F1, F2],
    }
    return simulate(parse_scenario(document))


def test_banking_moves_abatement_earlier_when_the_cap_tightens() -> None:
    # Without banking: 2025 needs nothing (price 0), 2026 needs 100,000 t (price 66.67).
    # With banking at 5 %: p + 1.05 p carry the 100,000 t: p = 100,000 / (1,500 × 2.05).
    caps = [300_000, 200_000]
    alone = run(caps)
    banked = run(caps, banking=True, interest_rate=0.05)
    p = 100_000 / (1_500 * 2.05)
    assert [y.price for y in alone.years] == pytest.approx([0.0, 100_000 / 1_500])
    assert alone.years[0].abatement == 0
    assert [y.price for y in banked.years] == pytest.approx([p, p * 1.05], rel=1e-12)
    assert banked.years[0].abatement == pytest.approx(1_500 * p, rel=1e-12)  # 48,780.49 t
    assert banked.years[0].bank == pytest.approx(1_500 * p, rel=1e-12)
    assert banked.years[1].bank == pytest.approx(0.0, abs=1e-6)
    assert banked.years[0].abatement > alone.years[0].abatement
    # less total cost for the same total abatement
    assert sum(y.abatement for y in banked.years) == pytest.approx(100_000, rel=1e-12)
    cost = sum(y.abatement_cost for y in banked.years)
    assert cost < sum(y.abatement_cost for y in alone.years)


def test_zero_interest_equalises_prices() -> None:
    banked = run([300_000, 200_000], banking=True, interest_rate=0.0)
    assert [y.price for y in banked.years] == pytest.approx([100_000 / 3_000] * 2, rel=1e-12)


def test_no_borrowing_from_later_years() -> None:
    # tight first, loose later: firms would borrow, they may not; same as without banking
    caps = [200_000, 300_000]
    banked = run(caps, banking=True)
    assert [y.price for y in banked.years] == pytest.approx([100_000 / 1_500, 0.0])
    assert [y.bank for y in banked.years] == pytest.approx([0.0, 0.0], abs=1e-6)


def test_segments_where_the_bank_runs_out() -> None:
    # 2025-2026 as one Hotelling segment with stepped S1 (both blocks below the price):
    # 1,500 p + 20,000 + 1,500 × 1.05 p + 20,000 = 50,000 + 150,000 -> p = 160,000 / 3,075.
    # The bank runs out in 2026; 2027 stands alone: 1,500 p + 10,000 = 50,000 -> 26.67.
    result = run([300_000, 200_000, 300_000], F1, F2, S1, banking=True, interest_rate=0.05)
    p = 160_000 / 3_075
    assert [y.price for y in result.years] == pytest.approx(
        [p, p * 1.05, 40_000 / 1_500], rel=1e-12
    )
    assert result.years[1].bank == pytest.approx(0.0, abs=1e-6)
    assert result.years[2].covered_emissions == pytest.approx(300_000, rel=1e-12)


def test_bank_never_negative_and_empty_at_the_end() -> None:
    caps = [290_000, 280_000, 250_000, 220_000, 260_000, 200_000]
    result = run(caps, F1, F2, S1, banking=True, interest_rate=0.08)
    banks = [y.bank for y in result.years]
    assert min(banks) >= 0
    assert banks[-1] == pytest.approx(0.0, abs=1e-6)
    # allowances are conserved: cap + ceiling sales = emissions + bank change
    total_cap = sum(caps)
    assert sum(y.covered_emissions for y in result.years) == pytest.approx(total_cap, rel=1e-12)
    # while the bank is positive the price grows at the interest rate
    for before, after in zip(result.years, result.years[1:], strict=False):
        if before.bank > 1e-6:
            assert after.price == pytest.approx(before.price * 1.08, rel=1e-9)
        else:
            assert after.price <= before.price * 1.08 * (1 + 1e-9)


def test_loose_caps_keep_the_price_at_zero() -> None:
    result = run([400_000, 350_000], banking=True)
    assert [y.price for y in result.years] == [0.0, 0.0]
    assert result.years[-1].bank == pytest.approx(150_000)


def test_ceiling_tops_up_the_bank() -> None:
    # The path reaches the 20 yuan/t ceiling in 2026, where allowances sold at the ceiling
    # fill any gap, so the lowest path keeping the bank non-negative starts at 20 / 1.05:
    # 2025 banks 1,500 × 19.05 = 28,571.43 t; 2026 abates 30,000 t and needs
    # 270,000 − 200,000 − 28,571.43 = 41,428.57 t more, sold at the ceiling.
    result = run([300_000, 200_000], banking=True, price_ceiling=20)
    assert [y.price for y in result.years] == pytest.approx([20 / 1.05, 20.0], rel=1e-12)
    banked = 1_500 * 20 / 1.05
    assert result.years[0].bank == pytest.approx(banked, rel=1e-12)
    assert result.years[1].abatement == pytest.approx(30_000, rel=1e-12)
    assert result.years[1].ceiling_sales == pytest.approx(70_000 - banked, rel=1e-12)
    assert result.years[1].bank == 0
