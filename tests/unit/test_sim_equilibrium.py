"""The simulated market against equilibria worked out by hand.

Two covered firms unless said otherwise: F1 (baseline 100,000 t, MAC slope 0.001 yuan/t per
t) and F2 (200,000 t, slope 0.002), so Σ(1 / slope) = 1,000 + 500 = 1,500 t per yuan/t and,
while neither reaches its baseline, the price is p = (300,000 − cap) / 1,500, F1 abates
p / 0.001 = 1,000 p and F2 500 p, each at a cost of slope × a² / 2.
"""

from __future__ import annotations

from typing import Any

import pytest

from openets.errors import InvalidInput
from openets.simulation.equilibrium import simulate
from openets.simulation.model import SimulationResult, YearResult
from openets.simulation.scenario import parse_scenario

F1 = {"id": "F1", "baseline": 100_000, "mac_slope": 0.001}
F2 = {"id": "F2", "baseline": 200_000, "mac_slope": 0.002}


def run(market: dict[str, Any], *firms: dict[str, Any], years: int = 1) -> SimulationResult:
    document = {
        "years": list(range(2025, 2025 + years)),
        "market": market,
        "firms": list(firms) or [F1, F2],
    }
    return simulate(parse_scenario(document))


def one(market: dict[str, Any], *firms: dict[str, Any]) -> YearResult:
    return run(market, *firms).years[0]


def firm(year: YearResult, n: int) -> tuple[float, float, float]:
    return (
        float(year.firm_abatement[n]),
        float(year.firm_emissions[n]),
        float(year.firm_cost[n]),
    )


def test_closed_form_price_and_abatement() -> None:
    # p = (300,000 − 240,000) / 1,500 = 40; F1 40,000 t at 0.001 × 40,000² / 2 = 800,000
    year = one({"cap": 240_000})
    assert year.price == pytest.approx(40.0, rel=1e-12)
    assert firm(year, 0) == pytest.approx((40_000, 60_000, 800_000), rel=1e-12)
    assert firm(year, 1) == pytest.approx((20_000, 180_000, 400_000), rel=1e-12)
    assert year.covered_emissions == pytest.approx(240_000, rel=1e-12)
    assert year.abatement_cost == pytest.approx(1_200_000, rel=1e-12)
    assert (year.unsold, year.ceiling_sales, year.tax_revenue) == (0.0, 0.0, 0.0)


def test_cap_above_baseline_means_no_price() -> None:
    year = one({"cap": 400_000})
    assert (year.price, year.abatement, year.emissions) == (0.0, 0.0, 300_000.0)
    assert year.unsold == 100_000


def test_floor_raises_the_price_and_leaves_allowances_unsold() -> None:
    # equilibrium 40 < floor 50: F1 abates 50,000, F2 25,000; 225,000 t emitted under a
    # 240,000 cap: 15,000 unsold
    year = one({"cap": 240_000, "price_floor": 50})
    assert year.price == 50
    assert year.covered_abatement == pytest.approx(75_000, rel=1e-12)
    assert year.covered_emissions == pytest.approx(225_000, rel=1e-12)
    assert year.unsold == pytest.approx(15_000, rel=1e-12)
    # a floor below the equilibrium changes nothing
    assert one({"cap": 240_000, "price_floor": 39}).price == pytest.approx(40.0, rel=1e-12)


def test_floor_gives_a_price_when_the_cap_does_not_bind() -> None:
    year = one({"cap": 400_000, "price_floor": 10})
    assert year.price == 10
    assert firm(year, 0)[0] == pytest.approx(10_000)
    assert firm(year, 1)[0] == pytest.approx(5_000)
    assert year.unsold == pytest.approx(400_000 - 285_000)


def test_ceiling_caps_the_price_and_sells_extra_allowances() -> None:
    # equilibrium 40 > ceiling 30: abatement 30,000 + 15,000, emissions 255,000 over a cap of
    # 240,000: 15,000 sold at 30. Auction: 10 % of the cap (24,000) + 15,000 at 30 yuan/t.
    year = one({"cap": 240_000, "price_ceiling": 30, "free_share": 0.9})
    assert year.price == 30
    assert year.covered_emissions == pytest.approx(255_000, rel=1e-12)
    assert year.ceiling_sales == pytest.approx(15_000, rel=1e-12)
    assert year.auction_revenue == pytest.approx((24_000 + 15_000) * 30, rel=1e-12)


