"""The reference order book, case by case: every expected fill and book worked out by hand.

Prices are fen (4520 = ¥45.20), quantities tonnes.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from openets.errors import RuleViolation
from openets.exchange.engine import (
    MAX_LISTING_QTY,
    Fill,
    OrderBook,
    OrderRejected,
    PriceBand,
    Resting,
    Side,
    TimeInForce,
    yuan,
)

BUY, SELL = Side.BUY, Side.SELL
IOC, FOK = TimeInForce.IOC, TimeInForce.FOK


def buy_fill(buyer: str, seller: str, price: int, qty: int) -> Fill:
    """A fill where the buyer is the incoming order."""
    return Fill(buyer, seller, price, qty, maker=seller, taker=buyer)


def sell_fill(buyer: str, seller: str, price: int, qty: int) -> Fill:
    """A fill where the seller is the incoming order."""
    return Fill(buyer, seller, price, qty, maker=buyer, taker=seller)


def asks_ladder() -> OrderBook:
    """Asks: 45.20 [a1 100, a2 50], 45.30 [a3 70], 45.50 [a4 200]; bids: 45.00 [b1 30]."""
    book = OrderBook()
    assert book.place("a1", SELL, 4520, 100) == []
    assert book.place("a2", SELL, 4520, 50) == []
    assert book.place("a3", SELL, 4530, 70) == []
    assert book.place("a4", SELL, 4550, 200) == []
    assert book.place("b1", BUY, 4500, 30) == []
    return book


def test_orders_that_do_not_cross_rest_best_price_first_then_time() -> None:
    book = asks_ladder()
    assert book.depth() == ([(4500, 30)], [(4520, 150), (4530, 70), (4550, 200)])
    assert book.best_bid() == 4500
    assert book.best_ask() == 4520
    assert book.resting() == [
        Resting("b1", BUY, 4500, 30, "", 5),
        Resting("a1", SELL, 4520, 100, "", 1),
        Resting("a2", SELL, 4520, 50, "", 2),
        Resting("a3", SELL, 4530, 70, "", 3),
        Resting("a4", SELL, 4550, 200, "", 4),
    ]
    assert book.depth(levels=2) == ([(4500, 30)], [(4520, 150), (4530, 70)])
    assert len(book) == 5


def test_a_buy_sweeps_several_levels_at_each_resting_price_and_rests_its_remainder() -> None:
    book = asks_ladder()
    # 100 + 50 at 45.20, 70 at 45.30; the 45.50 level is beyond the limit 45.40
    fills = book.place("b2", BUY, 4540, 300)
    assert fills == [
        buy_fill("b2", "a1", 4520, 100),
        buy_fill("b2", "a2", 4520, 50),
        buy_fill("b2", "a3", 4530, 70),
    ]
    assert book.depth() == ([(4540, 80), (4500, 30)], [(4550, 200)])
    assert book.get("b2") == Resting("b2", BUY, 4540, 80, "", 6)
    assert book.get("a1") is None


def test_partial_fill_leaves_the_maker_at_the_head_of_its_level() -> None:
    book = asks_ladder()
    assert book.place("b2", BUY, 4520, 60) == [buy_fill("b2", "a1", 4520, 60)]
    assert book.get("a1") == Resting("a1", SELL, 4520, 40, "", 1)
    # the next buyer still meets a1 (40 left) before a2
    assert book.place("b3", BUY, 4520, 60) == [
        buy_fill("b3", "a1", 4520, 40),
        buy_fill("b3", "a2", 4520, 20),
    ]
    assert book.depth() == ([(4500, 30)], [(4520, 30), (4530, 70), (4550, 200)])


def test_a_sell_trades_at_the_bid_price_not_its_own_limit() -> None:
    book = OrderBook()
    book.place("b1", BUY, 4510, 10)
    book.place("b2", BUY, 4530, 10)
    book.place("b3", BUY, 4530, 10)
    assert book.place("s1", SELL, 4500, 25) == [
        sell_fill("b2", "s1", 4530, 10),
        sell_fill("b3", "s1", 4530, 10),
        sell_fill("b1", "s1", 4510, 5),
    ]
    assert book.depth() == ([(4510, 5)], [])


def test_ioc_remainder_is_cancelled_and_its_fills_stand() -> None:
    book = asks_ladder()
    fills = book.place("b2", BUY, 4520, 200, IOC)
    assert fills == [buy_fill("b2", "a1", 4520, 100), buy_fill("b2", "a2", 4520, 50)]
    assert book.get("b2") is None
    assert book.depth() == ([(4500, 30)], [(4530, 70), (4550, 200)])


def test_ioc_that_does_not_cross_does_nothing() -> None:
    book = asks_ladder()
    assert book.place("b2", BUY, 4510, 10, IOC) == []
    assert book.get("b2") is None
    assert book.depth() == ([(4500, 30)], [(4520, 150), (4530, 70), (4550, 200)])


def test_fok_exactly_fillable_trades_in_full() -> None:
    book = asks_ladder()
    # 150 at 45.20 + 70 at 45.30 = 220 available up to 45.30
    assert book.place("b2", BUY, 4530, 220, FOK) == [
        buy_fill("b2", "a1", 4520, 100),
        buy_fill("b2", "a2", 4520, 50),
        buy_fill("b2", "a3", 4530, 70),
    ]
    assert book.depth() == ([(4500, 30)], [(4550, 200)])


def test_fok_one_tonne_short_is_rejected_with_nothing_traded() -> None:
    book = asks_ladder()
    before = book.resting()
    with pytest.raises(OrderRejected) as rejected:
        book.place("b2", BUY, 4530, 221, FOK)
    assert rejected.value.message == (
        "fill-or-kill order b2 for 221 t cannot be filled completely (220 t available)"
    )
    assert book.resting() == before
    assert book.get("b2") is None


def test_cancel_returns_the_remaining_order_and_empties_its_level() -> None:
    book = asks_ladder()
    book.place("b2", BUY, 4530, 160)  # a1 100, a2 50, a3 10 -> a3 has 60 left
    assert book.cancel("a3") == Resting("a3", SELL, 4530, 60, "", 3)
    assert book.depth() == ([(4500, 30)], [(4550, 200)])
    assert book.get("a3") is None
    with pytest.raises(OrderRejected, match=r"^no resting order a3$"):
        book.cancel("a3")


def test_cancel_in_the_middle_of_a_level_keeps_the_others_in_order() -> None:
    book = OrderBook()
    for n in range(1, 5):
        book.place(f"s{n}", SELL, 4600, 10)
    book.cancel("s2")
    book.cancel("s3")
    assert [r.id for r in book.resting()] == ["s1", "s4"]
    assert book.place("b", BUY, 4600, 15) == [
        buy_fill("b", "s1", 4600, 10),
        buy_fill("b", "s4", 4600, 5),
    ]


def test_amend_down_keeps_priority() -> None:
    book = asks_ladder()
    assert book.amend("a1", qty=40) == []
    assert book.get("a1") == Resting("a1", SELL, 4520, 40, "", 1)
    # an aggressive buy meets a1 first, still ahead of a2
    assert book.place("b2", BUY, 4520, 60) == [
        buy_fill("b2", "a1", 4520, 40),
        buy_fill("b2", "a2", 4520, 20),
    ]


def test_amend_up_loses_priority() -> None:
    book = asks_ladder()
    assert book.amend("a1", qty=120) == []
    assert book.get("a1") == Resting("a1", SELL, 4520, 120, "", 6)
    assert book.place("b2", BUY, 4520, 60) == [
        buy_fill("b2", "a2", 4520, 50),
        buy_fill("b2", "a1", 4520, 10),
    ]
    assert book.depth()[1][0] == (4520, 110)


def test_amend_to_a_new_price_goes_to_the_back_of_that_level() -> None:
    book = asks_ladder()
    assert book.amend("a1", price=4530) == []
    assert book.get("a1") == Resting("a1", SELL, 4530, 100, "", 6)
    assert book.depth() == ([(4500, 30)], [(4520, 50), (4530, 170), (4550, 200)])
    assert book.place("b2", BUY, 4530, 130) == [
        buy_fill("b2", "a2", 4520, 50),
        buy_fill("b2", "a3", 4530, 70),
        buy_fill("b2", "a1", 4530, 10),
    ]


def test_amend_back_to_the_same_price_with_less_is_in_place() -> None:
    book = asks_ladder()
    assert book.amend("a1", qty=90, price=4520) == []
    assert book.get("a1") == Resting("a1", SELL, 4520, 90, "", 1)
    assert book.amend("a1", qty=90) == []  # no change at all
    assert book.get("a1") == Resting("a1", SELL, 4520, 90, "", 1)


def test_amend_that_crosses_trades_as_the_taker() -> None:
    book = asks_ladder()
    # the bid b1 30 @ 45.00 moves to 45.30 and lifts 30 of a1 at a1's price
    assert book.amend("b1", price=4530) == [buy_fill("b1", "a1", 4520, 30)]
    assert book.get("b1") is None
    assert book.depth() == ([], [(4520, 120), (4530, 70), (4550, 200)])
    # a sell amended down through the bids trades and rests its remainder
    book.place("b2", BUY, 4510, 20)
    assert book.amend("a4", qty=50, price=4510) == [sell_fill("b2", "a4", 4510, 20)]
    assert book.get("a4") == Resting("a4", SELL, 4510, 30, "", 7)  # b1 never rested


def test_amend_refusals_change_nothing() -> None:
    book = OrderBook(PriceBand(4050, 4950))
    book.place("a1", SELL, 4520, 100)
    with pytest.raises(OrderRejected, match=r"^no resting order zz$"):
        book.amend("zz", qty=1)
    with pytest.raises(OrderRejected, match=r"^amend of a1 changes neither quantity nor price$"):
        book.amend("a1")
    with pytest.raises(OrderRejected, match=r"^quantity 0 is not a positive whole number"):
        book.amend("a1", qty=0)
    with pytest.raises(OrderRejected, match=r"^price 49\.51 is outside the price band"):
        book.amend("a1", price=4951)
    assert book.resting() == [Resting("a1", SELL, 4520, 100, "", 1)]


@pytest.mark.parametrize(("price", "accepted"), [(4050, True), (4950, True), (4049, False),
                                                 (4951, False)])  # fmt: skip
def test_price_band_edges(price: int, accepted: bool) -> None:
    band = PriceBand.around(4500, Decimal(10))
    assert band == PriceBand(4050, 4950)
    book = OrderBook(band)
    if accepted:
        assert book.place("o", BUY, price, 1) == []
        assert book.depth() == ([(price, 1)], [])
    else:
        with pytest.raises(OrderRejected) as rejected:
            book.place("o", BUY, price, 1)
        assert rejected.value.message == (
            f"price {yuan(price)} is outside the price band 40.50-49.50"
        )
        assert book.resting() == []


def test_band_rounds_inwards_to_whole_fen() -> None:
    # 45.55 ± 10% = 40.995 .. 50.105 -> 41.00 .. 50.10
    assert PriceBand.around(4555, Decimal(10)) == PriceBand(4100, 5010)
    # ±30% of 45.00 (block trades) = 31.50 .. 58.50
    assert PriceBand.around(4500, Decimal(30)) == PriceBand(3150, 5850)


def test_a_new_band_applies_to_new_orders_only() -> None:
    book = OrderBook(PriceBand(4050, 4950))
    book.place("a1", SELL, 4900, 10)
    book.band = PriceBand(4410, 5390)
    assert book.get("a1") is not None
    with pytest.raises(OrderRejected, match=r"price 44\.00 is outside the price band "
                                            r"44\.10-53\.90"):  # fmt: skip
        book.place("b1", BUY, 4400, 1)


def test_maximum_listing_quantity() -> None:
    book = OrderBook()
    assert MAX_LISTING_QTY == 99_999
    assert book.place("big", BUY, 4500, 99_999) == []
    with pytest.raises(OrderRejected) as rejected:
        book.place("block", BUY, 4500, 100_000)
    assert rejected.value.message == (
        "quantity 100000 t is above the maximum 99999 t of a listing order"
    )
    assert book.depth() == ([(4500, 99_999)], [])


@pytest.mark.parametrize("qty", [0, -5, True])
def test_quantity_must_be_a_positive_whole_number(qty: int) -> None:
    with pytest.raises(OrderRejected, match="is not a positive whole number of tonnes"):
        OrderBook().place("o", BUY, 4500, qty)


def test_price_must_be_positive_fen() -> None:
    with pytest.raises(OrderRejected, match=r"^price 0 is not a positive whole number of fen$"):
        OrderBook().place("o", BUY, 0, 1)


def test_duplicate_live_id_is_rejected_but_a_finished_id_may_come_back() -> None:
    book = asks_ladder()
    with pytest.raises(OrderRejected, match=r"^order a1 is already in the book$"):
        book.place("a1", BUY, 4400, 5)
    assert book.get("a1") == Resting("a1", SELL, 4520, 100, "", 1)
    book.place("b2", BUY, 4520, 100)  # fills a1 completely
    assert book.place("a1", BUY, 4400, 5) == []
    assert book.get("a1") == Resting("a1", BUY, 4400, 5, "", 6)  # b2 never rested


def test_rejections_are_rule_violations() -> None:
    assert issubclass(OrderRejected, RuleViolation)


def test_self_trade_is_rejected_before_anything_trades() -> None:
    book = OrderBook()
    book.place("a1", SELL, 4520, 10, owner="X")
    book.place("a2", SELL, 4520, 10, owner="Y")
    book.place("a3", SELL, 4530, 10, owner="X")
    before = book.resting()
    # Y would meet a1 (X) at 45.20 first, then a2 (own): refused as a whole
    with pytest.raises(OrderRejected) as rejected:
        book.place("b1", BUY, 4520, 20, owner="Y")
    assert rejected.value.message == "order b1 would trade with own resting order a2"
    assert book.resting() == before
    # X buying only 10 meets a1 (own) first
    with pytest.raises(OrderRejected, match=r"own resting order a1$"):
        book.place("b2", BUY, 4520, 5, owner="X")
    # Y buying 10 only reaches a1 (X): fine; a2 (Y) would be next but is not reached
    assert book.place("b3", BUY, 4530, 10, owner="Y") == [buy_fill("b3", "a1", 4520, 10)]
    # orders without an owner are never checked
    assert book.place("b4", BUY, 4530, 20) == [
        buy_fill("b4", "a2", 4520, 10),
        buy_fill("b4", "a3", 4530, 10),
    ]


def test_self_trade_on_amend_leaves_the_order_as_it_was() -> None:
    book = OrderBook()
    book.place("a1", SELL, 4520, 10, owner="X")
    book.place("b1", BUY, 4500, 10, owner="X")
    with pytest.raises(OrderRejected, match=r"^order b1 would trade with own resting order a1$"):
        book.amend("b1", price=4520)
    assert book.get("b1") == Resting("b1", BUY, 4500, 10, "X", 2)


def test_restore_then_matching_keeps_stored_priority() -> None:
    book = OrderBook()
    book.restore(
        [
            Resting("a2", SELL, 4520, 50, "Y", 7),
            Resting("a1", SELL, 4520, 100, "X", 3),
            Resting("b1", BUY, 4500, 30, "Z", 9),
        ]
    )
    assert book.resting() == [
        Resting("b1", BUY, 4500, 30, "Z", 9),
        Resting("a1", SELL, 4520, 100, "X", 3),
        Resting("a2", SELL, 4520, 50, "Y", 7),
    ]
    assert book.place("b2", BUY, 4520, 120) == [
        buy_fill("b2", "a1", 4520, 100),
        buy_fill("b2", "a2", 4520, 20),
    ]
    book.place("b3", BUY, 4400, 1)
    assert book.get("b3") == Resting("b3", BUY, 4400, 1, "", 10)  # after the largest seq


def test_restore_refuses_duplicates_and_a_crossed_book_changing_nothing() -> None:
    book = OrderBook()
    book.restore([Resting("a1", SELL, 4520, 10, "", 1)])
    with pytest.raises(OrderRejected, match=r"^order a1 is already in the book$"):
        book.restore([Resting("a1", SELL, 4530, 10, "", 2)])
    with pytest.raises(OrderRejected, match=r"cross the book \(bid 45\.20 >= ask 45\.20\)"):
        book.restore([Resting("b1", BUY, 4520, 10, "", 2)])
    assert book.resting() == [Resting("a1", SELL, 4520, 10, "", 1)]


def test_many_cancels_at_one_level_keep_the_queue_consistent() -> None:
    book = OrderBook()
    for n in range(100):
        book.place(f"s{n}", SELL, 4600, 1)
    for n in range(0, 99):
        book.cancel(f"s{n}")
    assert book.depth() == ([], [(4600, 1)])
    assert book.place("b", BUY, 4600, 5, IOC) == [buy_fill("b", "s99", 4600, 1)]
    assert book.depth() == ([], [])


def test_yuan_formats_fen() -> None:
    assert [yuan(4520), yuan(5), yuan(100), yuan(-150)] == ["45.20", "0.05", "1.00", "-1.50"]
