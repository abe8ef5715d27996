"""The web dashboard: server-rendered pages (Jinja2), partial updates (HTMX), charts (ECharts).

Every page calls the same registry services as the CLI and the REST API and applies the same
authorisation rules (:mod:`openets.auth.rules`), so the three can never disagree. A page
request asked for by HTMX (header ``HX-Request``) gets only the fragment it swaps in; the same
URL without it renders the whole page, so paging and the serial search also work without
JavaScript.

Login sets the ``openets_session`` cookie (HttpOnly, SameSite=Lax) to a session API key from
:func:`openets.auth.login`; the pages resolve it with :func:`openets.auth.authenticate`.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape
from sqlalchemy import Engine, select

from openets import __version__
from openets.auth import ANONYMOUS, User, authenticate, login, revoke_api_key
from openets.auth.model import OVERSIGHT_ROLES, Role
from openets.auth.rules import account_scope, can_read_account
from openets.bootstrap import App
from openets.clock import CST
from openets.db import schema
from openets.errors import (
    InvalidInput,
    NotAuthenticated,
    NotAuthorised,
    NotFound,
    OpenETSError,
)
from openets.money import money
from openets.registry import services
from openets.registry.audit import verify
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    FUNDS,
    AccountBalance,
    ChainReport,
    JournalEntry,
    PositionView,
    SerialMove,
    Supply,
)
from openets.web.i18n import LANGUAGES, negotiate, translator

__all__ = ["LANG_COOKIE", "SESSION_COOKIE", "install_web"]

SESSION_COOKIE = "openets_session"
LANG_COOKIE = "openets_lang"
#: Rows per page of the account list and of the journal.
PAGE_SIZE = 50
#: Journal entries on the overview.
LATEST_ENTRIES = 10
#: How long a full chain check is reused while the journal head stays the same (seconds).
#: The check reads the whole journal, and the overview is public: without reuse every visit
#: would cost a full scan.
CHAIN_CHECK_REUSE_S = 60.0

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "static"
TEMPLATE_DIR = _HERE / "templates"

#: No inline script runs on any page (chart options travel as JSON data blocks); ECharts
#: styles its tooltips inline, hence 'unsafe-inline' for styles only.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: Bar colours of issued / retired / cancelled / outstanding.
_SUPPLY_COLOURS = ["#2f6f9f", "#4c9a6a", "#c0703a", "#7b5ea7"]

router = APIRouter(include_in_schema=False)


def install_web(api: FastAPI) -> None:
    """Add the dashboard pages and their static assets (``/static``) to a FastAPI app.

    The app must carry the wired :class:`~openets.bootstrap.App` as ``api.state.openets``.
    """
    api.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    api.include_router(router)
    from openets.web import mrv_pages  # imported here: it builds on this module's helpers

    api.include_router(mrv_pages.router)
    from openets.web import offsets_pages  # likewise

    api.include_router(offsets_pages.router)
    from openets.web import compliance_pages  # likewise

    api.include_router(compliance_pages.router)
    from openets.web import (  # likewise
        auction_pages,
        exchange_pages,
        finance_pages,
        label_pages,
        peak_pages,
        sim_pages,
    )

    api.include_router(exchange_pages.router)
    api.include_router(auction_pages.router)
    api.include_router(finance_pages.router)
    api.include_router(peak_pages.router)
    api.include_router(sim_pages.router)
    api.include_router(label_pages.router)


# --- formatting -----------------------------------------------------------------------------


def tonnes(value: int) -> str:
    """Whole tonnes with thousands separators: ``1234567`` -> ``1,234,567``."""
    return f"{int(value):,}"


def amount(value: int, instrument: str) -> str:
    """A position of ``instrument``: tonnes as :func:`tonnes`, the exchange's funds (``CNY``,
    held in fen) as yuan: ``123456789`` -> ``¥1,234,567.89``."""
    return money(value) if instrument == FUNDS else tonnes(value)


def cst_text(utc: str) -> str:
    """A stored UTC instant (``2025-07-01T02:00:00.000000Z``) as CST wall time."""
    try:
        instant = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    except ValueError:
        return utc
    return instant.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Movement:
    """What one journal entry did to one instrument, for display."""

    instrument: str
    quantity: int
    source: str
    to: str
    serials: tuple[str, ...]


def movements(entry: JournalEntry) -> list[Movement]:
    """Summarise an entry's postings by instrument: how much moved from where to where.

    A freeze or unfreeze moves no units; its quantity is the change of the frozen part.
    """
    by_instrument: dict[str, list[Any]] = {}
    for posting in entry.postings:
        by_instrument.setdefault(posting.instrument, []).append(posting)
    result = []
    for instrument, postings in by_instrument.items():
        sources = list(dict.fromkeys(p.account for p in postings if p.amount < 0))
        targets = list(dict.fromkeys(p.account for p in postings if p.amount > 0))
        moved = sum(p.amount for p in postings if p.amount > 0)
        serials = tuple(
            dict.fromkeys(
                f"{p.serial_start}–{p.serial_end}"
                for p in postings
                if p.amount > 0 and p.serial_start is not None
            )
        )
        if moved == 0:  # freeze / unfreeze: the frozen part changed, the balance did not
            frozen = [p for p in postings if p.frozen]
            moved = abs(sum(p.frozen for p in frozen))
            targets = list(dict.fromkeys(p.account for p in frozen))
        result.append(Movement(instrument, moved, ", ".join(sources), ", ".join(targets), serials))
    return result


#: memo fields with a label of their own (others show by their key)
_MEMO_LABELS = {
    key: f"memo.{key}"
    for key in (
        "reason", "beneficiary", "reverses", "allocation", "year", "part", "project",
        "source", "vintage", "digest", "trades", "value",
    )
}  # fmt: skip
#: memo fields in fen (the exchange's settlement and reservation entries)
_MEMO_MONEY = frozenset({"value"})


def memo_lines(entry: JournalEntry) -> list[tuple[str, str]]:
    """The entry's memo fields as (label id, text) pairs, empty fields left out."""
    try:
        memo = json.loads(entry.memo) if entry.memo else {}
    except ValueError:
        return [("memo.reason", entry.memo)]
    if not isinstance(memo, dict):
        return []
    return [
        (
            _MEMO_LABELS.get(str(key), str(key)),
            amount(value, FUNDS) if key in _MEMO_MONEY and isinstance(value, int) else str(value),
        )
        for key, value in sorted(memo.items())
        if value not in ("", None)
    ]