def test_auction_revenue_without_bounds() -> None:
    # (1 − 0.8) × 240,000 allowances at 40 yuan/t
    year = one({"cap": 240_000, "free_share": 0.8})
    assert year.auction_revenue == pytest.approx(48_000 * 40, rel=1e-12)


U1 = {"id": "U1", "covered": False, "baseline": 100_000, "mac_slope": 0.001}


def test_tax_on_uncovered_emissions() -> None:
    # U1 abates 20 / 0.001 = 20,000 t and pays 20 × 80,000; the ETS price stays 40
    year = one({"cap": 240_000, "carbon_tax": 20}, F1, F2, U1)
    assert year.price == pytest.approx(40.0, rel=1e-12)
    assert firm(year, 2) == pytest.approx((20_000, 80_000, 200_000), rel=1e-12)
    assert year.uncovered_emissions == pytest.approx(80_000, rel=1e-12)
    assert year.tax_revenue == pytest.approx(1_600_000, rel=1e-12)
    assert year.emissions == pytest.approx(320_000, rel=1e-12)
    assert year.abatement == pytest.approx(80_000, rel=1e-12)


def test_tax_on_all_emissions_lowers_the_allowance_price() -> None:
    # covered firms need a carbon price of 40: the tax pays 20 of it, allowances the rest;
    # revenue 20 × (240,000 + 80,000)
    year = one({"cap": 240_000, "carbon_tax": 20, "tax_scope": "all"}, F1, F2, U1)
    assert year.price == pytest.approx(20.0, rel=1e-12)
    assert year.effective_price == pytest.approx(40.0, rel=1e-12)
    assert year.covered_abatement == pytest.approx(60_000, rel=1e-12)
    assert year.tax_revenue == pytest.approx(20 * 320_000, rel=1e-12)


def test_tax_as_a_floor_above_the_market_price() -> None:
    # a 50 yuan/t floor tax: covered firms face 50 (75,000 t abated, 225,000 emitted, 15,000
    # allowances spare, so the allowance price falls to 0 and the top-up is the whole 50);
    # U1 abates 50,000 and pays 50 on the other 50,000
    year = one({"cap": 240_000, "carbon_tax": 50, "tax_scope": "floor"}, F1, F2, U1)
    assert year.price == 0
    assert year.effective_price == 50
    assert year.covered_emissions == pytest.approx(225_000, rel=1e-12)
    assert year.unsold == pytest.approx(15_000, rel=1e-12)
    assert year.tax_revenue == pytest.approx(50 * 50_000 + 50 * 225_000, rel=1e-12)


def test_tax_as_a_floor_below_the_market_price() -> None:
    year = one({"cap": 240_000, "carbon_tax": 30, "tax_scope": "floor"}, F1, F2, U1)
    assert year.price == pytest.approx(40.0, rel=1e-12)
    assert year.effective_price == pytest.approx(40.0, rel=1e-12)
    assert year.tax_revenue == pytest.approx(30 * 70_000, rel=1e-12)  # uncovered only


def test_firm_abatement_stops_at_its_baseline() -> None:
    # unclamped the price would be (210,000 − 150,000) / 1,500 = 40, but F1 (10,000 t)
    # saturates at 10 yuan/t; F2 must abate the other 50,000: p = 0.002 × 50,000 = 100
    small = {"id": "F1", "baseline": 10_000, "mac_slope": 0.001}
    year = one({"cap": 150_000}, small, F2)
    assert year.price == pytest.approx(100.0, rel=1e-12)
    assert firm(year, 0) == pytest.approx((10_000, 0, 50_000), rel=1e-12, abs=1e-9)
    assert firm(year, 1) == pytest.approx((50_000, 150_000, 2_500_000), rel=1e-12)


def test_zero_cap_abates_everything() -> None:
    # the last firm to reach its baseline does so at 0.002 × 200,000 = 400 yuan/t
    year = one({"cap": 0})
    assert year.price == pytest.approx(400.0, rel=1e-12)
    assert year.covered_emissions == pytest.approx(0.0, abs=1e-6)


S1 = {"id": "S1", "baseline": 50_000, "mac_steps": [[10_000, 30], [10_000, 20]]}


