"""Scenarios from TOML files, JSON documents and CSV firm lists, validated with clear errors.

The document (TOML or JSON, the same shape)::

    name = "Cap and trade"           # optional
    years = [2025, 2026]             # strictly increasing
    firms_csv = "firms.csv"          # optional, relative to the TOML file (files only)

    [market]
    cap = [250000, 240000]           # t per year (or one number for every year)
    banking = false
    interest_rate = 0.05             # Hotelling discount rate under banking
    price_floor = 0                  # yuan/t (number or one per year); 0 = none
    price_ceiling = 1000             # yuan/t (number or one per year); absent = none
    carbon_tax = 0                   # yuan/t (number or one per year)
    tax_scope = "uncovered"          # "uncovered" | "all" | "floor"
    free_share = 1.0                 # share of the cap allocated free; the rest is auctioned
    offset_limit = 0.0               # offsets usable, as a share of the cap
    offset_price = 0                 # yuan/t of an offset credit

    [[firms]]
    id = "F1"
    covered = true                   # default true
    baseline = [100000, 100000]      # t per year, or one number grown by `growth`
    growth = 0.0                     # output growth per year (only with one baseline)
    mac_slope = 0.001                # linear MAC: yuan/t per tonne abated
    # or: mac_steps = [[20000, 30], [30000, 80]]  # blocks of [tonnes, yuan/t]

The CSV has columns ``id,covered,baseline,mac_slope`` and optionally ``growth``, one baseline
for every year. Every error names the field and is raised as
:class:`~openets.errors.InvalidInput`.
"""

from __future__ import annotations

import csv
import itertools
import math
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from openets.errors import InvalidInput
from openets.simulation.model import (
    DEFAULT_FREE_SHARE,
    DEFAULT_INTEREST_RATE,
    Firms,
    FloatArray,
    MarketRules,
    Scenario,
    TaxScope,
)

__all__ = [
    "EXAMPLES_DIR",
    "ScenarioDocument",
    "example_names",
    "example_text",
    "parse_market",
    "parse_scenario",
    "read_scenario_file",
    "read_scenario_text",
]

EXAMPLES_DIR = Path(__file__).parent / "examples"
MAX_YEARS = 200
_TOP_KEYS = {"name", "years", "market", "firms", "firms_csv"}
_MARKET_KEYS = {
    "cap",
    "banking",
    "interest_rate",
    "price_floor",
    "price_ceiling",
    "carbon_tax",
    "tax_scope",
    "free_share",
    "offset_limit",
    "offset_price",
}
_FIRM_KEYS = {"id", "covered", "baseline", "growth", "mac_slope", "mac_steps"}
_CSV_COLUMNS = ("id", "covered", "baseline", "mac_slope")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


@dataclass(frozen=True, slots=True)
class ScenarioDocument:
    """A scenario as read: the document and the folder its relative paths start from."""

    document: Mapping[str, Any]
    #: None for documents that did not come from a file (API, web): no firms_csv then
    base_dir: Path | None = field(default=None)

    def scenario(self) -> Scenario:
        return parse_scenario(self.document, self.base_dir)