def supply_chart(supplies: list[Supply], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: a grouped bar per instrument (issued, retired, cancelled, outstanding)."""
    columns = [
        ("col.issued", [s.issued for s in supplies]),
        ("col.retired", [s.retired for s in supplies]),
        ("col.cancelled", [s.cancelled for s in supplies]),
        ("col.outstanding", [s.outstanding for s in supplies]),
    ]
    return {
        "color": _SUPPLY_COLOURS,
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [s.instrument for s in supplies]},
        "yAxis": {"type": "value", "name": t("unit.t")},
        "series": [
            {"name": t(label), "type": "bar", "data": data, "barMaxWidth": 36}
            for label, data in columns
        ],
    }


def balance_chart(positions: tuple[PositionView, ...], t: Callable[[str], str]) -> dict[str, Any]:
    """ECharts options: a doughnut of holdings by instrument, or bars if any is negative.

    Only the issuance account goes negative (it is where issued units come from).
    """
    if all(p.quantity > 0 for p in positions):
        return {
            "tooltip": {"trigger": "item"},
            "legend": {"bottom": 0},
            "series": [
                {
                    "name": t("col.balance"),
                    "type": "pie",
                    "radius": ["40%", "68%"],
                    "label": {"formatter": "{b}: {d}%"},
                    "data": [{"name": p.instrument, "value": p.quantity} for p in positions],
                }
            ],
        }
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": [p.instrument for p in positions]},
        "yAxis": {"type": "value", "name": t("unit.t")},
        "series": [
            {
                "name": t("col.balance"),
                "type": "bar",
                "data": [p.quantity for p in positions],
                "barMaxWidth": 36,
            }
        ],
    }


def _family_name(t: Callable[[str], str]) -> Callable[[str], str]:
    def name(code: str) -> str:
        if code == FUNDS:
            return t("family.funds")
        try:
            return t(f"family.{parse_instrument(code).family.value}")
        except InvalidInput:
            return ""

    return name


@dataclass(frozen=True, slots=True)
class _ChainCheck:
    head: tuple[int, str]
    report: ChainReport
    checked_at: float


_chain_checks: weakref.WeakKeyDictionary[Engine, _ChainCheck] = weakref.WeakKeyDictionary()
_chain_lock = threading.Lock()


def chain_status(app: App) -> ChainReport:
    """The result of :func:`~openets.registry.audit.verify`, reused for up to
    ``CHAIN_CHECK_REUSE_S`` seconds while no entry has been appended.

    A new entry moves the head and forces a fresh check at once; tampering with stored rows
    shows here within ``CHAIN_CHECK_REUSE_S`` (``openets audit verify`` always checks afresh).
    """
    head_table = schema.journal_head
    with app.reading() as connection:
        row = connection.execute(
            select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1)
        ).one()
    head = (int(row[0]), str(row[1]))
    now = time.monotonic()
    with _chain_lock:
        hit = _chain_checks.get(app.engine)
    if hit is not None and hit.head == head and now - hit.checked_at < CHAIN_CHECK_REUSE_S:
        return hit.report
    report = verify(app)
    with _chain_lock:
        _chain_checks[app.engine] = _ChainCheck(head, report, now)
    return report


# --- rendering ------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tonnes"] = tonnes
    env.filters["amount"] = amount
    env.filters["cst"] = cst_text
    env.globals["version"] = __version__
    env.globals["movements"] = movements
    env.globals["memo"] = memo_lines
    return env


_ENV = _environment()


def _openets(request: Request) -> App:
    application: App = request.app.state.openets
    return application


def _viewer(request: Request) -> User:
    """The user of the session cookie; the anonymous user without a valid one."""
    cached = getattr(request.state, "viewer", None)
    if isinstance(cached, User):
        return cached
    user = ANONYMOUS
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            user = authenticate(_openets(request), token)
        except NotAuthenticated:
            user = ANONYMOUS
    request.state.viewer = user
    return user


def _is_htmx(request: Request) -> bool:
    # a history restore asks for the whole page even though HTMX sends it
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def _language(request: Request) -> str:
    return negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _lang_url(request: Request) -> Callable[[str], str]:
    def url(code: str) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        query.append(("lang", code))
        return f"{request.url.path}?{urlencode(query)}"

    return url


def _account_link(user: User) -> Callable[[str], Markup]:
    """Account ids as links for viewers who may open any account, as text for the others."""

    def link(account_ids: str) -> Markup:
        if not account_ids:
            return Markup("—")
        if user.role not in OVERSIGHT_ROLES:
            return escape(account_ids)
        parts = [
            Markup('<a href="/accounts/{}">{}</a>').format(quote(a, safe=""), a)
            for a in account_ids.split(", ")
        ]
        return Markup(", ").join(parts)

    return link


def _nav(user: User) -> list[tuple[str, str]]:
    items = [("/", "nav.overview"), ("/accounts", "nav.accounts")]
    # the journal and serial history are the oversight roles'; the anonymous are asked to log in
    if user.is_anonymous or user.role in OVERSIGHT_ROLES:
        items += [("/journal", "nav.journal"), ("/serials", "nav.serials")]
    # the compliance board and allocation are the regulator's; an entity sees its position
    if user.role is Role.REGULATOR:
        items += [("/compliance", "nav.compliance"), ("/allocation", "nav.allocation")]
    elif user.role is Role.ENTITY:
        items.append(("/compliance", "nav.compliance"))
    # allowance pledges: the regulator sees all, borrowers and lenders their own
    if user.role in (Role.REGULATOR, Role.ENTITY, Role.MEMBER):
        items.append(("/finance/pledges", "nav.finance"))
    return items


def _render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    section: str = "",
) -> HTMLResponse:
    lang = _language(request)
    t = translator(lang)
    user = _viewer(request)
    html = _ENV.get_template(template).render(
        {
            "t": t,
            "lang": lang,
            "lang_url": _lang_url(request),
            "user": None if user.is_anonymous else user,
            "nav": _nav(user),
            "section": section,
            "static": lambda path: f"/static/{path}?v={__version__}",
            "account_link": _account_link(user),
            "family_name": _family_name(t),
            **context,
        }
    )
    response = HTMLResponse(html, status_code=status_code)
    _decorate(request, response, lang)
    return response


def _decorate(request: Request, response: Response, lang: str) -> None:
    """Security headers, the language cookie, and dropping a session cookie that failed."""
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Language"] = "zh-CN" if lang == "zh" else "en"
    response.headers["Vary"] = "Accept-Language, Cookie, HX-Request"
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True
        )
    if request.cookies.get(SESSION_COOKIE) and _viewer(request).is_anonymous:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def _error(request: Request, error: OpenETSError, status_code: int | None = None) -> Response:
    t = translator(_language(request))
    status = status_code or error.http_status
    heading = {
        404: t("error.not_found"),
        403: t("error.forbidden"),
        400: t("error.bad_request"),
    }.get(status, t("error.title"))
    context = {"heading": heading, "message": error.message}
    return _render(request, "error.html", context, status_code=status)


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?{urlencode({'next': target})}"
    if _is_htmx(request):
        response: Response = Response(status_code=200, headers={"HX-Redirect": location})
    else:
        response = RedirectResponse(location, status_code=303)
    _decorate(request, response, _language(request))
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site may be a post-login destination (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/accounts"


def _cursor(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit():
        raise InvalidInput(f"bad page cursor {text!r}: expected an entry number")
    return int(text)


# --- pages ----------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    """Supply per instrument with a chart, the chain status, and (for oversight) the latest
    journal entries."""
    application = _openets(request)
    t = translator(_language(request))
    user = _viewer(request)
    # the exchange's funds (fen) are shown apart from units (tonnes): never summed together
    everything = services.all_supplies(application)
    supplies = [s for s in everything if s.instrument != FUNDS]
    funds = next((s for s in everything if s.instrument == FUNDS), None)
    chain = chain_status(application)
    latest = (
        services.journal_page(application, limit=LATEST_ENTRIES)
        if user.role in OVERSIGHT_ROLES
        else None
    )
    context = {
        "supplies": supplies,
        "funds": funds,
        "supply_chart": supply_chart(supplies, t),
        "chain": chain,
        "page": latest,
        "more_url": None,
    }
    return _render(request, "overview.html", context, section="/")


@dataclass(frozen=True, slots=True)
class _AccountRow:
    account: Any
    balances: tuple[PositionView, ...]


@router.get("/accounts", response_class=HTMLResponse)
def accounts(request: Request, owner: str | None = None, after: str | None = None) -> Response:
    """Accounts with their balances, ``PAGE_SIZE`` at a time; oversight roles see all and may
    filter by owner, owner roles see their owner's accounts only."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    owner = (owner or "").strip() or None
    try:
        scope = account_scope(user)
        if scope is not None:
            if owner is not None and owner != scope:
                raise NotAuthorised(f"user {user.name!r} may only list the accounts of {scope!r}")
            owner = scope
    except NotAuthorised as refusal:
        return _error(request, refusal)
    application = _openets(request)
    page = services.list_accounts(application, owner=owner, after=after or None, limit=PAGE_SIZE)
    rows = [_AccountRow(a, services.balance(application, a.id).balances) for a in page.items]

    def more_url(cursor: str) -> str:
        query = {"after": cursor} | ({"owner": owner} if owner and scope is None else {})
        return f"/accounts?{urlencode(query)}"

    context = {
        "rows": rows,
        "next_cursor": page.next_cursor,
        "more_url": more_url,
        "owner": owner if scope is None else None,
        "restricted_owner": scope,
    }
    if _is_htmx(request):
        return _render(request, "partials/account_rows.html", context)
    return _render(request, "accounts.html", context, section="/accounts")


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account(request: Request, account_id: str, before: str | None = None) -> Response:
    """One account: balances by instrument with a chart, and its journal entries."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    application = _openets(request)
    try:
        holding: AccountBalance = services.balance(application, account_id)
        if not can_read_account(user, holding.account):
            # the same answer as for a missing account: ids of others are not disclosed
            raise NotFound(f"account {account_id!r} does not exist")
        page = services.journal_page(
            application, before=_cursor(before), limit=PAGE_SIZE, account=account_id
        )
    except OpenETSError as error:
        return _error(request, error)

    def more_url(cursor: str) -> str:
        return f"/accounts/{quote(account_id, safe='')}?{urlencode({'before': cursor})}"

    t = translator(_language(request))
    units = tuple(p for p in holding.balances if p.instrument != FUNDS)  # the chart is tonnes
    context = {
        "account": holding.account,
        "balances": holding.balances,
        "balance_chart": balance_chart(units, t) if units else None,
        "page": page,
        "more_url": more_url,
        "show_hashes": False,
    }
    if _is_htmx(request):
        return _render(request, "partials/entry_rows.html", context)
    return _render(request, "account.html", context, section="/accounts")


def _require_role(request: Request, roles: Collection[Role], refusal: str) -> Response | None:
    """A login redirect, or the 403 page saying ``refusal`` (a label key), unless the viewer
    has one of ``roles``."""
    user = _viewer(request)
    if user.is_anonymous:
        return _login_redirect(request)
    if user.role not in roles:
        t = translator(_language(request))
        return _error(request, NotAuthorised(t(refusal)))
    return None


def _require_oversight(request: Request) -> Response | None:
    """A login redirect or a refusal, unless the viewer may read the whole journal."""
    return _require_role(request, OVERSIGHT_ROLES, "journal.restricted")


@router.get("/journal", response_class=HTMLResponse)
def journal(request: Request, before: str | None = None) -> Response:
    """Journal entries newest first, with their hashes, and the chain status."""
    refused = _require_oversight(request)
    if refused is not None:
        return refused
    application = _openets(request)
    try:
        page = services.journal_page(application, before=_cursor(before), limit=PAGE_SIZE)
    except OpenETSError as error:
        return _error(request, error)

    def more_url(cursor: str) -> str:
        return f"/journal?{urlencode({'before': cursor})}"

    context: dict[str, Any] = {"page": page, "more_url": more_url, "show_hashes": True}
    if _is_htmx(request):
        return _render(request, "partials/entry_rows.html", context)
    chain = chain_status(application)
    return _render(request, "journal.html", {**context, "chain": chain}, section="/journal")


@router.get("/serials", response_class=HTMLResponse)
def serials(request: Request, instrument: str | None = None, serial: str | None = None) -> Response:
    """A form for an instrument and a serial number, and that serial's history."""
    refused = _require_oversight(request)
    if refused is not None:
        return refused
    application = _openets(request)
    moves: list[SerialMove] | None = None
    error: str | None = None
    status = 200
    code = (instrument or "").strip()
    if code or serial:
        try:
            number = int(serial or "")
        except ValueError:
            error, status = f"serial number {serial!r} is not a whole number", 400
        else:
            try:
                code = parse_instrument(code).code
                moves = services.serial_history(application, code, number)
            except OpenETSError as refusal:
                error, status = refusal.message, refusal.http_status
    context = {
        "instrument": code,
        "serial": serial,
        "moves": moves,
        "error": error,
        "instruments": [s.instrument for s in services.all_supplies(application)],
    }
    if _is_htmx(request):
        # HTMX swaps only 2xx answers: the message is the fragment, whatever went wrong
        return _render(request, "partials/serial_result.html", context)
    return _render(request, "serials.html", context, status_code=status, section="/serials")


# --- session --------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form; ``next`` is where to go afterwards."""
    t = translator(_language(request))
    context = {
        "next_url": _safe_next(next),
        "error": None,
        "prompt": t("login.required") if next else None,
        "name": None,
    }
    return _render(request, "login.html", context)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/accounts",
) -> Response:
    """Check the password, set the session cookie and go to ``next`` (``/accounts``)."""
    application = _openets(request)
    try:
        token = login(application, name.strip(), password)
    except OpenETSError:
        t = translator(_language(request))
        context = {
            "next_url": _safe_next(next),
            "error": t("login.failed"),
            "prompt": None,
            "name": name,
        }
        return _render(request, "login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=application.settings.token_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.api_route("/logout", methods=["GET", "POST"])
def logout(request: Request) -> Response:
    """Revoke the session key, drop the cookie and go to the overview."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        # already revoked, expired or malformed: logging out succeeds all the same
        with suppress(OpenETSError):
            revoke_api_key(_openets(request), token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
