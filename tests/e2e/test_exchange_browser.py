"""The trading page in a real browser: Debian's Chromium driven by Playwright, against the
real server (uvicorn in a subprocess) over a SQLite file populated here.

The server's clock is fixed at 2025-07-01 10:00 CST (a trading day, in session), so orders
are accepted whenever the test runs. GDEA-2025 is listed at ¥45.00 (band 40.50-49.50); member
M-A (user ``alice``) has ¥100,000.00, member M-B (user ``bob``) 1,000 t.

Alice bids 40 t at 45.10 through the order form: order 1 shows in her open orders and on the
ladder. Bob, in another browser, sells 15 t at 45.10: trade 1 reaches Alice's page through
the server-sent events, without a reload, and her bid shrinks to 25 t.

Without ``/usr/bin/chromium`` (``apt-get install chromium``) the test skips, except under CI
(``CI`` set), where it fails. Playwright's own browser download is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, require_browser, served

from openets import bootstrap
from openets.auth import add_user
from openets.db.migrate import upgrade
from openets.exchange import services as exchange
from openets.registry import services
from openets.registry.model import IssueUnits
from openets.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CODE = "GDEA-2025"


def populate(url: str) -> None:
    settings = Settings(
        database_url=url, argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1
    )
    app = bootstrap(url, settings=settings)
    try:
        upgrade(app)
        services.ensure_system_accounts(app)
        add_user(app, "alice", "member", owner="Alpha Trading", password=PASSWORD)
        add_user(app, "bob", "member", owner="Beta Trading", password=PASSWORD)
        exchange.add_member(app, "M-A", "Alpha Trading")
        exchange.add_member(app, "M-B", "Beta Trading")
        exchange.list_instrument(app, CODE, 4_500)
        exchange.deposit(app, "M-A", 10_000_000)
        services.execute(app, IssueUnits(CODE, 1_000, "M-B"))
    finally:
        app.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server over a populated SQLite file."""
    require_browser()
    url = f"sqlite:///{tmp_path_factory.mktemp('exchange-browser')}/openets.db"
    populate(url)
    with served(url, "2025-07-01T02:00:00+00:00") as base:
        yield base


def trading_page(browser: Any, server: str, name: str, problems: list[str]) -> Any:
    """A new browser context logged in as ``name``, on the GDEA-2025 trading page."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{server}/exchange/trade/{CODE}")
    page.wait_for_url(f"{server}/login?next=*")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{server}/exchange/trade/{CODE}")
    return page


def place(page: Any, side: str, price: str, qty: str) -> None:
    page.select_option("#order-side", side)
    page.fill("#order-price", price)
    page.fill("#order-qty", qty)
    page.click("#order-submit")


def test_placing_an_order_on_the_trading_page(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            alice = trading_page(browser, server, "alice", problems)
            expect(alice.locator("#book-empty")).to_be_visible()

            # alice's bid: the answer swaps in her order and the ladder, without a page load
            alice.evaluate("window.notReloaded = true")
            place(alice, "buy", "45.10", "40")
            expect(alice.locator("#order-message")).to_have_text(
                "Order 1 placed: 0 t traded, now open."
            )
            order = alice.locator("#open-orders tr[data-order='1']")
            expect(order.locator("[data-col='price']")).to_have_text("45.10")
            expect(order.locator("[data-col='remaining']")).to_have_text("40")
            bid = alice.locator("#ladder tr[data-side='buy'][data-price='45.10']")
            expect(bid.locator("[data-col='qty']")).to_have_text("40")
            assert alice.evaluate("window.notReloaded") is True

            # a refused order: the service's message, nothing placed
            place(alice, "buy", "60.00", "1")
            expect(alice.locator("#order-message")).to_have_text(
                "price 60.00 is outside the price band 40.50-49.50 "
                "(±10% of the previous close 45.00)"
            )
            expect(alice.locator("#open-orders tr[data-order]")).to_have_count(1)

            # bob's crossing sell reaches alice's page through the event stream
            bob = trading_page(browser, server, "bob", problems)
            expect(bob.locator("#ladder tr[data-price='45.10'] [data-col='qty']")).to_have_text(
                "40"
            )
            place(bob, "sell", "45.10", "15")
            expect(bob.locator("#order-message")).to_have_text(
                "Order 2 placed: 15 t traded, now filled."
            )
            trade = alice.locator("#recent-trades tr[data-trade='1']")
            expect(trade.locator("[data-col='price']")).to_have_text("45.10")
            expect(trade.locator("[data-col='qty']")).to_have_text("15")
            expect(bid.locator("[data-col='qty']")).to_have_text("25")
            expect(order.locator("[data-col='remaining']")).to_have_text("25")
            assert alice.evaluate("window.notReloaded") is True
        finally:
            browser.close()
    assert problems == []
