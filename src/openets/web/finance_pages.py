"""Web pages of allowance pledges.

Every page calls :mod:`openets.finance.services` with the logged-in user as the actor, so it
shows what the CLI and the REST API would: the regulator sees every pledge; an entity or
member user the pledges of its own accounts (as borrower or lender); anyone else gets the 403
page, an anonymous visitor the login form.

- ``/finance`` redirects to ``/finance/pledges``;
- ``/finance/pledges``: the pledges with their latest valuation (value, LTV, coverage, level),
  counts by status, filtered by status (the filter form swaps the table in with HTMX);
- ``/finance/pledges/{id}``: the terms, the journal entries of each step, and the valuation
  history as a table and an ECharts line of the value against the loan, the margin level
  and the call level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openets.auth.model import Role
from openets.errors import InvalidInput, OpenETSError
from openets.finance import services
from openets.finance.rules import PledgeStatus
from openets.finance.store import StoredPledge, StoredValuation
from openets.finance.views import call_level_fen, margin_level_fen
from openets.money import money
from openets.web.i18n import translator
from openets.web.routes import (
    _decorate,
    _error,
    _is_htmx,
    _language,
    _openets,
    _render,
    _require_role,
    _viewer,
)

__all__ = ["SECTION", "router", "valuation_chart"]

#: The navigation entry the pages highlight.
SECTION = "/finance"
#: Line colours: value, loan, margin level, call level.
_COLOURS = ["#2f6f9f", "#444444", "#d08a1e", "#b03a2e"]
_READERS = (Role.REGULATOR, Role.ENTITY, Role.MEMBER)
_STATUSES = [s.value for s in PledgeStatus]

router = APIRouter(include_in_schema=False)


def _ratio(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:f}"


def _helpers() -> dict[str, Any]:
    return {
        "yuan": money,
        "ratio": _ratio,
        "margin_fen": margin_level_fen,
        "call_fen": call_level_fen,
    }


def _fen_tomoney(fen: int) -> float:
    """Chart points only (ECharts plots floats): yuan to the fen, for display."""
    return round(fen / 100, 2)


def valuation_chart(
    pledge: StoredPledge, valuations: Sequence[StoredValuation], t: Callable[[str], str]
) -> dict[str, Any]:
    """ECharts options: the pledge's value on each valued day against its loan, margin level
    (margin × loan) and call level (call × loan), in yuan."""
    days = [v.day.isoformat() for v in valuations]

    def flat(fen: int) -> list[float]:
        return [_fen_tomoney(fen)] * len(days)

    def line(name: str, data: list[float], dashed: bool = False) -> dict[str, Any]:
        series: dict[str, Any] = {"name": name, "type": "line", "data": data, "symbol": "none"}
        if dashed:
            series["lineStyle"] = {"type": "dashed"}
        return series

    return {
        "color": _COLOURS,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": days},
        "yAxis": {"type": "value", "name": t("finance.unit.yuan"), "scale": True},
        "series": [
            {
                **line(t("finance.col.value"), [_fen_tomoney(v.value_fen) for v in valuations]),
                "symbol": "circle",
            },
            line(t("finance.col.loan"), flat(pledge.terms.loan_fen)),
            line(t("finance.col.margin_level"), flat(margin_level_fen(pledge)), dashed=True),
            line(t("finance.col.call_level"), flat(call_level_fen(pledge)), dashed=True),
        ],
    }


@router.get("/finance", response_class=HTMLResponse)
def finance_home(request: Request) -> Response:
    """The pledge list."""
    response = RedirectResponse("/finance/pledges", status_code=303)
    _decorate(request, response, _language(request))
    return response


@router.get("/finance/pledges", response_class=HTMLResponse)
def pledges_page(request: Request, status: str | None = None) -> Response:
    """The pledges the viewer may see, with their latest valuation."""
    refused = _require_role(request, _READERS, "finance.restricted")
    if refused is not None:
        return refused
    application = _openets(request)
    user = _viewer(request)
    wanted = (status or "").strip().lower() or None
    try:
        if wanted is not None and wanted not in _STATUSES:
            raise InvalidInput(f"unknown status {status!r}: expected one of {', '.join(_STATUSES)}")
        everyone = services.list_pledges(application, by=user)
    except OpenETSError as error:
        return _error(request, error)
    rows = [line for line in everyone if wanted is None or line.pledge.status.value == wanted]
    context = {
        **_helpers(),
        "rows": rows,
        "wanted": wanted,
        "query": urlencode({"status": wanted} if wanted else {}),
        "statuses": _STATUSES,
        "counts": Counter(line.pledge.status.value for line in everyone),
        "total": len(everyone),
        "pledged": services.pledged_units(rows),
        "loans": sum(line.pledge.terms.loan_fen for line in rows if line.pledge.status.is_open),
        "today": application.today(),
    }
    if _is_htmx(request):
        return _render(request, "finance_pledge_rows.html", context)
    return _render(request, "finance_pledges.html", context, section=SECTION)


@router.get("/finance/pledges/{pledge_id}", response_class=HTMLResponse)
def pledge_page(request: Request, pledge_id: str) -> Response:
    """One pledge: terms, journal entries, valuation history and its chart."""
    refused = _require_role(request, _READERS, "finance.restricted")
    if refused is not None:
        return refused
    application = _openets(request)
    try:
        if not pledge_id.strip().isdigit():
            raise InvalidInput(f"a pledge id is a number, got {pledge_id!r}")
        detail = services.get_pledge(application, int(pledge_id), by=_viewer(request))
    except OpenETSError as error:
        return _error(request, error)
    t = translator(_language(request))
    context = {
        **_helpers(),
        "pledge": detail.pledge,
        "terms": detail.pledge.terms,
        "valuations": list(reversed(detail.valuations)),  # newest first in the table
        "latest": detail.latest,
        "chart": valuation_chart(detail.pledge, detail.valuations, t)
        if detail.valuations
        else None,
        "may_see_journal": _viewer(request).role is Role.REGULATOR,
    }
    return _render(request, "finance_pledge.html", context, section=SECTION)
