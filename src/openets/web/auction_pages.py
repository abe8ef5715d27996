"""Web pages of the allowance auctions.

Every page calls :mod:`openets.exchange.auction_services` with the logged-in user as the
actor, so it shows what the CLI and the REST API would. Both pages are public: the sealed
bids show only to the regulator (all of them) and to a bidder (its own).

- ``/exchange/auctions``: every auction, newest first: lot, reserve, bidding window (CST),
  phase, and once cleared the clearing price, tonnes sold and unsold;
- ``/exchange/auctions/{id}``: the lot, the reserve and how it was set, the rules (minimum
  bid, the most one bidder may win), the window and phase; the bids the viewer may see; the
  results with the allocation per bidder and a bar chart of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openets.clock import CST
from openets.errors import InvalidInput, OpenETSError
from openets.exchange import auction_services as auctions
from openets.exchange.auction import MIN_BID, bidder_cap, yuan
from openets.web.i18n import translator
from openets.web.routes import _error, _language, _openets, _render, _viewer

__all__ = ["SECTION", "allocation_chart", "router"]

router = APIRouter(include_in_schema=False)

#: The navigation entry the pages highlight.
SECTION = "/exchange"
_COLOUR = "#2f6f9f"


def _local(instant: str | None) -> str:
    """A stored UTC instant as CST wall time."""
    if instant is None:
        return ""
    return f"{datetime.fromisoformat(instant).astimezone(CST):%Y-%m-%d %H:%M}"


def allocation_chart(detail: auctions.AuctionDetail, unit: str) -> dict[str, Any]:
    """ECharts options: the tonnes each winning bidder was allocated, largest first."""
    lines = sorted(detail.allocation, key=lambda a: (-a.qty, a.account))
    return {
        "color": [_COLOUR],
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [f"{a.bidder} ({a.account})" for a in lines],
            "axisLabel": {"interval": 0},
        },
        "yAxis": {"type": "value", "name": unit},
        "series": [{"type": "bar", "barMaxWidth": 48, "data": [a.qty for a in lines]}],
    }


@router.get("/exchange/auctions", response_class=HTMLResponse)
def auction_list_page(request: Request) -> Response:
    """Every auction (public)."""
    application = _openets(request)
    now = application.clock.now()
    try:
        found = auctions.auction_list(application)
    except OpenETSError as error:
        return _error(request, error)
    context = {
        "auctions": [(a, a.phase(now).value) for a in found],
        "yuan": yuan,
        "local": _local,
    }
    return _render(request, "auction_list.html", context, section=SECTION)


@router.get("/exchange/auctions/{auction_id}", response_class=HTMLResponse)
def auction_page(request: Request, auction_id: str) -> Response:
    """One auction: its terms, the bids the viewer may see, the results (public)."""
    t = translator(_language(request))
    try:
        if not auction_id.isdigit() or len(auction_id) > 9:
            raise InvalidInput(f"auction id {auction_id!r} is not a number")
        detail = auctions.show_auction(_openets(request), int(auction_id), by=_viewer(request))
    except OpenETSError as error:
        return _error(request, error)
    context = {
        "detail": detail,
        "auction": detail.auction,
        "chart": allocation_chart(detail, t("auction.unit.t")) if detail.allocation else None,
        "cap": bidder_cap(detail.auction.lot),
        "min_bid": MIN_BID,
        "yuan": yuan,
        "local": _local,
    }
    return _render(request, "auction_page.html", context, section=SECTION)
