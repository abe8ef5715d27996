"""SQL of allowance pledges and their daily valuations.

Every method runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, or_, select

from openets.db import tables_finance
from openets.finance.rules import Level, PledgeStatus, PledgeTerms

__all__ = ["FinanceStore", "StoredPledge", "StoredValuation"]

_PL = tables_finance.pledges
_PV = tables_finance.pledge_valuations


@dataclass(frozen=True, slots=True)
class StoredPledge:
    """A pledge as recorded: its terms, parties, status and journal entries."""

    id: int
    borrower: str
    lender: str
    terms: PledgeTerms
    status: PledgeStatus
    close_fen: int  # the closing price the creation was checked at
    value_fen: int  # the value at creation
    freeze_seq: int
    unfreeze_seq: int | None
    transfer_seq: int | None
    key: str | None
    fingerprint: str
    actor: str
    created_at: str
    ended_by: str | None
    ended_at: str | None


@dataclass(frozen=True, slots=True)
class StoredValuation:
    """One day's valuation of one pledge."""

    pledge_id: int
    day: date
    close_fen: int
    value_fen: int
    ltv: Decimal | None
    coverage: Decimal
    level: Level
    at: str


def _pledge(row: Row[Any]) -> StoredPledge:
    return StoredPledge(
        id=int(row.id),
        borrower=row.borrower,
        lender=row.lender,
        terms=PledgeTerms(
            instrument=row.instrument,
            quantity=int(row.quantity),
            loan_fen=int(row.loan_fen),
            start=date.fromisoformat(row.start),
            maturity=date.fromisoformat(row.maturity),
            ltv_limit=Decimal(row.ltv_limit),
            margin=Decimal(row.margin),
            call=Decimal(row.call_level),
        ),
        status=PledgeStatus(row.status),
        close_fen=int(row.close_fen),
        value_fen=int(row.value_fen),
        freeze_seq=int(row.freeze_seq),
        unfreeze_seq=None if row.unfreeze_seq is None else int(row.unfreeze_seq),
        transfer_seq=None if row.transfer_seq is None else int(row.transfer_seq),
        key=row.idem_key,
        fingerprint=row.fingerprint,
        actor=row.actor,
        created_at=row.created_at,
        ended_by=row.ended_by,
        ended_at=row.ended_at,
    )


def _valuation(row: Row[Any]) -> StoredValuation:
    return StoredValuation(
        pledge_id=int(row.pledge_id),
        day=date.fromisoformat(row.day),
        close_fen=int(row.close_fen),
        value_fen=int(row.value_fen),
        ltv=None if row.ltv is None else Decimal(row.ltv),
        coverage=Decimal(row.coverage),
        level=Level(row.level),
        at=row.at,
    )


