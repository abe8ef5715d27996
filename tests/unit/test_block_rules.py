"""Block-trade rules: the 100,000 t minimum and the ±30% band around the previous close."""

from __future__ import annotations

import pytest

from openets.errors import InvalidInput, NotAuthorised, RuleViolation
from openets.exchange.block import (
    BlockState,
    PriceBand,
    block_band,
    check_block,
    require_counterparty,
    require_open,
    require_proposer,
)


def test_band_of_a_round_close() -> None:
    # close 25.00: 17.50 to 32.50, exactly ±30%
    assert block_band(2_500) == PriceBand(1_750, 3_250)


def test_band_of_an_odd_close_stays_inside_30_percent() -> None:
    # close 25.01: 0.7 x 2501 = 1750.7 -> 1751; 1.3 x 2501 = 3251.3 -> 3251
    assert block_band(2_501) == PriceBand(1_751, 3_251)


def test_quantity_minimum() -> None:
    check_block("S", "B", 100_000, 2_500, 2_500)
    with pytest.raises(RuleViolation, match=r"at least 100,000 t, this one is 99,999 t"):
        check_block("S", "B", 99_999, 2_500, 2_500)


def test_band_edges_accepted_one_fen_beyond_refused() -> None:
    assert check_block("S", "B", 100_000, 1_750, 2_500) == PriceBand(1_750, 3_250)
    check_block("S", "B", 100_000, 3_250, 2_500)
    message = r"outside the block band 17\.50–32\.50 yuan/t \(±30% of the previous close 25\.00\)"
    with pytest.raises(RuleViolation, match=r"price 17\.49 yuan/t is " + message):
        check_block("S", "B", 100_000, 1_749, 2_500)
    with pytest.raises(RuleViolation, match=r"price 32\.51 yuan/t is " + message):
        check_block("S", "B", 100_000, 3_251, 2_500)


def test_other_refusals() -> None:
    with pytest.raises(RuleViolation, match="two parties"):
        check_block("S", "S", 100_000, 2_500, 2_500)
    with pytest.raises(RuleViolation, match="no previous close"):
        check_block("S", "B", 100_000, 2_500, None)
    with pytest.raises(InvalidInput):
        check_block("S", "B", 100_000, 0, 2_500)
    with pytest.raises(InvalidInput):
        block_band(0)


def test_who_may_act() -> None:
    require_counterparty("B", "B", 1, "confirm")
    with pytest.raises(NotAuthorised, match="only its counterparty 'B' may"):
        require_counterparty("X", "B", 1, "confirm")
    require_proposer("S", "S", 1)
    with pytest.raises(NotAuthorised, match="only its proposer 'S' may"):
        require_proposer("B", "S", 1)
    require_open(BlockState.PROPOSED, 1)
    with pytest.raises(RuleViolation, match="block trade 1 is confirmed"):
        require_open(BlockState.CONFIRMED, 1)
