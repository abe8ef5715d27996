"""``/api/v1/exchange/auctions`` and ``/api/v1/exchange/blocks`` routes: allowance auctions and
negotiated block trades.

Every route calls one service of :mod:`openets.exchange.auction_services` or
:mod:`openets.exchange.block_services` with the caller as the actor; answers are the documents
the CLI prints with ``--json``. Quantities whole tonnes, prices fen per tonne, money fen,
instants ISO 8601 (without a zone: CST). The instant is always the server's clock.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from openets.api.access import ANYONE, REGULATOR, roles
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.registry_routes import IdempotencyKey
from openets.auth.model import Role
from openets.clock import CST
from openets.errors import InvalidInput
from openets.exchange import auction_services as auctions
from openets.exchange import block_services as blocks

router = APIRouter(prefix="/exchange", tags=["exchange"])

BIDDERS = (Role.MEMBER.value, Role.ENTITY.value)
MEMBERS = (Role.MEMBER.value,)

_READ = problem_responses(400, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)

IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
Document = dict[str, Any]
_REPEAT: dict[int | str, dict[str, Any]] = {
    200: {"description": "An idempotent repeat: the first outcome, nothing changed."}
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _instant(text: str, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text!r} is not an ISO 8601 date and time") from None
    return value.replace(tzinfo=CST) if value.tzinfo is None else value


# --- auctions -------------------------------------------------------------------------------


class AnnounceBody(_Body):
    instrument: str = Field(min_length=1, max_length=16, examples=["GDEA-2025"])
    qty: int = Field(strict=True, ge=1, le=10**12, description="The lot, whole tonnes.")
    reserve_fen: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=10**9,
        description="Reserve price, fen per tonne; default: the listing VWAP of the three "
        "calendar months before the announcement's month.",
    )
    opens: str = Field(max_length=40, examples=["2025-07-01T09:30:00+08:00"])
    closes: str = Field(max_length=40, examples=["2025-07-01T11:30:00+08:00"])
    source: str | None = Field(
        default=None, max_length=64, description="Auction account (default GDEA-AUCTION)."
    )


class BidBody(_Body):
    account: str = Field(min_length=1, max_length=64, examples=["M-ALPHA"])
    qty: int = Field(strict=True, ge=1, le=10**12, description="Whole tonnes (≥ 1,000).")
    price_fen: int = Field(strict=True, ge=1, le=10**9, description="Fen per tonne.")


@router.get("/auctions", openapi_extra=roles(ANYONE), responses=problem_responses(400))
def auction_list(app: AppDep) -> list[Document]:
    """Every auction, newest first, with its phase and (once cleared) its results.

    **Who may call:** anyone.
    """
    now = app.clock.now()
    return [auctions.auction_document(a, now) for a in auctions.auction_list(app)]


@router.post(
    "/auctions",
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses={**_WRITE, **_REPEAT},
)
def auction_announce(
    body: AnnounceBody, app: AppDep, user: CurrentUser, key: IdempotencyKey, response: Response
) -> Document:
    """Announce an auction; the lot is reserved in the auction account (422 naming the rule
    when refused).

    **Who may call:** regulator.
    """
    detail = auctions.announce(
        app,
        body.instrument,
        body.qty,
        opens=_instant(body.opens, "opens"),
        closes=_instant(body.closes, "closes"),
        reserve=body.reserve_fen,
        source=body.source,
        by=user,
        key=key,
    )
    if detail.replayed:
        response.status_code = 200
    return auctions.detail_document(detail)


@router.get("/auctions/{auction_id}", openapi_extra=roles(ANYONE), responses=_READ)
def auction_show(auction_id: IdPath, app: AppDep, user: Caller) -> Document:
    """One auction: lot, reserve, window, phase, results once cleared; the sealed bids only
    for the regulator (all) and a bidder (its own).

    **Who may call:** anyone.
    """
    return auctions.detail_document(auctions.show_auction(app, auction_id, by=user))


@router.post(
    "/auctions/{auction_id}/bids",
    status_code=201,
    openapi_extra=roles(BIDDERS, "its own account"),
    responses={**_WRITE, **_REPEAT},
)
def auction_bid(
    auction_id: IdPath,
    body: BidBody,
    app: AppDep,
    user: CurrentUser,
    key: IdempotencyKey,
    response: Response,
) -> Document:
    """Place a sealed, irrevocable bid; ``price_fen × qty`` of the account's funds are
    reserved.

    **Who may call:** members and covered entities, for their own accounts.
    """
    receipt = auctions.place_bid(
        app, auction_id, body.account, body.qty, body.price_fen, by=user, key=key
    )
    if receipt.replayed:
        response.status_code = 200
    return auctions.bid_document(receipt.bid, receipt.replayed)


@router.post(
    "/auctions/{auction_id}/clear",
    openapi_extra=roles(REGULATOR),
    responses=_WRITE,
)
def auction_clear(auction_id: IdPath, app: AppDep, user: CurrentUser) -> Document:
    """Clear an auction whose window has closed and settle it (one registry entry). A repeat
    returns the results (``replayed``).

    **Who may call:** regulator.
    """
    return auctions.detail_document(auctions.clear_auction(app, auction_id, by=user))


# --- block trades ---------------------------------------------------------------------------


class ProposeBody(_Body):
    seller: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=64)
    instrument: str = Field(min_length=1, max_length=16, examples=["GDEA-2025"])
    qty: int = Field(strict=True, ge=1, le=10**12, description="Whole tonnes (≥ 100,000).")
    price_fen: int = Field(strict=True, ge=1, le=10**9, description="Fen per tonne.")
    proposer: str = Field(default="seller", pattern="^(seller|buyer)$")


class PartyBody(_Body):
    party: str | None = Field(
        default=None,
        max_length=64,
        description="The acting account (default: the counterparty to confirm or reject, the "
        "proposer to withdraw).",
    )


@router.get("/blocks", openapi_extra=roles(ANYONE), responses=_READ)
def block_list(
    app: AppDep,
    user: Caller,
    day: Annotated[date | None, Query(alias="date", description="Default: today, CST.")] = None,
) -> Document:
    """The block trades of a business date (parties shown to the regulator and to them),
    and the day's block statistics, kept apart from the listing market.

    **Who may call:** anyone (the public sees the confirmed trades only).
    """
    listed = blocks.block_list(app, day, by=user)
    figures = blocks.block_statistics(app, day or app.today())
    return {
        "trades": [blocks.block_document(b, parties) for b, parties in listed],
        "statistics": blocks.statistics_document(figures),
    }


@router.post(
    "/blocks",
    status_code=201,
    openapi_extra=roles(MEMBERS, "the proposing side's own trading account"),
    responses={**_WRITE, **_REPEAT},
)
def block_propose(
    body: ProposeBody, app: AppDep, user: CurrentUser, key: IdempotencyKey, response: Response
) -> Document:
    """Propose a block trade to the counterparty; the proposer's units (seller) or funds
    (buyer) are reserved.

    **Who may call:** members, for their own trading account.
    """
    block = blocks.propose_block(
        app,
        seller=body.seller,
        buyer=body.buyer,
        instrument=body.instrument,
        qty=body.qty,
        price=body.price_fen,
        proposer=body.seller if body.proposer == "seller" else body.buyer,
        by=user,
        key=key,
    )
    if block.replayed:
        response.status_code = 200
    return blocks.block_document(block)


@router.post("/blocks/expire", openapi_extra=roles(REGULATOR), responses=_WRITE)
def block_expire(app: AppDep, user: CurrentUser) -> list[Document]:
    """Expire the proposals still open after their day's close; release their reservations.

    **Who may call:** regulator.
    """
    return [blocks.block_document(b) for b in blocks.expire_blocks(app, by=user)]


@router.get("/blocks/{block_id}", openapi_extra=roles(ANYONE), responses=_READ)
def block_show(block_id: IdPath, app: AppDep, user: Caller) -> Document:
    """One block trade (a proposal only for the regulator and its parties).

    **Who may call:** anyone, for a confirmed trade.
    """
    block, parties = blocks.show_block(app, block_id, by=user)
    return blocks.block_document(block, parties)


def _decide(
    action: str, block_id: int, body: PartyBody | None, app: AppDep, user: CurrentUser
) -> Document:
    block = blocks.get_block(app, block_id, by=user)
    if action == "withdraw":
        party = body.party if body and body.party else block.proposer_account
        return blocks.block_document(blocks.withdraw_block(app, block_id, party, by=user))
    party = body.party if body and body.party else block.counterparty
    if action == "confirm":
        return blocks.block_document(blocks.confirm_block(app, block_id, party, by=user))
    return blocks.block_document(blocks.reject_block(app, block_id, party, by=user))


@router.post(
    "/blocks/{block_id}/confirm",
    openapi_extra=roles(MEMBERS, "the counterparty's trading account"),
    responses=_WRITE,
)
def block_confirm(
    block_id: IdPath, app: AppDep, user: CurrentUser, body: PartyBody | None = None
) -> Document:
    """Confirm a proposal as its counterparty: it settles at once, delivery versus payment.
    A repeat returns the trade (``replayed``).

    **Who may call:** the counterparty's member.
    """
    return _decide("confirm", block_id, body, app, user)


@router.post(
    "/blocks/{block_id}/reject",
    openapi_extra=roles(MEMBERS, "the counterparty's trading account"),
    responses=_WRITE,
)
def block_reject(
    block_id: IdPath, app: AppDep, user: CurrentUser, body: PartyBody | None = None
) -> Document:
    """Reject a proposal as its counterparty; the proposer's reservation is released.

    **Who may call:** the counterparty's member.
    """
    return _decide("reject", block_id, body, app, user)


@router.post(
    "/blocks/{block_id}/withdraw",
    openapi_extra=roles(MEMBERS, "the proposer's trading account"),
    responses=_WRITE,
)
def block_withdraw(
    block_id: IdPath, app: AppDep, user: CurrentUser, body: PartyBody | None = None
) -> Document:
    """Withdraw your proposal before it is confirmed; its reservation is released.

    **Who may call:** the proposer's member.
    """
    return _decide("withdraw", block_id, body, app, user)
