"""The web dashboard over the real API app, on SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openets import App
from openets.api.app import create_api
from openets.auth import add_user
from openets.registry import services
from openets.registry.model import (
    CancelUnits,
    FreezeUnits,
    IssueUnits,
    RetireUnits,
    TransferUnits,
)
from openets.settings import Settings
from openets.web.i18n import EN, ZH, negotiate
from openets.web.routes import (
    LANG_COOKIE,
    PAGE_SIZE,
    SESSION_COOKIE,
    STATIC_DIR,
    movements,
    tonnes,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def market(app: App) -> App:
    """Two companies' accounts and one entry of every kind that moves or freezes units.

    GDEA-2024: 1,000 issued to A1; 250 A1 -> B1; B1 retires 50; 100 frozen in A1.
    CCER: 300 issued to B1, 30 cancelled. Users: a regulator, a verifier, Acme's entity user.
    """
    cheap = Settings(
        database_url=app.settings.database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
    )
    market = dataclasses.replace(app, settings=cheap)
    services.open_account(market, "A1", "compliance", "Acme Steel")
    services.open_account(market, "B1", "compliance", "Beta Cement")
    services.execute(market, IssueUnits("GDEA-2024", 1000, "A1"))
    services.execute(market, TransferUnits("GDEA-2024", 250, "A1", "B1"))
    services.execute(market, RetireUnits("GDEA-2024", 50, "B1", "voluntary", "Green Fund"))
    services.execute(market, FreezeUnits("GDEA-2024", 100, "A1"))
    services.execute(market, IssueUnits("CCER", 300, "B1"))
    services.execute(market, CancelUnits("CCER", 30, "B1", "surrender 2024"))
    add_user(market, "reg", "regulator", password=PASSWORD)
    add_user(market, "ver", "verifier", password=PASSWORD)
    add_user(market, "acme", "entity", owner="Acme Steel", password=PASSWORD)
    return market


@pytest.fixture
def client(market: App) -> Iterator[TestClient]:
    with TestClient(create_api(market), headers={"Accept-Language": "en-GB,en;q=0.8"}) as c:
        yield c


def log_in(client: TestClient, name: str) -> None:
    answer = client.post(
        "/login", data={"name": name, "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def chart_options(html: str, chart: str) -> dict[str, Any]:
    """The ECharts options a page hands its chart container ``chart``."""
    assert f'data-chart="{chart}-options"' in html
    match = re.search(
        rf'<script type="application/json" id="{chart}-options">(.*?)</script>', html, re.S
    )
    assert match is not None
    options: dict[str, Any] = json.loads(match.group(1))
    return options


def row_of(html: str, attribute: str, value: str) -> str:
    """The HTML of the table row marked ``attribute="value"``."""
    match = re.search(rf'<tr {attribute}="{re.escape(value)}">(.*?)</tr>', html, re.S)
    assert match is not None, f"no row {attribute}={value}"
    return match.group(1)


def cells(row: str) -> list[str]:
    """The text of each cell of a table row."""
    found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]


# --- overview -------------------------------------------------------------------------------


def test_overview_shows_exact_supply_and_chain_to_anyone(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert cells(row_of(html, "data-instrument", "GDEA-2024"))[1:] == ["1,000", "50", "0", "950"]
    assert cells(row_of(html, "data-instrument", "CCER"))[1:] == ["300", "0", "30", "270"]
    assert 'data-chain="ok"' in html
    assert "Hash chain intact · 6 entries" in html
    options = chart_options(html, "supply-chart")
    assert options["xAxis"]["data"] == ["CCER", "GDEA-2024"]
    names = [s["name"] for s in options["series"]]
    assert names == ["Issued", "Retired", "Cancelled", "Outstanding"]
    assert [s["data"] for s in options["series"]] == [[300, 1000], [0, 50], [30, 0], [270, 950]]
    # the journal is the oversight roles': the public sees supply and chain status only
    assert "SYS-ISSUANCE" not in html
    assert "open to the regulator and to verifiers" in html
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_overview_lists_latest_entries_for_the_regulator(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/").text
    retire = row_of(html, "data-seq", "3")
    assert "Retire" in retire
    assert "50&nbsp;t" in retire
    assert "beneficiary: Green Fund" in retire
    assert "#1–50" in retire


def test_overview_flags_a_tampered_journal(client: TestClient, market: App) -> None:
    assert 'data-chain="ok"' in client.get("/").text
    with market.engine.begin() as connection:
        connection.exec_driver_sql(
            'UPDATE journal SET memo = \'{"reason":"forged"}\' WHERE seq = 6'
        )
    # a new entry moves the head, so the overview checks the chain afresh
    services.execute(market, IssueUnits("SINK", 5, "A1"))
    html = client.get("/").text
    assert 'data-chain="broken"' in html
    assert "Hash chain BROKEN" in html
    assert "entry 6 was altered" in html
    log_in(client, "reg")
    assert 'data-chain="broken"' in client.get("/journal").text


def test_overview_with_nothing_issued(app: App) -> None:
    with TestClient(create_api(app)) as c:
        html = c.get("/").text
    assert "No units have been issued yet." in html
    assert "Hash chain intact · 0 entries" in html


# --- languages ------------------------------------------------------------------------------


def test_language_follows_the_browser_then_the_choice(client: TestClient) -> None:
    assert "<h2>Supply</h2>" in client.get("/").text
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "<h2>供应量</h2>" in chinese.text
    assert '<html lang="zh-CN">' in chinese.text
    assert chinese.headers["content-language"] == "zh-CN"

    chosen = client.get("/?lang=zh")
    assert "<h2>供应量</h2>" in chosen.text
    assert "签发" in chosen.text  # the column "issued"
    assert client.cookies.get(LANG_COOKIE) == "zh"
    # the cookie now overrides the browser's English
    assert "<h2>供应量</h2>" in client.get("/").text
    back = client.get("/?lang=en")
    assert "<h2>Supply</h2>" in back.text
    assert client.cookies.get(LANG_COOKIE) == "en"


def test_chart_labels_follow_the_language(client: TestClient) -> None:
    options = chart_options(client.get("/?lang=zh").text, "supply-chart")
    assert [s["name"] for s in options["series"]] == ["签发", "自愿注销", "注销", "流通量"]


def test_every_label_exists_in_both_languages() -> None:
    assert EN.keys() == ZH.keys()
    assert all(ZH.values())


@pytest.mark.parametrize(
    ("query", "cookie", "accept", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "zh-TW,en", "zh"),
        (None, None, "en-US,zh;q=0.9", "en"),
        (None, "zh", "en", "zh"),
        ("en", "zh", "zh-CN", "en"),
        ("fr", None, "ZH-cn", "zh"),
    ],
)
def test_language_negotiation(
    query: str | None, cookie: str | None, accept: str | None, expected: str
) -> None:
    assert negotiate(query, cookie, accept) == expected


# --- login ----------------------------------------------------------------------------------


def test_accounts_need_a_login(client: TestClient) -> None:
    answer = client.get("/accounts?owner=Acme", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Faccounts%3Fowner%3DAcme"
    htmx = client.get("/accounts", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"] == "/login?next=%2Faccounts"
    assert client.get("/accounts/A1", follow_redirects=False).status_code == 303
    assert client.get("/journal", follow_redirects=False).status_code == 303
    assert client.get("/serials", follow_redirects=False).status_code == 303


def test_login_sets_an_httponly_session_cookie(client: TestClient) -> None:
    form = client.get("/login?next=/journal")
    assert 'name="next" value="/journal"' in form.text
    answer = client.post(
        "/login",
        data={"name": "reg", "password": PASSWORD, "next": "/journal"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/journal"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=oets_")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert client.get("/journal").status_code == 200
    # the same session key works for the REST API
    token = client.cookies[SESSION_COOKIE]
    assert token.startswith("oets_")


def test_wrong_password_and_foreign_next_are_refused(client: TestClient) -> None:
    wrong = client.post("/login", data={"name": "reg", "password": "not it at all"})
    assert wrong.status_code == 401
    assert "User name or password is wrong." in wrong.text
    assert SESSION_COOKIE not in client.cookies
    offsite = client.post(
        "/login",
        data={"name": "reg", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert offsite.headers["location"] == "/accounts"


def test_logout_ends_the_session(client: TestClient) -> None:
    log_in(client, "reg")
    token = client.cookies[SESSION_COOKIE]
    answer = client.post("/logout", follow_redirects=False)
    assert answer.status_code == 303
    assert SESSION_COOKIE not in client.cookies
    # the key is revoked, not just forgotten by the browser
    client.cookies.set(SESSION_COOKIE, token)
    again = client.get("/accounts", follow_redirects=False)
    assert again.status_code == 303
    # and the dead session cookie is dropped
    assert again.headers["set-cookie"].startswith(f'{SESSION_COOKIE}="";')
    assert "Max-Age=0" in again.headers["set-cookie"]


# --- accounts -------------------------------------------------------------------------------


def test_regulator_sees_every_account_with_its_balances(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/accounts").text
    a1 = cells(row_of(html, "data-account", "A1"))
    assert a1[:3] == ["A1", "Compliance", "Acme Steel"]
    assert "GDEA-2024 750&nbsp;t (Frozen 100)" in re.sub(r"\s+", " ", a1[3])
    b1 = re.sub(r"\s+", " ", cells(row_of(html, "data-account", "B1"))[3])
    assert "CCER 270&nbsp;t" in b1
    assert "GDEA-2024 200&nbsp;t" in b1
    assert "SYS-ISSUANCE" in html

    filtered = client.get("/accounts?owner=Beta Cement").text
    assert 'data-account="B1"' in filtered
    assert 'data-account="A1"' not in filtered


def test_verifier_sees_every_account(client: TestClient) -> None:
    log_in(client, "ver")
    html = client.get("/accounts").text
    assert 'data-account="A1"' in html
    assert 'data-account="B1"' in html


def test_entity_user_sees_only_its_owners_accounts(client: TestClient) -> None:
    log_in(client, "acme")
    html = client.get("/accounts").text
    assert 'data-account="A1"' in html
    assert 'data-account="B1"' not in html
    assert "SYS-ISSUANCE" not in html
    assert "Acme Steel" in html
    assert client.get("/accounts?owner=Beta Cement").status_code == 403
    own = client.get("/accounts/A1")
    assert own.status_code == 200
    assert cells(row_of(own.text, "data-instrument", "GDEA-2024"))[1:] == ["750", "100", "650"]
    # another owner's account answers as if it did not exist
    assert client.get("/accounts/B1").status_code == 404
    assert client.get("/journal").status_code == 403
    assert client.get("/serials").status_code == 403
    # and the navigation offers neither
    assert 'href="/journal"' not in client.get("/").text


def test_account_page_shows_balances_chart_and_entries(client: TestClient) -> None:
    log_in(client, "reg")
    html = client.get("/accounts/B1").text
    assert cells(row_of(html, "data-instrument", "CCER"))[1:] == ["270", "0", "270"]
    assert cells(row_of(html, "data-instrument", "GDEA-2024"))[1:] == ["200", "0", "200"]
    options = chart_options(html, "balance-chart")
    assert options["series"][0]["type"] == "pie"
    assert options["series"][0]["data"] == [
        {"name": "CCER", "value": 270},
        {"name": "GDEA-2024", "value": 200},
    ]
    seqs = re.findall(r'<tr data-seq="(\d+)">', html)
    assert seqs == ["6", "5", "3", "2"]  # B1's entries, newest first

    issuance = client.get("/accounts/SYS-ISSUANCE").text
    bars = chart_options(issuance, "balance-chart")
    assert bars["series"][0]["type"] == "bar"
    assert bars["series"][0]["data"] == [-300, -1000]
    assert client.get("/accounts/NOPE").status_code == 404


def test_accounts_load_more_by_cursor(client: TestClient, market: App) -> None:
    for n in range(PAGE_SIZE + 5):
        services.open_account(market, f"C{n:03d}", "holding", "Many Co")
    log_in(client, "reg")
    first = client.get("/accounts?owner=Many Co").text
    assert len(re.findall(r'<tr data-account="C\d+">', first)) == PAGE_SIZE
    more = re.search(r'hx-get="(/accounts\?after=[^"]+)"', first)
    assert more is not None
    url = more.group(1).replace("&amp;", "&")
    assert url == f"/accounts?after=C{PAGE_SIZE - 1:03d}&owner=Many+Co"
    fragment = client.get(url, headers={"HX-Request": "true"}).text
    assert "<html" not in fragment
    assert re.findall(r'<tr data-account="(C\d+)">', fragment) == [
        f"C{n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)
    ]
    assert "more-row" not in fragment
    # without HTMX the same URL is a whole page
    assert "<html" in client.get(url).text


# --- journal and serials --------------------------------------------------------------------


def test_journal_shows_hashes_newest_first_and_pages(client: TestClient, market: App) -> None:
    services.execute_batch(
        market, [IssueUnits("SINK", 1, "A1") for _ in range(PAGE_SIZE)]
    )  # entries 7..56
    log_in(client, "reg")
    html = client.get("/journal").text
    assert "Hash chain intact · 56 entries" in html
    seqs = re.findall(r'<tr data-seq="(\d+)">', html)
    assert seqs == [str(n) for n in range(56, 6, -1)]
    newest = services.get_entry(market, 56)
    assert f'title="{newest.hash}">{newest.hash}</code>' in html
    assert f'title="{newest.prev_hash}">{newest.prev_hash}</code>' in html
    assert 'hx-get="/journal?before=7"' in html
    rest = client.get("/journal?before=7", headers={"HX-Request": "true"}).text
    assert re.findall(r'<tr data-seq="(\d+)">', rest) == ["6", "5", "4", "3", "2", "1"]
    first = services.get_entry(market, 1)
    assert first.prev_hash in rest
    assert client.get("/journal?before=x").status_code == 400


def test_serial_history_page_and_fragment(client: TestClient) -> None:
    log_in(client, "reg")
    form = client.get("/serials")
    assert form.status_code == 200
    assert '<option value="GDEA-2024">' in form.text
    page = client.get("/serials?instrument=GDEA-2024&serial=10")
    assert page.status_code == 200
    found = re.findall(r'<tr data-seq="\d+">(.*?)</tr>', page.text, re.S)
    assert [cells(row)[2:5] for row in found] == [
        ["Issue", "SYS-ISSUANCE", "A1"],
        ["Transfer", "A1", "B1"],
        ["Retire", "B1", "SYS-RETIREMENT"],
    ]
    fragment = client.get(
        "/serials?instrument=GDEA-2024&serial=900", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert "GDEA-2024 #900" in fragment.text
    assert len(re.findall(r"<tr data-seq=", fragment.text)) == 1  # issued, never moved

    missing = client.get("/serials?instrument=GDEA-2024&serial=5000")
    assert missing.status_code == 404
    assert "serial 5000 of GDEA-2024 has never been issued" in missing.text
    bad = client.get("/serials?instrument=XYZ&serial=1", headers={"HX-Request": "true"})
    assert bad.status_code == 200  # HTMX swaps only 2xx: the message is the fragment
    assert "unknown instrument code" in bad.text
    assert client.get("/serials?instrument=CCER&serial=abc").status_code == 400


# --- assets, escaping, helpers --------------------------------------------------------------


def test_vendored_assets_are_served_from_the_package(client: TestClient) -> None:
    for path, marker in [
        ("/static/vendor/htmx.min.js", "htmx"),
        ("/static/vendor/echarts.min.js", "echarts"),
        ("/static/app.js", "data-ready"),
        ("/static/app.css", ":root"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert marker in answer.text
    html = client.get("/").text
    assert "/static/vendor/echarts.min.js" in html
    assert "//cdn" not in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_vendored_assets_match_their_checksums() -> None:
    vendor = STATIC_DIR / "vendor"
    lines = (vendor / "SHA256SUMS").read_text().splitlines()
    names = [line.split()[1] for line in lines]
    assert names == ["htmx.min.js", "echarts.min.js", "htmx-ext-sse.js"]
    for line in lines:
        digest, name = line.split()
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name
    licences = ["htmx.LICENSE", "htmx-ext-sse.LICENSE", "echarts.LICENSE", "echarts.NOTICE"]
    for licence in [*licences, "zrender.LICENSE"]:
        assert (vendor / licence).stat().st_size > 0


def test_user_text_is_escaped(client: TestClient, market: App) -> None:
    services.open_account(market, "X1", "holding", "<script>alert(1)</script>")
    log_in(client, "reg")
    html = client.get("/accounts").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_tonnes_have_thousands_separators() -> None:
    assert tonnes(0) == "0"
    assert tonnes(1_234_567) == "1,234,567"
    assert tonnes(-1000) == "-1,000"


def test_movements_summarise_an_entry(market: App) -> None:
    transfer = services.get_entry(market, 2)
    [move] = movements(transfer)
    assert (move.instrument, move.quantity, move.source, move.to) == ("GDEA-2024", 250, "A1", "B1")
    assert move.serials == ("1–250",)
    freeze = services.get_entry(market, 4)
    [frozen] = movements(freeze)
    assert (frozen.quantity, frozen.source, frozen.to) == (100, "", "A1")


def test_exchange_funds_show_as_yuan_apart_from_units(client: TestClient, market: App) -> None:
    # a member deposits ¥1,234,567.89 (123,456,789 fen): the ledger holds it as CNY in fen
    from openets.exchange import services as exchange

    exchange.add_member(market, "M1", "Member One")
    exchange.deposit(market, "M1", 123_456_789)
    html = client.get("/").text
    assert 'data-instrument="CNY"' not in html  # not a row of the units' supply table
    assert cells(row_of(html, "data-instrument", "GDEA-2024"))[1:] == ["1,000", "50", "0", "950"]
    assert chart_options(html, "supply-chart")["xAxis"]["data"] == ["CCER", "GDEA-2024"]
    assert "Funds held by exchange members (CNY): " in html
    assert '<span class="num">¥1,234,567.89</span>' in html
    log_in(client, "reg")
    account = client.get("/accounts/M1").text
    assert cells(row_of(account, "data-instrument", "CNY"))[1:] == [
        "¥1,234,567.89",
        "¥0.00",
        "¥1,234,567.89",
    ]
    assert 'id="balance-chart"' not in account  # the holdings chart is of tonnes only
    journal = client.get("/journal").text
    assert "Funds deposit" in journal
    assert "¥1,234,567.89" in journal
    assert "kind.deposit" not in journal


def test_amount_formats_fen_as_yuan_and_tonnes_as_tonnes() -> None:
    from openets.web.routes import amount

    assert amount(123_456_789, "CNY") == "¥1,234,567.89"
    assert amount(-5, "CNY") == "-¥0.05"
    assert amount(1_234_567, "GDEA-2024") == "1,234,567"


def test_settlement_memo_shows_its_value_in_yuan_with_labels() -> None:
    from openets.registry.model import EntryKind, JournalEntry
    from openets.web.routes import memo_lines

    memo = '{"digest":"ab12","reason":"order 2","trades":1,"value":633420}'
    entry = JournalEntry(
        2, EntryKind.SETTLEMENT, "2025-07-01T02:00:00.000000Z", memo, None, (), "", ""
    )
    assert memo_lines(entry) == [
        ("memo.digest", "ab12"),
        ("memo.reason", "order 2"),
        ("memo.trades", "1"),
        ("memo.value", "¥6,334.20"),  # 633,420 fen
    ]
