"""Value types of the registry: accounts, postings, journal entries and commands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, NamedTuple, TypeVar

from openets.errors import InvalidInput

T = TypeVar("T")


class AccountKind(StrEnum):
    ISSUANCE = "issuance"
    HOLDING = "holding"
    COMPLIANCE = "compliance"
    EXCHANGE = "exchange"
    AUCTION = "auction"
    RETIREMENT = "retirement"
    CANCELLATION = "cancellation"


#: Accounts the registry itself keeps; units only enter or leave them by issuance,
#: retirement and cancellation, never by a transfer.
SYSTEM_KINDS = frozenset({AccountKind.ISSUANCE, AccountKind.RETIREMENT, AccountKind.CANCELLATION})

#: Ids of the system accounts that ``openets db upgrade`` creates.
ISSUANCE_ACCOUNT = "SYS-ISSUANCE"
RETIREMENT_ACCOUNT = "SYS-RETIREMENT"
CANCELLATION_ACCOUNT = "SYS-CANCELLATION"
SYSTEM_OWNER = "registry"

_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def check_account_id(account_id: str) -> str:
    """Return the id if it is well formed (letters, digits, ``._:-``, at most 64 characters)."""
    if not _ACCOUNT_ID.match(account_id):
        raise InvalidInput(
            f"account id {account_id!r} is malformed: use 1-64 letters, digits or . _ : -"
        )
    return account_id


def check_quantity(quantity: int) -> int:
    """Return the quantity if it is a positive whole number of tonnes."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidInput(f"quantity must be a positive whole number of tonnes, got {quantity!r}")
    return quantity


#: Longest idempotency key a journal entry (and a service's own table) stores.
MAX_KEY = 200


def optional_key(key: str | None, limit: int = MAX_KEY) -> str | None:
    """An idempotency key, stripped; None for none or blanks; at most ``limit`` characters."""
    if key is None or not key.strip():
        return None
    if len(key.strip()) > limit:
        raise InvalidInput(f"an idempotency key has at most {limit} characters")
    return key.strip()


def parse_account_kind(text: str) -> AccountKind:
    try:
        return AccountKind(text)
    except ValueError:
        kinds = ", ".join(k.value for k in AccountKind)
        raise InvalidInput(f"unknown account kind {text!r}: expected one of {kinds}") from None


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    kind: AccountKind
    owner: str
    opened_at: str

    @property
    def is_system(self) -> bool:
        return self.kind in SYSTEM_KINDS


class EntryKind(StrEnum):
    ISSUE = "issue"
    TRANSFER = "transfer"
    RETIRE = "retire"
    CANCEL = "cancel"
    FREEZE = "freeze"
    UNFREEZE = "unfreeze"
    CORRECTION = "correction"
    SURRENDER = "surrender"
    # the exchange's entries (see ``DepositFunds``, ``WithdrawFunds``, ``SettleTrades``)
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    RESERVATION = "reservation"
    SETTLEMENT = "settlement"


