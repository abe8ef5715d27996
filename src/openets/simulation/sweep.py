"""Scenario sweeps: one simulation per point of a parameter grid (the cartesian product of the
values given for each ``market.*`` key), run on an executor.

The executor is the seam: any :class:`concurrent.futures.Executor` runs the grid through the
same API. :func:`open_executor` gives a local :class:`~concurrent.futures.ProcessPoolExecutor`
or, with a Ray cluster address, :class:`RayExecutor` (Ray is imported only then, and is not a
dependency: ``pip install 'ray[default]'``). Results come back in grid order whatever order
the runs finish in; ``progress`` is called once per finished run.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from openets.errors import InvalidInput
from openets.simulation.equilibrium import simulate
from openets.simulation.model import Scenario
from openets.simulation.scenario import ScenarioDocument, parse_market
from openets.simulation.views import result_view

__all__ = [
    "RAY_MISSING",
    "RayExecutor",
    "SweepParameter",
    "grid_points",
    "open_executor",
    "parse_parameter",
    "run_sweep",
    "simulate_summary",
    "sweep_view",
]

RAY_MISSING = "Ray is not installed: pip install 'ray[default]'"
#: Most grid points one sweep may have.
MAX_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class SweepParameter:
    """One swept key of the ``[market]`` table and its values."""

    key: str
    values: tuple[Any, ...]

    @property
    def label(self) -> str:
        return f"market.{self.key}"


def _value(text: str) -> Any:
    text = text.strip()
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_parameter(text: str) -> SweepParameter:
    """``market.carbon_tax=0,50,100`` -> key ``carbon_tax`` with values (0, 50, 100)."""
    name, equals, values = text.partition("=")
    name = name.strip()
    if not equals or not name.startswith("market.") or len(name) == len("market."):
        raise InvalidInput(
            f"--param {text!r}: expected market.KEY=V1,V2,... (e.g. market.carbon_tax=0,50,100)"
        )
    parsed = tuple(_value(v) for v in values.split(",") if v.strip())
    if not parsed:
        raise InvalidInput(f"--param {text!r}: give at least one value")
    return SweepParameter(name.removeprefix("market."), parsed)


def grid_points(
    source: ScenarioDocument, parameters: Sequence[SweepParameter]
) -> list[tuple[dict[str, Any], Scenario]]:
    """Every grid point (the first parameter varies slowest) with its scenario; the firms are
    read once and shared. Each point's market table is validated as a whole."""
    keys = [p.key for p in parameters]
    if len(set(keys)) != len(keys):
        raise InvalidInput("--param: each market key may be swept only once")
    count = 1
    for parameter in parameters:
        count *= len(parameter.values)
    if count > MAX_POINTS:
        raise InvalidInput(f"the grid has {count} points; at most {MAX_POINTS}")
    base = source.scenario()
    market = source.document.get("market", {})
    points = []
    for combination in itertools.product(*(p.values for p in parameters)):
        changes = dict(zip(keys, combination, strict=True))
        rules = parse_market({**market, **changes}, base.years)
        labels = {f"market.{k}": v for k, v in changes.items()}
        points.append((labels, replace(base, market=rules)))
    return points


def simulate_summary(scenario: Scenario) -> dict[str, Any]:
    """Run one scenario and return its document without the per-firm lists (what a sweep
    keeps of each run; small enough to send back from a worker)."""
    return result_view(simulate(scenario), firms=False)


def run_sweep(
    points: Sequence[tuple[dict[str, Any], Scenario]],
    executor: Executor,
    progress: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every point on ``executor``; one ``{"parameters": ..., **summary}`` per point, in
    grid order."""
    futures: dict[Future[dict[str, Any]], int] = {
        executor.submit(simulate_summary, scenario): n for n, (_, scenario) in enumerate(points)
    }
    results: list[dict[str, Any] | None] = [None] * len(points)
    for future in as_completed(futures):
        results[futures[future]] = future.result()
        if progress is not None:
            progress()
    return [
        {"parameters": labels, **summary}
        for (labels, _), summary in zip(points, results, strict=True)
        if summary is not None
    ]


class RayExecutor(Executor):
    """Runs submitted calls as Ray tasks on the cluster at ``address`` (``auto`` for the
    local one); each task's result comes back as a :class:`~concurrent.futures.Future`."""

    def __init__(self, address: str) -> None:
        try:
            self._ray: Any = importlib.import_module("ray")
        except ImportError:
            raise InvalidInput(RAY_MISSING) from None
        self._ray.init(address=address, ignore_reinit_error=True)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = self._ray.remote(fn).remote(*args, **kwargs).future()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        del wait, cancel_futures
        self._ray.shutdown()


@contextmanager
def open_executor(workers: int | None = None, ray_address: str | None = None) -> Iterator[Executor]:
    """A Ray executor when ``ray_address`` is given, else a local process pool of
    ``workers`` processes (default: one per CPU)."""
    if workers is not None and workers < 1:
        raise InvalidInput("--workers must be at least 1")
    executor: Executor = (
        RayExecutor(ray_address) if ray_address else ProcessPoolExecutor(max_workers=workers)
    )
    try:
        yield executor
    finally:
        executor.shutdown()


def sweep_view(parameters: Sequence[SweepParameter], runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The document ``openets sim sweep --json`` prints."""
    return {"parameters": {p.label: list(p.values) for p in parameters}, "runs": runs}