class FinanceStore:
    """Reads and writes of the pledge tables on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- pledges ----------------------------------------------------------------------------

    def insert_pledge(
        self,
        *,
        borrower: str,
        lender: str,
        terms: PledgeTerms,
        close_fen: int,
        value_fen: int,
        key: str | None,
        fingerprint: str,
        actor: str,
        at: str,
    ) -> int:
        result = self.connection.execute(
            _PL.insert().values(
                borrower=borrower,
                lender=lender,
                instrument=terms.instrument,
                quantity=terms.quantity,
                loan_fen=terms.loan_fen,
                start=terms.start.isoformat(),
                maturity=terms.maturity.isoformat(),
                ltv_limit=str(terms.ltv_limit),
                margin=str(terms.margin),
                call_level=str(terms.call),
                status=PledgeStatus.ACTIVE.value,
                close_fen=close_fen,
                value_fen=value_fen,
                idem_key=key,
                fingerprint=fingerprint,
                actor=actor,
                created_at=at,
            )
        )
        key_row = result.inserted_primary_key
        assert key_row is not None
        return int(key_row[0])

    def set_freeze_seq(self, pledge_id: int, seq: int) -> None:
        self.connection.execute(_PL.update().where(_PL.c.id == pledge_id).values(freeze_seq=seq))

    def pledge(self, pledge_id: int) -> StoredPledge | None:
        row = self.connection.execute(select(_PL).where(_PL.c.id == pledge_id)).first()
        return None if row is None else _pledge(row)

    def pledge_by_key(self, key: str) -> StoredPledge | None:
        row = self.connection.execute(select(_PL).where(_PL.c.idem_key == key)).first()
        return None if row is None else _pledge(row)

    def pledges(
        self,
        *,
        statuses: Collection[PledgeStatus] | None = None,
        accounts: Collection[str] | None = None,
        instrument: str | None = None,
    ) -> list[StoredPledge]:
        """Pledges by id; ``accounts`` keeps those whose borrower or lender is one of them."""
        query = select(_PL).order_by(_PL.c.id)
        if statuses is not None:
            query = query.where(_PL.c.status.in_([s.value for s in statuses]))
        if accounts is not None:
            chosen = list(accounts)
            query = query.where(or_(_PL.c.borrower.in_(chosen), _PL.c.lender.in_(chosen)))
        if instrument is not None:
            query = query.where(_PL.c.instrument == instrument)
        return [_pledge(row) for row in self.connection.execute(query)]

    def set_status(self, pledge_id: int, status: PledgeStatus) -> None:
        self.connection.execute(
            _PL.update().where(_PL.c.id == pledge_id).values(status=status.value)
        )

    def end(
        self,
        pledge_id: int,
        status: PledgeStatus,
        *,
        unfreeze_seq: int,
        transfer_seq: int | None,
        actor: str,
        at: str,
    ) -> None:
        """Record the release or default of a pledge with its journal entries."""
        self.connection.execute(
            _PL.update()
            .where(_PL.c.id == pledge_id)
            .values(
                status=status.value,
                unfreeze_seq=unfreeze_seq,
                transfer_seq=transfer_seq,
                ended_by=actor,
                ended_at=at,
            )
        )

    # --- valuations -------------------------------------------------------------------------

    def valuation(self, pledge_id: int, day: date) -> StoredValuation | None:
        row = self.connection.execute(
            select(_PV).where(_PV.c.pledge_id == pledge_id).where(_PV.c.day == day.isoformat())
        ).first()
        return None if row is None else _valuation(row)

    def save_valuation(self, valuation: StoredValuation, *, replace: bool) -> None:
        """Insert a day's valuation, or (``replace``) overwrite the one recorded for that day."""
        values = {
            "close_fen": valuation.close_fen,
            "value_fen": valuation.value_fen,
            "ltv": None if valuation.ltv is None else str(valuation.ltv),
            "coverage": str(valuation.coverage),
            "level": valuation.level.value,
            "at": valuation.at,
        }
        if replace:
            self.connection.execute(
                _PV.update()
                .where(_PV.c.pledge_id == valuation.pledge_id)
                .where(_PV.c.day == valuation.day.isoformat())
                .values(**values)
            )
        else:
            self.connection.execute(
                _PV.insert().values(
                    pledge_id=valuation.pledge_id, day=valuation.day.isoformat(), **values
                )
            )

    def valuations(self, pledge_id: int) -> list[StoredValuation]:
        """A pledge's valuations, oldest day first."""
        query = select(_PV).where(_PV.c.pledge_id == pledge_id).order_by(_PV.c.day)
        return [_valuation(row) for row in self.connection.execute(query)]

    def latest_valuations(self, pledge_ids: Collection[int]) -> dict[int, StoredValuation]:
        """The valuation of the latest valued day of each pledge (those valued at all)."""
        if not pledge_ids:
            return {}
        query = select(_PV).where(_PV.c.pledge_id.in_(list(pledge_ids))).order_by(_PV.c.day)
        latest: dict[int, StoredValuation] = {}
        for row in self.connection.execute(query):
            latest[int(row.pledge_id)] = _valuation(row)  # later days overwrite earlier ones
        return latest