def read_scenario_file(path: Path) -> ScenarioDocument:
    """Read a scenario TOML file (InvalidInput if missing or malformed)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"scenario file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read scenario file {path}: {error}") from None
    return ScenarioDocument(_toml(text, str(path)), path.parent)


def read_scenario_text(text: str) -> ScenarioDocument:
    """A scenario from TOML text (the web form); firms must be listed inline."""
    return ScenarioDocument(_toml(text, "scenario"))


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{where}: not valid TOML: {error}") from None


def example_names() -> list[str]:
    """The example scenarios shipped with OpenETS (file stems)."""
    return sorted(p.stem for p in EXAMPLES_DIR.glob("*.toml"))


def example_text(name: str) -> str:
    """The TOML text of a shipped example (InvalidInput for an unknown name)."""
    if name not in example_names():
        raise InvalidInput(
            f"unknown example scenario {name!r}; known: {', '.join(example_names())}"
        )
    return (EXAMPLES_DIR / f"{name}.toml").read_text(encoding="utf-8")


# --- the document -------------------------------------------------------------------------


def parse_scenario(document: Mapping[str, Any], base_dir: Path | None = None) -> Scenario:
    """Validate a scenario document (TOML or JSON shape) and build the arrays."""
    if not isinstance(document, Mapping):
        raise InvalidInput("scenario: expected a table (JSON object)")
    _no_unknown(document, _TOP_KEYS, "scenario")
    years = _years(document.get("years"))
    name = document.get("name", "")
    if not isinstance(name, str):
        raise InvalidInput("name: expected text")
    market = document.get("market")
    if not isinstance(market, Mapping):
        raise InvalidInput("market: missing (a table with at least cap)")
    rules = parse_market(market, years)
    rows = _inline_firms(document.get("firms", []), len(years))
    if "firms_csv" in document:
        rows += _csv_firms(document["firms_csv"], base_dir, len(years))
    if not rows:
        raise InvalidInput("firms: the scenario has no firms (give [[firms]] or firms_csv)")
    return Scenario(name, years, rules, _firms(rows, years))


def _years(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput("years: expected a list of years, e.g. years = [2025, 2026]")
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in value):
        raise InvalidInput("years: every year must be a whole number")
    if len(value) > MAX_YEARS:
        raise InvalidInput(f"years: at most {MAX_YEARS} years, got {len(value)}")
    if any(b <= a for a, b in itertools.pairwise(value)):
        raise InvalidInput("years: must be strictly increasing")
    return tuple(value)


def _no_unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise InvalidInput(
            f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: expected a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{where}: must be a finite number")
    return number


def _per_year(value: Any, count: int, where: str, *, minimum: float = 0.0) -> FloatArray:
    """One number for every year, or a list with one per year; each ≥ ``minimum``."""
    if isinstance(value, list):
        if len(value) != count:
            raise InvalidInput(f"{where}: has {len(value)} values but years has {count}")
        numbers = [_number(v, where) for v in value]
    else:
        numbers = [_number(value, where)] * count
    if any(n < minimum for n in numbers):
        raise InvalidInput(f"{where}: must be at least {minimum:g}")
    return np.array(numbers, dtype=np.float64)


def _share(value: Any, where: str) -> float:
    share = _number(value, where)
    if not 0.0 <= share <= 1.0:
        raise InvalidInput(f"{where}: must be a share between 0 and 1, got {share:g}")
    return share


def parse_market(market: Mapping[str, Any], years: Sequence[int]) -> MarketRules:
    """Validate the ``[market]`` table for the given years."""
    _no_unknown(market, _MARKET_KEYS, "market")
    count = len(years)
    if "cap" not in market:
        raise InvalidInput("market.cap: missing (allowances per year for covered firms, t)")
    banking = market.get("banking", False)
    if not isinstance(banking, bool):
        raise InvalidInput("market.banking: expected true or false")
    floor = _per_year(market.get("price_floor", 0), count, "market.price_floor")
    ceiling = (
        _per_year(market["price_ceiling"], count, "market.price_ceiling")
        if market.get("price_ceiling") is not None
        else np.full(count, np.inf)
    )
    if np.any(ceiling < floor):
        raise InvalidInput("market.price_ceiling: must not be below market.price_floor")
    scope = market.get("tax_scope", TaxScope.UNCOVERED.value)
    try:
        tax_scope = TaxScope(scope)
    except ValueError:
        known = ", ".join(s.value for s in TaxScope)
        raise InvalidInput(f"market.tax_scope: expected one of {known}, got {scope!r}") from None
    rate = _number(market.get("interest_rate", DEFAULT_INTEREST_RATE), "market.interest_rate")
    if not 0.0 <= rate <= 1.0:
        raise InvalidInput("market.interest_rate: must be between 0 and 1 (0.05 is 5 %)")
    return MarketRules(
        cap=_per_year(market["cap"], count, "market.cap"),
        banking=banking,
        price_floor=floor,
        price_ceiling=ceiling,
        carbon_tax=_per_year(market.get("carbon_tax", 0), count, "market.carbon_tax"),
        tax_scope=tax_scope,
        free_share=_share(market.get("free_share", DEFAULT_FREE_SHARE), "market.free_share"),
        interest_rate=rate,
        offset_limit=_share(market.get("offset_limit", 0.0), "market.offset_limit"),
        offset_price=float(_per_year(market.get("offset_price", 0.0), 1, "market.offset_price")[0]),
    )


# --- firms --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FirmRow:
    id: str
    covered: bool
    baseline: tuple[float, ...]
    slope: float  # NaN for a stepped MAC
    steps: tuple[tuple[float, float], ...]  # (tonnes, yuan/t), sorted by price


def _inline_firms(value: Any, count: int) -> list[_FirmRow]:
    if not isinstance(value, list):
        raise InvalidInput("firms: expected a list of tables ([[firms]])")
    rows = []
    for n, firm in enumerate(value, start=1):
        if not isinstance(firm, Mapping):
            raise InvalidInput(f"firms[{n}]: expected a table")
        rows.append(_firm(firm, count, f"firms[{n}]"))
    return rows


def _firm(firm: Mapping[str, Any], count: int, where: str) -> _FirmRow:
    firm_id = firm.get("id")
    if not isinstance(firm_id, str | int) or isinstance(firm_id, bool) or str(firm_id) == "":
        raise InvalidInput(f"{where}.id: missing (text)")
    where = f"firm {firm_id}"
    _no_unknown(firm, _FIRM_KEYS, where)
    covered = firm.get("covered", True)
    if not isinstance(covered, bool):
        raise InvalidInput(f"{where}: covered must be true or false")
    baseline = _baseline(firm.get("baseline"), firm.get("growth"), count, where)
    has_slope, has_steps = "mac_slope" in firm, "mac_steps" in firm
    if has_slope == has_steps:
        raise InvalidInput(f"{where}: give either mac_slope or mac_steps")
    if has_slope:
        slope = _number(firm["mac_slope"], f"{where}: mac_slope")
        if slope <= 0.0:
            raise InvalidInput(f"{where}: mac_slope must be positive (yuan/t per t abated)")
        return _FirmRow(str(firm_id), covered, baseline, slope, ())
    return _FirmRow(str(firm_id), covered, baseline, math.nan, _steps(firm["mac_steps"], where))


def _baseline(value: Any, growth: Any, count: int, where: str) -> tuple[float, ...]:
    if value is None:
        raise InvalidInput(f"{where}: baseline missing (t per year)")
    if isinstance(value, list):
        if growth is not None:
            raise InvalidInput(f"{where}: growth applies only to a single baseline number")
        values = _per_year(value, count, f"{where}: baseline")
        return tuple(float(v) for v in values)
    first = _number(value, f"{where}: baseline")
    if first < 0.0:
        raise InvalidInput(f"{where}: baseline must be at least 0")
    rate = 0.0 if growth is None else _number(growth, f"{where}: growth")
    if rate <= -1.0:
        raise InvalidInput(f"{where}: growth must be above -1 (a share per year)")
    return tuple(first * (1.0 + rate) ** k for k in range(count))


def _steps(value: Any, where: str) -> tuple[tuple[float, float], ...]:
    text = f"{where}: mac_steps"
    if not isinstance(value, list):
        raise InvalidInput(f"{text}: expected a list of [tonnes, yuan per tonne] pairs")
    steps = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInput(f"{text}: each step is [tonnes, yuan per tonne], got {pair!r}")
        tonnes, price = _number(pair[0], text), _number(pair[1], text)
        if tonnes < 0.0 or price < 0.0:
            raise InvalidInput(f"{text}: tonnes and prices must be at least 0")
        steps.append((tonnes, price))
    return tuple(sorted(steps, key=lambda step: step[1]))


def _csv_firms(value: Any, base_dir: Path | None, count: int) -> list[_FirmRow]:
    if base_dir is None:
        raise InvalidInput("firms_csv: only scenario files may name a CSV; list [[firms]] here")
    if not isinstance(value, str) or not value:
        raise InvalidInput("firms_csv: expected a file name")
    path = base_dir / value
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    f"{value}: missing column {missing[0]!r} "
                    f"(needs {','.join(_CSV_COLUMNS)}, optionally growth)"
                )
            return [_csv_firm(row, count, f"{value} line {n}") for n, row in enumerate(reader, 2)]
    except FileNotFoundError:
        raise InvalidInput(f"firms_csv: file not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"firms_csv: cannot read {path}: {error}") from None


def _csv_firm(row: Mapping[str, str | None], count: int, where: str) -> _FirmRow:
    covered = (row.get("covered") or "").strip().lower()
    if covered not in _TRUE | _FALSE:
        raise InvalidInput(f"{where}: covered must be true or false, got {covered!r}")
    firm: dict[str, Any] = {"id": (row.get("id") or "").strip(), "covered": covered in _TRUE}
    for column in ("baseline", "mac_slope", "growth"):
        text = (row.get(column) or "").strip()
        if text:
            try:
                firm[column] = float(text)
            except ValueError:
                raise InvalidInput(f"{where}: {column} is not a number: {text!r}") from None
    if "baseline" not in firm or "mac_slope" not in firm:
        raise InvalidInput(f"{where}: baseline and mac_slope are required")
    if not firm["id"]:
        raise InvalidInput(f"{where}: id is empty")
    return _firm(firm, count, where)


def _firms(rows: list[_FirmRow], years: Sequence[int]) -> Firms:
    ids = [r.id for r in rows]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i, n in Counter(ids).items() if n > 1)
        raise InvalidInput(f"firms: id {duplicate!r} appears more than once")
    step_firm = [n for n, r in enumerate(rows) for _ in r.steps]
    step_quantity = [q for r in rows for q, _ in r.steps]
    step_price = [p for r in rows for _, p in r.steps]
    baseline = np.array([r.baseline for r in rows], dtype=np.float64).reshape(len(rows), len(years))
    return Firms(
        ids=tuple(ids),
        covered=np.array([r.covered for r in rows], dtype=np.bool_),
        baseline=baseline,
        mac_slope=np.array([r.slope for r in rows], dtype=np.float64),
        step_firm=np.array(step_firm, dtype=np.intp),
        step_price=np.array(step_price, dtype=np.float64),
        step_quantity=np.array(step_quantity, dtype=np.float64),
    )
