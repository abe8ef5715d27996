"""Contract of ``openets exchange replay``: exact output lines for a file of commands, with
both engines (the replay needs no database; any URL will do)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Cli  # tests/e2e/conftest.py

ENGINES = pytest.mark.parametrize("engine", ["fast", "python"])


def _file(tmp_path: Path, *commands: dict[str, Any] | str) -> str:
    path = tmp_path / "commands.jsonl"
    lines = [c if isinstance(c, str) else json.dumps(c) for c in commands]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def cli(tmp_path: Path, cli_at: Callable[[str], Cli]) -> Cli:
    return cli_at(f"sqlite:///{tmp_path / 'unused.db'}")


def _lines(cli: Cli, *args: str) -> list[str]:
    code, out, err = cli.run("exchange", "replay", *args, "--json")
    assert code == 0, err
    return out.splitlines()


def new(order_id: str, side: str, price: str, qty: int, tif: str | None = None) -> dict[str, Any]:
    command = {"op": "new", "id": order_id, "side": side, "price": price, "qty": qty}
    if tif:
        command["tif"] = tif
    return command


@ENGINES
def test_trades_rejections_and_book(tmp_path: Path, cli: Cli, engine: str) -> None:
    path = _file(
        tmp_path,
        new("s1", "sell", "45.20", 100),
        new("s2", "sell", "45.20", 50),
        new("s3", "sell", "45.30", 70),
        new("b1", "buy", "45.00", 30),
        {"op": "amend", "id": "s1", "qty": 40},  # keeps priority
        new("b2", "buy", "45.30", 60),  # s1 40 then s2 20, both at 45.20
        new("b3", "buy", "45.30", 200, "IOC"),  # s2 30, s3 70; remainder 100 cancelled
        new("b4", "buy", "45.30", 1, "FOK"),  # nothing left to sell: rejected
        {"op": "cancel", "id": "s1"},  # already filled
        new("s4", "sell", "45.10", 10),
        {"op": "amend", "id": "b1", "price": "45.10"},  # crosses s4 at 45.10
        new("s5", "sell", "46.00", 5),
    )
    assert _lines(cli, path, "--engine", engine) == [
        '{"trade": 1, "buy": "b2", "sell": "s1", "price": "45.20", "qty": 40}',
        '{"trade": 2, "buy": "b2", "sell": "s2", "price": "45.20", "qty": 20}',
        '{"trade": 3, "buy": "b3", "sell": "s2", "price": "45.20", "qty": 30}',
        '{"trade": 4, "buy": "b3", "sell": "s3", "price": "45.30", "qty": 70}',
        '{"rejected": "b4", "reason": "fill-or-kill order b4 for 1 t cannot be filled '
        'completely (0 t available)"}',
        '{"rejected": "s1", "reason": "no resting order s1"}',
        '{"trade": 5, "buy": "b1", "sell": "s4", "price": "45.10", "qty": 10}',
        '{"book": {"bids": [["45.10", 20]], "asks": [["46.00", 5]]}}',
    ]


@ENGINES
def test_price_band_from_the_reference_price(tmp_path: Path, cli: Cli, engine: str) -> None:
    path = _file(
        tmp_path,
        new("lo", "buy", "40.50", 1),
        new("hi", "sell", "49.50", 2),
        new("below", "buy", "40.49", 1),
        new("above", "sell", "49.51", 1),
        {"op": "amend", "id": "hi", "price": "49.60"},
    )
    band = "price band 40.50-49.50"
    assert _lines(cli, path, "--ref-price", "45", "--engine", engine) == [
        f'{{"rejected": "below", "reason": "price 40.49 is outside the {band}"}}',
        f'{{"rejected": "above", "reason": "price 49.51 is outside the {band}"}}',
        f'{{"rejected": "hi", "reason": "price 49.60 is outside the {band}"}}',
        '{"book": {"bids": [["40.50", 1]], "asks": [["49.50", 2]]}}',
    ]
    # without a reference price there is no band
    assert _lines(cli, path, "--engine", engine)[-1] == (
        '{"book": {"bids": [["40.50", 1], ["40.49", 1]], "asks": [["49.51", 1], ["49.60", 2]]}}'
    )


@ENGINES
def test_trading_rule_breaches_are_rejected_and_the_replay_goes_on(
    tmp_path: Path, cli: Cli, engine: str
) -> None:
    path = _file(
        tmp_path,
        new("t", "buy", "45.201", 1),
        new("z", "buy", "45.20", 0),
        new("f", "buy", "45.20", 1.5),  # type: ignore[arg-type]
        new("big", "buy", "45.20", 100_000),
        new("ok", "buy", "45.20", 99_999),
        new("ok", "buy", "45.10", 1),
        new("x", "short", "45.20", 1),
        new("y", "buy", "45.20", 1, "DAY"),
        {"op": "amend", "id": "ok"},
        {"op": "amend", "id": "nobody", "qty": 3},
    )
    assert _lines(cli, path, "--engine", engine) == [
        '{"rejected": "t", "reason": "price 45.201 is not a multiple of the tick 0.01"}',
        '{"rejected": "z", "reason": "quantity 0 is not a positive whole number of tonnes"}',
        '{"rejected": "f", "reason": "quantity 1.5 is not a positive whole number of tonnes"}',
        '{"rejected": "big", "reason": "quantity 100000 t is above the maximum 99999 t of a '
        'listing order"}',
        '{"rejected": "ok", "reason": "order ok is already in the book"}',
        '{"rejected": "x", "reason": "side short is not buy or sell"}',
        '{"rejected": "y", "reason": "time in force DAY is not GTC, IOC or FOK"}',
        '{"rejected": "ok", "reason": "amend of ok changes neither quantity nor price"}',
        '{"rejected": "nobody", "reason": "no resting order nobody"}',
        '{"book": {"bids": [["45.20", 99999]], "asks": []}}',
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "error: line 2: not JSON"),
        ("[1, 2]", "error: line 2: not a JSON object"),
        ('{"id": "a"}', 'error: line 2: no "op" (new, cancel or amend)'),
        ('{"op": "buy", "id": "a"}', "error: line 2: unknown op 'buy' (new, cancel or amend)"),
        ('{"op": "cancel"}', 'error: line 2: no "id" (a non-empty string)'),
    ],
)
def test_a_line_that_is_not_a_command_stops_before_anything_runs(
    tmp_path: Path, cli: Cli, line: str, message: str
) -> None:
    path = _file(tmp_path, new("a", "buy", "45.00", 1), line, new("b", "sell", "45.00", 1))
    error = cli.fails(2, "exchange", "replay", path, "--json")
    assert error.startswith(message)


def test_blank_lines_are_skipped_and_prices_may_be_numbers(tmp_path: Path, cli: Cli) -> None:
    path = _file(
        tmp_path,
        '{"op": "new", "id": "a", "side": "sell", "price": 45.2, "qty": 3}',
        "",
        '{"op": "new", "id": "b", "side": "buy", "price": 46, "qty": 5}',
    )
    assert _lines(cli, path) == [
        '{"trade": 1, "buy": "b", "sell": "a", "price": "45.20", "qty": 3}',
        '{"book": {"bids": [["46.00", 2]], "asks": []}}',
    ]


def test_bad_options_and_missing_file(tmp_path: Path, cli: Cli) -> None:
    path = _file(tmp_path, new("a", "buy", "45.00", 1))
    assert "--ref-price must be a positive price" in cli.fails(
        2, "exchange", "replay", path, "--ref-price", "abc"
    )
    assert "--engine must be fast or python" in cli.fails(
        2, "exchange", "replay", path, "--engine", "c"
    )
    assert cli.fails(2, "exchange", "replay", str(tmp_path / "none.jsonl")).startswith(
        "error: cannot read"
    )


def test_table_output(tmp_path: Path, cli: Cli) -> None:
    path = _file(
        tmp_path,
        new("s1", "sell", "45.20", 100),
        new("b1", "buy", "45.20", 30),
        new("b2", "buy", "60.00", 1),
    )
    out = cli.ok("exchange", "replay", path, "--ref-price", "45.00")
    assert "45.20" in out
    assert "rejected b2" in out
    assert "3 commands, 1 trades, 30 t traded, 1 rejected; price band 40.50-49.50" in out
