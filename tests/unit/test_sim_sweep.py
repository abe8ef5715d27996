"""Sweeps: the grid, the same runs on a process pool and on an injected executor, Ray absent."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

import pytest

from openets.errors import InvalidInput
from openets.simulation.scenario import ScenarioDocument
from openets.simulation.sweep import (
    RAY_MISSING,
    SweepParameter,
    grid_points,
    open_executor,
    parse_parameter,
    run_sweep,
)

DOCUMENT = {
    "years": [2025],
    "market": {"cap": 240_000},
    "firms": [
        {"id": "F1", "baseline": 100_000, "mac_slope": 0.001},
        {"id": "F2", "baseline": 200_000, "mac_slope": 0.002},
        {"id": "U1", "covered": False, "baseline": 100_000, "mac_slope": 0.001},
    ],
}
PARAMETERS = [
    parse_parameter("market.carbon_tax=0,20"),
    parse_parameter("market.price_floor=0,50"),
]


class Inline(Executor):
    """Runs each call at once in this process, recording what it ran."""

    def __init__(self) -> None:
        self.calls = 0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.calls += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_parse_parameter() -> None:
    assert parse_parameter("market.carbon_tax=0, 50,100.5") == SweepParameter(
        "carbon_tax", (0, 50, 100.5)
    )
    assert parse_parameter("market.tax_scope=all,floor").values == ("all", "floor")
    assert parse_parameter("market.banking=true,false").values == (True, False)
    for bad in ("carbon_tax=1", "market.carbon_tax", "market.=1", "market.carbon_tax="):
        with pytest.raises(InvalidInput, match="--param"):
            parse_parameter(bad)


def test_grid_is_the_cartesian_product_in_order() -> None:
    points = grid_points(ScenarioDocument(DOCUMENT), PARAMETERS)
    assert [labels for labels, _ in points] == [
        {"market.carbon_tax": 0, "market.price_floor": 0},
        {"market.carbon_tax": 0, "market.price_floor": 50},
        {"market.carbon_tax": 20, "market.price_floor": 0},
        {"market.carbon_tax": 20, "market.price_floor": 50},
    ]
    with pytest.raises(InvalidInput, match=r"market\.price_floor"):
        grid_points(ScenarioDocument(DOCUMENT), [parse_parameter("market.price_floor=-1")])


def expected_prices() -> list[tuple[float, float]]:
    # (price, tax revenue): ETS price 40 unless the floor (50) binds; U1 pays 20 on 80,000
    return [(40.0, 0.0), (50.0, 0.0), (40.0, 1_600_000.0), (50.0, 1_600_000.0)]


def summary(runs: list[dict[str, Any]]) -> list[tuple[float, float]]:
    return [(r["years"][0]["price"], r["years"][0]["tax_revenue"]) for r in runs]


def test_sweep_on_an_injected_executor() -> None:
    points = grid_points(ScenarioDocument(DOCUMENT), PARAMETERS)
    executor = Inline()
    ticks: list[int] = []
    runs = run_sweep(points, executor, lambda: ticks.append(1))
    assert executor.calls == 4
    assert len(ticks) == 4
    assert summary(runs) == expected_prices()
    assert runs[1]["parameters"] == {"market.carbon_tax": 0, "market.price_floor": 50}
    assert "firms" not in runs[0]["years"][0]


def test_sweep_on_a_process_pool_gives_the_same_runs() -> None:
    points = grid_points(ScenarioDocument(DOCUMENT), PARAMETERS)
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = run_sweep(points, pool)
    assert pooled == run_sweep(points, Inline())
    assert summary(pooled) == expected_prices()


def test_ray_address_without_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without Ray: import fails
    with (
        pytest.raises(InvalidInput, match=re.escape(RAY_MISSING)),
        open_executor(ray_address="ray://head:10001"),
    ):
        pass  # pragma: no cover - never reached


@pytest.mark.slow
def test_sweep_on_a_local_ray_instance_gives_the_same_runs() -> None:
    # address "local" starts a Ray instance for this process: the same tasks a cluster runs
    points = grid_points(ScenarioDocument(DOCUMENT), PARAMETERS)
    with open_executor(ray_address="local") as ray:
        on_ray = run_sweep(points, ray)
    assert on_ray == run_sweep(points, Inline())
    assert summary(on_ray) == expected_prices()