@pytest.mark.parametrize(
    ("cap", "price", "stepped", "stepped_cost"),
    [
        # R = 25,000: 1,000 p below 20 reaches 20,000; at 20 the first block (10,000) jumps
        # past it: price 20, half the block used (5,000 t at 20 yuan/t)
        (125_000, 20.0, 5_000, 100_000),
        # R = 45,000: at 30 F1 gives 30,000 + block 10,000 = 40,000, the second block jumps
        # past: price 30, S1 10,000 + 5,000
        (105_000, 30.0, 15_000, 200_000 + 150_000),
        # R = 55,000: 1,000 p + 20,000 = 55,000 at p = 35, both blocks used
        (95_000, 35.0, 20_000, 500_000),
    ],
)
def test_stepped_mac(cap: int, price: float, stepped: float, stepped_cost: float) -> None:
    year = one({"cap": cap}, F1, S1)
    assert year.price == pytest.approx(price, rel=1e-12)
    assert firm(year, 1)[0] == pytest.approx(stepped, rel=1e-12)
    assert firm(year, 1)[2] == pytest.approx(stepped_cost, rel=1e-12)
    assert year.covered_emissions == pytest.approx(cap, rel=1e-12)


def test_stepped_mac_never_abates_beyond_the_baseline() -> None:
    # 15,000 t baseline: the second block shrinks to 5,000 t
    small = {"id": "S2", "baseline": 15_000, "mac_steps": [[10_000, 20], [10_000, 30]]}
    year = one({"cap": 0}, small)
    assert year.price == 30
    assert firm(year, 0) == pytest.approx((15_000, 0, 200_000 + 150_000))


def test_offsets_up_to_their_limit() -> None:
    # 5 % of 240,000 = 12,000 t of offsets at 10 yuan/t; the rest, 48,000, is abated:
    # 1,500 p = 48,000 -> p = 32
    year = one({"cap": 240_000, "offset_limit": 0.05, "offset_price": 10})
    assert year.price == pytest.approx(32.0, rel=1e-12)
    assert year.offsets == pytest.approx(12_000)
    assert year.covered_emissions == pytest.approx(252_000, rel=1e-12)
    # offsets dearer than the market price are not used
    assert one({"cap": 240_000, "offset_limit": 0.05, "offset_price": 45}).offsets == 0


def test_output_growth() -> None:
    grows = {"id": "G", "baseline": 100_000, "growth": 0.1, "mac_slope": 0.001}
    result = run({"cap": 1_000_000}, grows, years=3)
    assert [y.emissions for y in result.years] == pytest.approx([100_000, 110_000, 121_000])


def test_per_year_rules() -> None:
    result = run({"cap": [240_000, 270_000], "price_floor": [0, 30]}, F1, F2, years=2)
    assert [y.price for y in result.years] == pytest.approx([40.0, 30.0])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"years": []}, "years: expected a list"),
        ({"years": [2026, 2025]}, "strictly increasing"),
        ({"years": [2025]}, "market: missing"),
        ({"years": [2025], "market": {}}, "market.cap: missing"),
        ({"years": [2025], "market": {"cap": [1, 2]}}, "market.cap: has 2 values"),
        ({"years": [2025], "market": {"cap": 1, "pricefloor": 2}}, "unknown key 'pricefloor'"),
        ({"years": [2025], "market": {"cap": 1, "tax_scope": "x"}}, "market.tax_scope"),
        ({"years": [2025], "market": {"cap": -1}}, "market.cap: must be at least 0"),
        (
            {"years": [2025], "market": {"cap": 1, "price_floor": 5, "price_ceiling": 4}},
            "must not be below",
        ),
        ({"years": [2025], "market": {"cap": 1}}, "no firms"),
        (
            {"years": [2025], "market": {"cap": 1}, "firms": [{"id": "A", "baseline": 1}]},
            "firm A: give either mac_slope or mac_steps",
        ),
        (
            {
                "years": [2025],
                "market": {"cap": 1},
                "firms": [{"id": "A", "baseline": 1, "mac_slope": 0}],
            },
            "mac_slope must be positive",
        ),
        (
            {"years": [2025], "market": {"cap": 1}, "firms": [F1, F1]},
            "id 'F1' appears more than once",
        ),
        (
            {"years": [2025], "market": {"cap": 1}, "firms_csv": "f.csv"},
            "only scenario files may name a CSV",
        ),
    ],
)
def test_invalid_scenarios(document: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_scenario(document)
