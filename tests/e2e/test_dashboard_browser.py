"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against the real
server (uvicorn in a subprocess) over a SQLite registry populated here.

Without ``/usr/bin/chromium`` (``apt-get install chromium``) the test skips, except under CI
(``CI`` set), where a skipped browser test would hide a failure, so it fails. Playwright's own
browser download is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, require_browser, served

from openets import bootstrap
from openets.auth import add_user
from openets.db.migrate import upgrade
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.model import ActivityLine, SourceKind, Unit
from openets.mrv.permissions import OPERATOR
from openets.registry import services
from openets.registry.model import IssueUnits, TransferUnits
from openets.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def populate(url: str) -> None:
    """A1 holds 750 t of GDEA-2024 (1,000 issued, 250 moved to B1); B1 got 50 one-tonne
    SINK issues, so the journal (52 entries) runs over one page; a regulator user. B1 is a
    cement entity with 50,000 t verified for 2023 (imported) and nothing surrendered."""
    settings = Settings(
        database_url=url, argon2_time_cost=1, argon2_memory_kib=8, argon2_parallelism=1
    )
    app = bootstrap(url, settings=settings)
    try:
        upgrade(app)
        services.ensure_system_accounts(app)
        services.open_account(app, "A1", "compliance", "Acme Steel")
        services.open_account(app, "B1", "compliance", "Beta Cement")
        services.execute(app, IssueUnits("GDEA-2024", 1000, "A1"))
        services.execute(app, TransferUnits("GDEA-2024", 250, "A1", "B1"))
        services.execute_batch(app, [IssueUnits("SINK", 1, "B1") for _ in range(50)])
        add_user(app, "regulator", "regulator", password=PASSWORD)
        add_user(app, "verifier", "verifier")
        # MRV: A1's entity with an approved 2023 report, 1,000 t of raw coal = 1,900.2988488 t
        mrv.add_entity(app, "A1", "Acme Steel", "steel", by=OPERATOR)
        mrv.add_facility(app, "A1-F1", "A1", "Blast furnace", "Shaoguan", by=OPERATOR)
        coal = ActivityLine(
            2, "A1-F1", 2023, SourceKind.COMBUSTION, "raw_coal", Decimal(1000), Unit.TONNE
        )
        report = mrv.create_report(app, "A1", 2023, [coal], by=OPERATOR).report
        mrv.assign_verifier(app, report.id, "verifier", by=OPERATOR)
        mrv.submit_report(app, report.id, by=OPERATOR)
        mrv.verify_report(app, report.id, by=OPERATOR)
        mrv.approve_report(app, report.id, by=OPERATOR)
        mrv.add_entity(app, "B1", "Beta Cement", "cement", by=OPERATOR)
        mrv.import_emissions(app, [ImportedEmissions("B1", 2023, 50_000)], by=OPERATOR)
    finally:
        app.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server over a populated SQLite file."""
    require_browser()
    url = f"sqlite:///{tmp_path_factory.mktemp('browser')}/openets.db"
    populate(url)
    with served(url) as base:
        yield base


def test_dashboard_in_chromium(server: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            # the public overview: the supply chart is drawn and the exact figure is there
            page.goto(f"{server}/")
            page.wait_for_selector("#supply-chart[data-ready='1']")
            assert page.locator("#supply-chart canvas").count() >= 1
            supply = page.locator("#supply-table tr[data-instrument='GDEA-2024']")
            expect(supply).to_contain_text("1,000")
            expect(supply.locator("td").nth(4)).to_have_text("1,000")  # outstanding
            expect(page.locator("[data-chain='ok']")).to_contain_text("52 entries")

            # log in as the regulator: the account list shows A1's balance
            page.click(".session a[href='/login']")
            page.fill("input[name=name]", "regulator")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_url(f"{server}/accounts")
            expect(page.locator("tr[data-account='A1']")).to_contain_text("750")
            expect(page.locator("tr[data-account='B1']")).to_contain_text("250")

            # the account page draws its holdings chart
            page.click("tr[data-account='A1'] a")
            page.wait_for_url(f"{server}/accounts/A1")
            page.wait_for_selector("#balance-chart[data-ready='1']")
            assert page.locator("#balance-chart canvas").count() >= 1
            balance = page.locator("#balance-table tr[data-instrument='GDEA-2024'] td")
            expect(balance.nth(1)).to_have_text("750")

            # the journal loads its next page in place with HTMX
            page.goto(f"{server}/journal")
            entries = page.locator("tr[data-seq]")
            expect(entries).to_have_count(50)
            page.click("tr.more-row a")
            expect(entries).to_have_count(52)
            expect(page.locator("tr.more-row")).to_have_count(0)
            expect(entries.last).to_have_attribute("data-seq", "1")
            assert page.url == f"{server}/journal"

            # the serial search swaps its answer in with HTMX, without a page load
            page.goto(f"{server}/serials")
            page.fill("input[name=instrument]", "GDEA-2024")
            page.fill("input[name=serial]", "100")
            page.click("form.filter button[type=submit]")
            rows = page.locator("#serial-result tr[data-seq]")
            expect(rows).to_have_count(2)
            expect(rows.nth(1)).to_contain_text("B1")
            assert page.url.endswith("/serials?instrument=GDEA-2024&serial=100")

            # MRV: the entity's stacked emissions chart is drawn; the report shows its line
            page.click("nav a[href='/mrv/reports']")
            page.wait_for_url(f"{server}/mrv/reports")
            page.click("tr[data-report='A1-2023-v1'] td:nth-child(2) a")
            page.wait_for_url(f"{server}/mrv/entities/A1")
            page.wait_for_selector("#emissions-chart[data-ready='1']")
            assert page.locator("#emissions-chart canvas").count() >= 1
            expect(page.locator("#emissions-table tr[data-year='2023']")).to_contain_text("1,900")
            page.click("#emissions-table a")
            page.wait_for_url(f"{server}/mrv/reports/A1-2023-v1")
            expect(page.locator("#lines-table tr[data-row='2'] td").nth(5)).to_have_text(
                "1,900.299"
            )

            # switch to Chinese: labels change, figures do not
            page.goto(f"{server}/")
            page.click("a[lang='zh-CN']")
            expect(page.locator("h2").first).to_have_text("供应量")
            page.wait_for_selector("#supply-chart[data-ready='1']")
            expect(supply).to_contain_text("1,000")
        finally:
            browser.close()
    assert problems == [], f"the browser reported errors: {problems}"


def test_compliance_board_in_chromium(server: str) -> None:
    """The regulator's compliance board: the chart is drawn, the status filter swaps the
    table in with HTMX and pushes the URL."""
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(locale="en-GB").new_page()
            page.set_default_timeout(15_000)
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{server}/login")
            page.fill("input[name=name]", "regulator")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_url(f"{server}/accounts")
            # the nav link opens the latest year with verified reports: 2023
            page.click("nav a[href='/compliance']")
            page.wait_for_url(f"{server}/compliance/2023")
            page.wait_for_selector("#sector-chart[data-ready='1']")
            row = page.locator("#status-table tr[data-entity='B1']")
            expect(row.locator("td[data-col='verified']")).to_have_text("50,000")
            page.select_option("#status-filter select[name=status]", "compliant")
            expect(page.locator("#status-rows .empty")).to_be_visible()
            page.wait_for_url(f"{server}/compliance/2023?status=compliant&jurisdiction=")
            page.select_option("#status-filter select[name=status]", "shortfall")
            expect(row.locator("td[data-col='shortfall']")).to_have_text("50,000")
        finally:
            browser.close()
    assert problems == [], f"the browser reported errors: {problems}"