class Posting(NamedTuple):
    """One line of a journal entry: the change of one account's position in one instrument.

    ``amount`` is the signed change of the balance in tonnes; ``frozen`` the signed change of
    its frozen part. A posting that moves units names the serial block it moved. (A named
    tuple rather than a frozen dataclass: a batch creates hundreds of thousands of them.)
    """

    account: str
    instrument: str
    amount: int
    frozen: int = 0
    serial_start: int | None = None
    serial_end: int | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A committed journal entry: balanced postings, chained to the entry before it."""

    seq: int
    kind: EntryKind
    recorded_at: str
    memo: str
    key: str | None
    postings: tuple[Posting, ...]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a state-changing registry call returns.

    ``replayed`` is true when an idempotency key matched an earlier identical request: the
    entry is the first call's, and nothing was changed this time.
    """

    entry: JournalEntry
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Outcome of an atomic batch: how many commands made new entries, how many replayed."""

    applied: int
    replayed: int
    first_seq: int | None
    last_seq: int | None


# --- commands (imperative, validated at construction) ------------------------------------


@dataclass(frozen=True, slots=True)
class IssueUnits:
    """Issue new units with new serial numbers.

    ``provenance`` says where the units come from (for a credit: its project and vintage);
    it is kept in the issuance entry's memo, so it is hashed into the journal and shows in
    every serial's history.
    """

    instrument: str
    quantity: int
    to: str
    key: str | None = None
    provenance: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TransferUnits:
    instrument: str
    quantity: int
    source: str
    to: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class RetireUnits:
    """Voluntary retirement: the units leave circulation for good, for a beneficiary."""

    instrument: str
    quantity: int
    source: str
    reason: str
    beneficiary: str = ""
    key: str | None = None


@dataclass(frozen=True, slots=True)
class CancelUnits:
    """Cancellation by the registry (surrender for compliance, clawback, correction)."""

    instrument: str
    quantity: int
    source: str
    reason: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class SurrenderUnits:
    """Surrender for compliance: units of one or more instruments (allowances and offset
    credits) leave ``source`` for the cancellation account in one entry.

    ``lines`` are ``(instrument, quantity)`` pairs, each instrument once; ``reason`` says what
    the surrender is for (``compliance 2024``) and goes into the hashed memo.
    """

    source: str
    lines: tuple[tuple[str, int], ...]
    reason: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class FreezeUnits:
    """Freeze (pledge) units so they cannot move until unfrozen."""

    instrument: str
    quantity: int
    account: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class UnfreezeUnits:
    instrument: str
    quantity: int
    account: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class CorrectEntry:
    """Reverse an earlier entry with a new one; the original is never edited."""

    seq: int
    reason: str
    key: str | None = None


#: The exchange members' funds: yuan, counted in fen, held in the same ledger as the units.
#: Fen carry serial numbers like units do (a deposit numbers them, a withdrawal returns them),
#: so the audit's serial check covers money too: no fen is in two places.
FUNDS = "CNY"


class TradeLine(NamedTuple):
    """One trade to settle: ``quantity`` t of ``instrument`` at ``price`` fen per tonne.

    Delivery versus payment out of reservations: the units leave the seller's frozen units,
    ``price * quantity`` fen leave the buyer's frozen funds. (A named tuple: a batch holds
    100,000s.)
    """

    buyer: str
    seller: str
    instrument: str
    quantity: int
    price: int


class ReservationLine(NamedTuple):
    """A change of what an account holds reserved (frozen) of an instrument or of
    :data:`FUNDS`: positive reserves (must be available), negative releases."""

    account: str
    instrument: str
    amount: int


@dataclass(frozen=True, slots=True)
class DepositFunds:
    """Funds paid in by a member (recorded by the exchange operator): ``amount`` fen of
    :data:`FUNDS` enter ``account`` from the issuance account."""

    account: str
    amount: int
    key: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawFunds:
    """Funds paid out to a member: ``amount`` available fen go back to the issuance account."""

    account: str
    amount: int
    key: str | None = None


@dataclass(frozen=True, slots=True)
class SettleTrades:
    """Delivery versus payment of trades, with reservation changes, as ONE journal entry.

    ``reservations`` are applied with the trades (reserve what an order needs, release what
    it no longer needs); each trade then draws the seller's units and the buyer's funds from
    their reserved parts. The entry's postings net each (account, instrument) over the whole
    command, and serial blocks go from net sellers to net buyers. Without trades the entry
    is a reservation (an order accepted, amended, cancelled or expired). ``reason`` goes into
    the hashed memo with the count and a digest of the trades.
    """

    trades: tuple[TradeLine, ...]
    reservations: tuple[ReservationLine, ...] = ()
    reason: str = ""
    key: str | None = None


RegistryCommand = (
    IssueUnits
    | TransferUnits
    | RetireUnits
    | CancelUnits
    | SurrenderUnits
    | FreezeUnits
    | UnfreezeUnits
    | CorrectEntry
    | DepositFunds
    | WithdrawFunds
    | SettleTrades
)


@dataclass(frozen=True, slots=True)
class PositionView:
    instrument: str
    quantity: int
    frozen: int

    @property
    def available(self) -> int:
        return self.quantity - self.frozen


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account: Account
    balances: tuple[PositionView, ...]


@dataclass(frozen=True, slots=True)
class Supply:
    """Units of one instrument: issued − retired − cancelled = outstanding."""

    instrument: str
    issued: int
    retired: int
    cancelled: int
    outstanding: int


@dataclass(frozen=True, slots=True)
class SerialMove:
    """One movement of a serial number: which entry moved it, from where to where."""

    seq: int
    kind: EntryKind
    recorded_at: str
    source: str
    to: str
    serial_start: int
    serial_end: int


@dataclass(frozen=True, slots=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; pass ``next_cursor`` back to get the next one."""

    items: tuple[T, ...]
    next_cursor: str | None = None
