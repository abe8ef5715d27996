"""Pure rules of the listing market: prices in fen, reservations, the band, the close."""

from __future__ import annotations

import pytest

from openets.errors import InvalidInput
from openets.exchange.model import (
    Side,
    close_of_day,
    listing_band,
    parse_price,
    reservation,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"), [("45.20", 4520), ("45.2", 4520), ("46", 4600), ("0.01", 1), (" 7.05 ", 705)]
)
def test_prices_are_yuan_with_at_most_two_decimals(text: str, fen: int) -> None:
    assert parse_price(text) == fen


@pytest.mark.parametrize("text", ["45.201", "-1", "0", "0.00", "abc", "1e3", ""])
def test_malformed_prices_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_price(text)


def test_reservations() -> None:
    assert reservation(Side.BUY, 4520, 100) == 452_000  # fen
    assert reservation(Side.SELL, 4520, 100) == 100  # tonnes


def test_band_is_ten_percent_rounded_inwards() -> None:
    band = listing_band(4521)  # 4068.9 .. 4973.1
    assert (band.low, band.high) == (4069, 4973)


def test_close_is_the_vwap_half_up_or_the_previous_close() -> None:
    assert round_half_up(9041, 2) == 4521  # 4520.5
    assert round_half_up(13561, 3) == 4520  # 4520.33
    assert round_half_up(13562, 3) == 4521  # 4520.67
    assert close_of_day(9041, 2, 4400) == 4521
    assert close_of_day(0, 0, 4400) == 4400
