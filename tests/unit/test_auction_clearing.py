"""Auction clearing worked by hand: ranking, the 50% cap, the marginal fill, uniform price."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from openets.errors import InvalidInput, RuleViolation
from openets.exchange.auction import (
    Bid,
    Fill,
    bidder_cap,
    check_bid,
    clear,
    reserve_from_vwap,
    reserve_window,
    yuan,
)

RESERVE = 2_000  # 20.00 yuan/t


def test_cap_price_time_and_marginal_fill() -> None:
    # lot 10,000 t, so one bidder wins at most 5,000 t
    bids = [
        Bid(1, "A", 3_000, 2_500, seq=1),
        Bid(2, "A", 4_000, 2_400, seq=2),  # A's cap leaves it 2,000 of these
        Bid(3, "B", 2_000, 2_400, seq=3),  # same price as A's, later: after it
        Bid(4, "C", 4_000, 2_300, seq=4),  # marginal: 10,000 - 3,000 - 2,000 - 2,000 = 3,000
        Bid(5, "D", 1_000, 2_300, seq=5),  # same price, later: nothing left
        Bid(6, "E", 1_000, 2_100, seq=6),
    ]
    result = clear(10_000, bids, RESERVE)
    assert result.fills == (
        Fill(1, "A", 3_000),
        Fill(2, "A", 2_000),
        Fill(3, "B", 2_000),
        Fill(4, "C", 3_000),
        Fill(5, "D", 0),
        Fill(6, "E", 0),
    )
    assert result.price == 2_300  # the lowest accepted bid, paid by every winner
    assert (result.sold, result.unsold) == (10_000, 0)
    assert result.allocation() == {"A": 5_000, "B": 2_000, "C": 3_000}
    assert result.value == 23_000_000  # 10,000 t x 23.00 yuan


def test_same_price_goes_by_time_not_by_list_order() -> None:
    bids = [Bid(7, "late", 5_000, 3_000, seq=20), Bid(8, "early", 5_000, 3_000, seq=10)]
    more = [Bid(9, "third", 5_000, 3_000, seq=30)]
    result = clear(8_000, bids + more, RESERVE)
    assert result.allocation() == {"early": 4_000, "late": 4_000}
    assert result.fills[0] == Fill(8, "early", 4_000)  # 8,000 x 50% = 4,000 cap
    assert result.fills[2] == Fill(9, "third", 0)
    assert result.price == 3_000


def test_higher_price_beats_earlier_time() -> None:
    result = clear(2_000, [Bid(1, "A", 1_000, 2_100, 1), Bid(2, "B", 1_000, 2_200, 2)], RESERVE)
    assert result.fills == (Fill(2, "B", 1_000), Fill(1, "A", 1_000))
    assert result.price == 2_100


def test_undersubscribed_sells_all_bids_at_the_lowest_bid() -> None:
    result = clear(10_000, [Bid(1, "A", 3_000, 2_500, 1), Bid(2, "B", 2_000, 2_100, 2)], RESERVE)
    assert result.price == 2_100
    assert (result.sold, result.unsold) == (5_000, 5_000)
    assert result.value == 10_500_000


def test_a_lone_big_bidder_wins_half_and_the_rest_stays_unsold() -> None:
    result = clear(10_000, [Bid(1, "A", 8_000, 2_500, 1)], RESERVE)
    assert result.fills == (Fill(1, "A", 5_000),)
    assert (result.price, result.sold, result.unsold) == (2_500, 5_000, 5_000)


def test_a_capped_bid_does_not_set_the_price() -> None:
    # A's second bid at 21.00 fills nothing (cap reached): the price is B's 22.00
    bids = [Bid(1, "A", 5_000, 2_500, 1), Bid(2, "A", 1_000, 2_100, 2)]
    result = clear(10_000, [*bids, Bid(3, "B", 1_000, 2_200, 3)], RESERVE)
    assert result.price == 2_200
    assert result.allocation() == {"A": 5_000, "B": 1_000}


def test_no_bids_sells_nothing() -> None:
    result = clear(10_000, [], RESERVE)
    assert (result.price, result.sold, result.unsold, result.value) == (None, 0, 10_000, 0)


def test_cap_is_floored_to_a_tonne() -> None:
    assert bidder_cap(10_001) == 5_000
    assert bidder_cap(10_000, Decimal("0.3")) == 3_000
    result = clear(10_001, [Bid(1, "A", 6_000, 2_000, 1)], RESERVE)
    assert result.sold == 5_000


def test_bid_refusals() -> None:
    check_bid(1_000, RESERVE, RESERVE)  # both limits included
    with pytest.raises(RuleViolation, match=r"at least 1,000 t, this one is 999 t"):
        check_bid(999, 2_500, RESERVE)
    with pytest.raises(RuleViolation, match=r"19\.99 yuan/t is below the reserve price of 20\.00"):
        check_bid(1_000, 1_999, RESERVE)
    with pytest.raises(InvalidInput):
        check_bid(1_000, 0, RESERVE)
    with pytest.raises(RuleViolation):
        clear(10_000, [Bid(1, "A", 500, 2_500, 1)], RESERVE)
    with pytest.raises(InvalidInput):
        clear(0, [], RESERVE)


def test_reserve_window_is_the_three_calendar_months_before() -> None:
    # the 2016 third Guangdong auction: announced in March 2017, VWAP of Dec-Feb
    assert reserve_window(date(2017, 3, 15)) == (date(2016, 12, 1), date(2017, 2, 28))
    assert reserve_window(date(2024, 5, 31)) == (date(2024, 2, 1), date(2024, 4, 30))
    assert reserve_window(date(2025, 1, 1)) == (date(2024, 10, 1), date(2024, 12, 31))
    assert reserve_window(date(2025, 7, 1), months=1) == (date(2025, 6, 1), date(2025, 6, 30))


def test_reserve_from_vwap_rounds_half_up_to_a_fen() -> None:
    # 100,000 t at 25.00 and 50,000 t at 26.01: 380,050,000 fen / 150,000 t = 2,533.67 fen
    assert reserve_from_vwap(Fraction(100_000 * 2_500 + 50_000 * 2_601, 150_000)) == 2_534
    assert reserve_from_vwap(Fraction(5, 2)) == 3
    assert reserve_from_vwap(Decimal("2533.49")) == 2_533
    assert reserve_from_vwap(2_500) == 2_500
    with pytest.raises(RuleViolation, match="no listing trade"):
        reserve_from_vwap(None)


def test_yuan_text() -> None:
    assert yuan(1_609) == "16.09"
    assert yuan(123_456_789) == "1,234,567.89"
