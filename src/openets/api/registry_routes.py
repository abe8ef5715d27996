"""``/api/v1`` registry routes: accounts, state-changing operations and reads.

Every route authorises with :mod:`openets.auth.rules` and then calls one registry service;
the answer is the service result through :mod:`openets.registry.views`, the same documents
the CLI prints with ``--json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response

from openets.api.access import (
    ACCOUNT_READERS,
    ANYONE,
    AUTHENTICATED,
    HOLDERS,
    OVERSIGHT,
    OWNER_ROLES,
    REGULATOR,
    roles,
)
from openets.api.deps import AppDep, Caller, CurrentUser
from openets.api.problems import problem_responses
from openets.api.schemas import (
    AccountOut,
    BalanceOut,
    BatchOut,
    CancellationBody,
    ChainOut,
    CorrectionBody,
    EntryOut,
    FreezeBody,
    IssuanceBody,
    OpenAccountBody,
    PageOut,
    ReceiptOut,
    RetirementBody,
    SerialMoveOut,
    SupplyOut,
    TransferBody,
)
from openets.auth.model import User
from openets.auth.rules import (
    account_scope,
    controlled_account,
    require_command,
    require_open_account,
    require_read_account,
    require_read_journal,
)
from openets.bootstrap import App
from openets.errors import InvalidInput, NotFound
from openets.registry import audit, services
from openets.registry.model import (
    CancelUnits,
    CorrectEntry,
    FreezeUnits,
    IssueUnits,
    RegistryCommand,
    RetireUnits,
    TransferUnits,
    UnfreezeUnits,
)
from openets.registry.store import LedgerStore
from openets.registry.views import (
    account_view,
    balance_view,
    batch_view,
    chain_view,
    entry_view,
    receipt_view,
    serial_move_view,
    supply_view,
)

router = APIRouter()

#: Most transfers one batch may carry.
MAX_BATCH = 10_000
#: Longest idempotency key (the batch appends ``#<n>`` to it per transfer).
MAX_KEY_LENGTH = 180


def _idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=MAX_KEY_LENGTH,
            description="Retrying with the same key and body has no second effect (use a UUID).",
        ),
    ] = None,
) -> str | None:
    return (key.strip() or None) if key is not None else None


IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
Cursor = Annotated[str | None, Query(max_length=200, description="``next_cursor`` of a page.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
AccountPath = Annotated[str, Path(min_length=1, max_length=64)]

_READ = problem_responses(400, 401, 403, 404, 422)
_WRITE = problem_responses(400, 401, 403, 404, 409, 422)
_OPERATION: dict[int | str, dict[str, Any]] = {
    **_WRITE,
    200: {
        "model": ReceiptOut,
        "description": "An idempotent repeat: the first call's entry, with replayed: true.",
    },
}

# --- helpers --------------------------------------------------------------------------------


def _run(app: App, user: User, command: RegistryCommand, response: Response) -> dict[str, Any]:
    account_id = controlled_account(command)
    account = services.get_account(app, account_id) if account_id is not None else None
    require_command(user, command, account)
    receipt = services.execute(app, command)
    response.status_code = 200 if receipt.replayed else 201
    response.headers["Location"] = f"/api/v1/journal/{receipt.entry.seq}"
    return receipt_view(receipt)


def _seq_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isdigit() or int(cursor) < 1:
        raise InvalidInput(f"cursor {cursor!r} is not a journal sequence number")
    return int(cursor)


def _read_account(app: App, user: User, account_id: str) -> None:
    require_read_account(user, services.get_account(app, account_id))


# --- accounts -------------------------------------------------------------------------------


@router.post(
    "/accounts",
    tags=["accounts"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses={**_WRITE, 200: {"model": AccountOut, "description": "The account existed."}},
)
def open_account(
    body: OpenAccountBody, app: AppDep, user: CurrentUser, response: Response
) -> AccountOut:
    """Open an account (holding, compliance, exchange or auction).

    Repeating the same call answers 200 with the existing account; the same id with another
    kind or owner is a 409.

    **Who may call:** regulator.
    """
    require_open_account(user)
    try:
        services.get_account(app, body.id)
        response.status_code = 200
    except NotFound:
        pass
    account = services.open_account(app, body.id, body.kind, body.owner)
    return AccountOut.model_validate(account_view(account))


@router.get(
    "/accounts",
    tags=["accounts"],
    openapi_extra=roles(ACCOUNT_READERS, "entity, member, project_owner: own accounts only"),
    responses=_READ,
)
def list_accounts(
    app: AppDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = 100
) -> PageOut[AccountOut]:
    """Accounts by id, a page at a time.

    **Who may call:** regulator and verifier (every account); entity, member and
    project_owner (their own owner's accounts only).
    """
    page = services.list_accounts(app, owner=account_scope(user), after=cursor, limit=limit)
    items = [AccountOut.model_validate(account_view(a)) for a in page.items]
    return PageOut[AccountOut](items=items, next_cursor=page.next_cursor)


@router.get(
    "/accounts/{account_id}",
    tags=["accounts"],
    openapi_extra=roles(ACCOUNT_READERS, "entity, member, project_owner: own accounts only"),
    responses=_READ,
)
def get_account(account_id: AccountPath, app: AppDep, user: CurrentUser) -> AccountOut:
    """One account.

    **Who may call:** regulator and verifier (any account); entity, member and project_owner
    (own accounts only).
    """
    account = services.get_account(app, account_id)
    require_read_account(user, account)
    return AccountOut.model_validate(account_view(account))


@router.get(
    "/accounts/{account_id}/balance",
    tags=["accounts"],
    openapi_extra=roles(ACCOUNT_READERS, "entity, member, project_owner: own accounts only"),
    responses=_READ,
)
def get_balance(account_id: AccountPath, app: AppDep, user: CurrentUser) -> BalanceOut:
    """Balances of one account by instrument (tonnes held, of which frozen).

    **Who may call:** regulator and verifier (any account); entity, member and project_owner
    (own accounts only).
    """
    _read_account(app, user, account_id)
    return BalanceOut.model_validate(balance_view(services.balance(app, account_id)))


@router.get(
    "/accounts/{account_id}/journal",
    tags=["accounts"],
    openapi_extra=roles(ACCOUNT_READERS, "entity, member, project_owner: own accounts only"),
    responses=_READ,
)
def account_journal(
    account_id: AccountPath,
    app: AppDep,
    user: CurrentUser,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PageOut[EntryOut]:
    """The account's statement: journal entries that touch it, newest first.

    **Who may call:** regulator and verifier (any account); entity, member and project_owner
    (own accounts only).
    """
    _read_account(app, user, account_id)
    page = services.journal_page(app, before=_seq_cursor(cursor), limit=limit, account=account_id)
    items = [EntryOut.model_validate(entry_view(e)) for e in page.items]
    return PageOut[EntryOut](items=items, next_cursor=page.next_cursor)


# --- operations -----------------------------------------------------------------------------


@router.post(
    "/issuances",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_OPERATION,
)
def issue(
    body: IssuanceBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReceiptOut:
    """Issue new units into an account; they get the next serial numbers.

    **Who may call:** regulator.
    """
    command = IssueUnits(body.instrument, body.quantity, body.to, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/transfers",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(HOLDERS, "regulator: from any non-system account; others: own accounts"),
    responses=_OPERATION,
)
def transfer(
    body: TransferBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReceiptOut:
    """Transfer units between accounts (serial blocks split, never renumbered).

    **Who may call:** regulator (from any non-system account); entity, member and
    project_owner (from their own accounts only).
    """
    command = TransferUnits(body.instrument, body.quantity, body.source, body.to, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/retirements",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(OWNER_ROLES, "own accounts only"),
    responses=_OPERATION,
)
def retire(
    body: RetirementBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReceiptOut:
    """Retire units for good (voluntary cancellation), for a beneficiary.

    **Who may call:** entity, member and project_owner (from their own accounts only).
    """
    command = RetireUnits(
        body.instrument, body.quantity, body.source, body.reason, body.beneficiary, key=key
    )
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/cancellations",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_OPERATION,
)
def cancel(
    body: CancellationBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReceiptOut:
    """Cancel units (surrender for compliance, clawback).

    **Who may call:** regulator.
    """
    command = CancelUnits(body.instrument, body.quantity, body.source, body.reason, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/freezes",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_OPERATION,
)
def freeze(
    body: FreezeBody, app: AppDep, user: CurrentUser, response: Response, key: IdempotencyKey
) -> ReceiptOut:
    """Freeze (pledge) units so they cannot move until unfrozen.

    **Who may call:** regulator.
    """
    command = FreezeUnits(body.instrument, body.quantity, body.account, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/unfreezes",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_OPERATION,
)
def unfreeze(
    body: FreezeBody, app: AppDep, user: CurrentUser, response: Response, key: IdempotencyKey
) -> ReceiptOut:
    """Release frozen units.

    **Who may call:** regulator.
    """
    command = UnfreezeUnits(body.instrument, body.quantity, body.account, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/corrections",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(REGULATOR),
    responses=_OPERATION,
)
def correct(
    body: CorrectionBody,
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> ReceiptOut:
    """Reverse an earlier entry with a new one (the original is never edited).

    **Who may call:** regulator.
    """
    command = CorrectEntry(body.seq, body.reason, key=key)
    return ReceiptOut.model_validate(_run(app, user, command, response))


@router.post(
    "/transfer-batches",
    tags=["operations"],
    status_code=201,
    openapi_extra=roles(HOLDERS, "regulator: from any non-system account; others: own accounts"),
    responses={
        **_WRITE,
        200: {"model": BatchOut, "description": "Every transfer was a repeat."},
    },
)
def transfer_batch(
    body: Annotated[list[TransferBody], Body(min_length=1, max_length=MAX_BATCH)],
    app: AppDep,
    user: CurrentUser,
    response: Response,
    key: IdempotencyKey,
) -> BatchOut:
    """Apply many transfers atomically: all become journal entries, or none does.

    With an ``Idempotency-Key`` K, transfer n (from 1) gets the key ``K#n``: repeating the
    batch replays it (200, ``all_replayed: true``).

    **Who may call:** regulator (from any non-system account); entity, member and
    project_owner (from their own accounts only).
    """
    labels = [f"transfer {n}" for n in range(1, len(body) + 1)]
    commands: Sequence[RegistryCommand] = [
        TransferUnits(t.instrument, t.quantity, t.source, t.to, key=f"{key}#{n}" if key else None)
        for n, t in enumerate(body, start=1)
    ]
    with app.reading() as connection:
        accounts = LedgerStore(connection).load_accounts({t.source for t in body})
    for label, command in zip(labels, commands, strict=True):
        assert isinstance(command, TransferUnits)
        account = accounts.get(command.source)
        if account is None:
            raise NotFound(f"{label}: account {command.source!r} does not exist")
        require_command(user, command, account)
    result = services.execute_batch(app, commands, labels)
    all_replayed = result.applied == 0
    response.status_code = 200 if all_replayed else 201
    return BatchOut.model_validate({**batch_view(result), "all_replayed": all_replayed})


# --- reads ----------------------------------------------------------------------------------


@router.get(
    "/instruments/{code}/supply",
    tags=["reads"],
    openapi_extra=roles(ANYONE),
    responses=_READ,
)
def instrument_supply(
    code: Annotated[str, Path(max_length=16)], app: AppDep, user: Caller
) -> SupplyOut:
    """Issued, retired, cancelled and outstanding tonnes of one instrument.

    **Who may call:** anyone, without credentials.
    """
    del user
    return SupplyOut.model_validate(supply_view(services.supply(app, code)))


@router.get("/supply", tags=["reads"], openapi_extra=roles(ANYONE), responses=_READ)
def all_supply(app: AppDep, user: Caller) -> list[SupplyOut]:
    """Supply of every instrument ever issued, by code.

    **Who may call:** anyone, without credentials.
    """
    del user
    return [SupplyOut.model_validate(supply_view(s)) for s in services.all_supplies(app)]


@router.get(
    "/instruments/{code}/serials/{serial}/history",
    tags=["reads"],
    openapi_extra=roles(OVERSIGHT),
    responses=_READ,
)
def serial_history(
    code: Annotated[str, Path(max_length=16)],
    serial: Annotated[int, Path(ge=1, le=2**62)],
    app: AppDep,
    user: CurrentUser,
) -> list[SerialMoveOut]:
    """Every entry that moved one serial number, oldest first.

    **Who may call:** regulator, verifier.
    """
    require_read_journal(user)
    moves = services.serial_history(app, code, serial)
    return [SerialMoveOut.model_validate(serial_move_view(m)) for m in moves]


@router.get("/journal", tags=["reads"], openapi_extra=roles(OVERSIGHT), responses=_READ)
def journal(
    app: AppDep, user: CurrentUser, cursor: Cursor = None, limit: Limit = 50
) -> PageOut[EntryOut]:
    """The journal, newest first; ``next_cursor`` is the sequence number to continue below.

    **Who may call:** regulator, verifier.
    """
    require_read_journal(user)
    page = services.journal_page(app, before=_seq_cursor(cursor), limit=limit)
    items = [EntryOut.model_validate(entry_view(e)) for e in page.items]
    return PageOut[EntryOut](items=items, next_cursor=page.next_cursor)


@router.get("/journal/{seq}", tags=["reads"], openapi_extra=roles(OVERSIGHT), responses=_READ)
def journal_entry(
    seq: Annotated[int, Path(ge=1, le=2**62)], app: AppDep, user: CurrentUser
) -> EntryOut:
    """One journal entry with its postings and hashes.

    **Who may call:** regulator, verifier.
    """
    require_read_journal(user)
    return EntryOut.model_validate(entry_view(services.get_entry(app, seq)))


@router.get("/audit/verify", tags=["reads"], openapi_extra=roles(AUTHENTICATED), responses=_READ)
def audit_verify(app: AppDep, user: CurrentUser) -> ChainOut:
    """Check the hash chain, balances against the journal, and serial blocks.

    The check reads the whole journal, so it needs an API key (any role, ``public``
    included) rather than being open to anonymous callers.

    **Who may call:** any authenticated user, public included.
    """
    del user
    return ChainOut.model_validate(chain_view(audit.verify(app)))
