"""Request and response bodies of the REST API (pydantic).

Quantities are strict integers of tonnes: ``1.5``, ``"15"``, ``true`` and ``1.0`` are refused
with a 422, so a float can never reach the ledger.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

T = TypeVar("T")

#: Largest quantity one command may move (tonnes): far above any real market, far below the
#: 64-bit limit of the database columns.
MAX_QUANTITY = 10**12

Tonnes = Annotated[
    int,
    Field(strict=True, gt=0, le=MAX_QUANTITY, description="Whole tonnes of CO2e.", examples=[1000]),
]
InstrumentCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=16,
        description="GDEA-YYYY, SZEA-YYYY, CEA-YYYY, CCER, PHCER or SINK.",
        examples=["GDEA-2024"],
    ),
]
AccountRef = Annotated[str, Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])]
Source = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        validation_alias=AliasChoices("from", "source"),
        serialization_alias="from",
        description="The account the units leave (``from``; ``source`` is accepted too).",
    ),
]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --- requests -------------------------------------------------------------------------------


class TokenRequest(_Body):
    name: str = Field(
        min_length=1,
        max_length=64,
        validation_alias=AliasChoices("name", "username"),
        description="The user name (``username`` is accepted too, as OAuth2 forms send it).",
        examples=["regulator"],
    )
    password: str = Field(min_length=1, max_length=1000)


class OpenAccountBody(_Body):
    id: str = Field(min_length=1, max_length=64, examples=["GD-STEEL-001"])
    kind: str = Field(description="holding, compliance, exchange or auction", examples=["holding"])
    owner: str = Field(min_length=1, max_length=200, examples=["Guangdong Steel Co."])


class IssuanceBody(_Body):
    instrument: InstrumentCode
    quantity: Tonnes
    to: AccountRef


class TransferBody(_Body):
    instrument: InstrumentCode
    quantity: Tonnes
    source: Source
    to: AccountRef


class RetirementBody(_Body):
    instrument: InstrumentCode
    quantity: Tonnes
    source: Source
    reason: Reason
    beneficiary: str = Field(default="", max_length=200)


class CancellationBody(_Body):
    instrument: InstrumentCode
    quantity: Tonnes
    source: Source
    reason: Reason


class FreezeBody(_Body):
    instrument: InstrumentCode
    quantity: Tonnes
    account: AccountRef


class CorrectionBody(_Body):
    seq: int = Field(strict=True, gt=0, description="The journal entry to reverse.")
    reason: Reason


# --- responses ------------------------------------------------------------------------------


class Health(BaseModel):
    status: str
    version: str
    database: str


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_at: str


class UserOut(BaseModel):
    name: str
    role: str
    owner: str | None


class AccountOut(BaseModel):
    id: str
    kind: str
    owner: str
    opened_at: str


class PositionOut(BaseModel):
    instrument: str
    quantity: int
    frozen: int


class BalanceOut(BaseModel):
    account: str
    kind: str
    owner: str
    balances: list[PositionOut]


class PostingOut(BaseModel):
    account: str
    instrument: str
    amount: int
    frozen: int
    serial_start: int | None
    serial_end: int | None


class EntryOut(BaseModel):
    seq: int
    kind: str
    recorded_at: str
    memo: dict[str, Any]
    key: str | None
    postings: list[PostingOut]
    prev_hash: str
    hash: str


class ReceiptOut(EntryOut):
    replayed: bool


class BatchOut(BaseModel):
    applied: int
    replayed: int
    first_seq: int | None
    last_seq: int | None
    all_replayed: bool = Field(description="True when every transfer was an idempotent repeat.")


class SupplyOut(BaseModel):
    instrument: str
    issued: int
    retired: int
    cancelled: int
    outstanding: int


class SerialMoveOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int
    kind: str
    recorded_at: str
    source: str = Field(alias="from")
    to: str
    serial_start: int
    serial_end: int


class ChainOut(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ``cursor`` to get the next page; null on the last page."
    )


class Problem(BaseModel):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
