"""SQL of allocation on one open connection (the caller owns the transaction).

Reads the verified figures allocation is computed from (approved MRV reports), and reads and
writes allocation rounds, allocation lines and deductions. The records it returns are the
stored facts; :mod:`openets.allocation.services` decides what they mean.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, select

from openets.db import schema
from openets.errors import Conflict
from openets.mrv.reports import ReportStatus
from openets.registry.model import AccountKind
from openets.registry.store import LedgerStore

__all__ = [
    "PHASES",
    "AllocationLine",
    "AllocationRound",
    "AllocationStore",
    "Figures",
    "OutstandingDeduction",
]

#: the phases of allocation lines, in the order they happen within a year
PHASES = ("pre", "entrant", "true_up", "closure")
_RANK = {phase: n for n, phase in enumerate(PHASES)}


@dataclass(frozen=True, slots=True)
class Figures:
    """An entity's verified figures of one year (an approved report)."""

    verified_tco2: int  # whole tCO2 (the compliance figure)
    output: Decimal | None  # production in the sector's unit; data centres: IT MWh


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """One entity's allocation of one year in one phase (tonnes; ``issued`` signed).

    ``inputs`` are the figures the method used, as decimal strings by name; ``exact`` the
    method's exact result (tCO2); ``entitlement`` it rounded half-up; ``allocated`` the
    entitlement after the cap (= ``free`` + ``reserve``). ``deducted`` are earlier deductions
    taken off the free part; ``issued`` what moved into (> 0) or out of (< 0) the entity's
    compliance account; ``owed`` what could not be taken back (recorded as a deduction).
    A preview (not stored) has ``entry_seq`` None and ``at`` empty.
    """

    year: int
    entity: str
    phase: str
    jurisdiction: str
    sector: str
    method: str
    inputs: Mapping[str, str]
    exact: Decimal
    entitlement: int
    allocated: int
    free: int
    reserve: int
    deducted: int
    issued: int
    owed: int
    entry_seq: int | None
    at: str


@dataclass(frozen=True, slots=True)
class AllocationRound:
    """A jurisdiction's pre-allocation or true-up of one year, once issued."""

    jurisdiction: str
    year: int
    phase: str  # pre | true_up
    cap: int
    free_total: int
    reserve_total: int
    reserve_entry_seq: int | None  # the auction reserve's registry entry, if any moved
    actor: str
    at: str


@dataclass(frozen=True, slots=True)
class OutstandingDeduction:
    id: int
    entity: str
    origin: str  # penalty | true_up | closure
    origin_year: int
    tonnes: int
    deducted: int

    @property
    def outstanding(self) -> int:
        return self.tonnes - self.deducted


_lines = schema.allocation_lines
_rounds = schema.allocation_rounds
_deductions = schema.deductions


class AllocationStore:
    """SQL for allocation on one open connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- verified figures -----------------------------------------------------------------

    def figures(self, years: Iterable[int]) -> dict[tuple[str, int], Figures]:
        """Approved figures by (entity, year) for ``years``."""
        wanted = sorted(set(years))
        if not wanted:
            return {}
        reports = schema.mrv_reports
        query = select(
            reports.c.entity_id, reports.c.year, reports.c.compliance_tco2, reports.c.output
        ).where(reports.c.status == ReportStatus.APPROVED.value, reports.c.year.in_(wanted))
        return {
            (row.entity_id, int(row.year)): Figures(
                int(row.compliance_tco2),
                Decimal(row.output) if row.output is not None else None,
            )
            for row in self.connection.execute(query)
        }

    def entity_ids_named(self, name: str) -> set[str]:
        """Ids of the entities whose name is ``name`` (what an entity user acts for)."""
        entities = schema.mrv_entities
        rows = self.connection.execute(select(entities.c.id).where(entities.c.name == name))
        return {row.id for row in rows}

    # --- rounds -----------------------------------------------------------------------------

    @staticmethod
    def _round(row: Row[Any]) -> AllocationRound:
        return AllocationRound(
            jurisdiction=row.jurisdiction,
            year=int(row.year),
            phase=row.phase,
            cap=int(row.cap),
            free_total=int(row.free_total),
            reserve_total=int(row.reserve_total),
            reserve_entry_seq=row.reserve_entry_seq,
            actor=row.actor,
            at=row.at,
        )

    def load_round(self, jurisdiction: str, year: int, phase: str) -> AllocationRound | None:
        row = self.connection.execute(
            select(_rounds).where(
                _rounds.c.jurisdiction == jurisdiction,
                _rounds.c.year == year,
                _rounds.c.phase == phase,
            )
        ).first()
        return None if row is None else self._round(row)

    def rounds(self, year: int, jurisdiction: str | None = None) -> list[AllocationRound]:
        query = select(_rounds).where(_rounds.c.year == year)
        if jurisdiction is not None:
            query = query.where(_rounds.c.jurisdiction == jurisdiction)
        rows = self.connection.execute(query).all()
        found = [self._round(row) for row in rows]
        return sorted(found, key=lambda r: (r.jurisdiction, _RANK.get(r.phase, 9)))

    def insert_round(self, item: AllocationRound) -> None:
        self.connection.execute(
            _rounds.insert().values(
                jurisdiction=item.jurisdiction,
                year=item.year,
                phase=item.phase,
                cap=item.cap,
                free_total=item.free_total,
                reserve_total=item.reserve_total,
                reserve_entry_seq=item.reserve_entry_seq,
                actor=item.actor,
                at=item.at,
            )
        )

    # --- lines ------------------------------------------------------------------------------

    @staticmethod
    def _line(row: Row[Any]) -> AllocationLine:
        return AllocationLine(
            year=int(row.year),
            entity=row.entity_id,
            phase=row.phase,
            jurisdiction=row.jurisdiction,
            sector=row.sector,
            method=row.method,
            inputs=json.loads(row.inputs),
            exact=Decimal(row.exact),
            entitlement=int(row.entitlement),
            allocated=int(row.allocated),
            free=int(row.free),
            reserve=int(row.reserve),
            deducted=int(row.deducted),
            issued=int(row.issued),
            owed=int(row.owed),
            entry_seq=row.entry_seq,
            at=row.at,
        )

    def lines(
        self,
        *,
        year: int | None = None,
        jurisdiction: str | None = None,
        sector: str | None = None,
        entity_ids: Collection[str] | None = None,
        phases: Collection[str] | None = None,
    ) -> list[AllocationLine]:
        """Stored lines, by year, jurisdiction, entity and phase (in the order of the year)."""
        query = select(_lines)
        if year is not None:
            query = query.where(_lines.c.year == year)
        if jurisdiction is not None:
            query = query.where(_lines.c.jurisdiction == jurisdiction)
        if sector is not None:
            query = query.where(_lines.c.sector == sector)
        if entity_ids is not None:
            if not entity_ids:
                return []
            query = query.where(_lines.c.entity_id.in_(sorted(entity_ids)))
        if phases is not None:
            query = query.where(_lines.c.phase.in_(sorted(phases)))
        found = [self._line(row) for row in self.connection.execute(query)]
        return sorted(
            found, key=lambda x: (x.year, x.jurisdiction, x.entity, _RANK.get(x.phase, 9))
        )

    def closed_before(self, year: int) -> dict[str, int]:
        """Entities with a closure recorded for a year before ``year``: entity -> latest year."""
        rows = self.connection.execute(
            select(_lines.c.entity_id, _lines.c.year).where(
                _lines.c.phase == "closure", _lines.c.year < year
            )
        )
        closed: dict[str, int] = {}
        for row in rows:
            closed[row.entity_id] = max(closed.get(row.entity_id, 0), int(row.year))
        return closed

    def insert_lines(self, lines: Iterable[AllocationLine]) -> None:
        rows = [
            {
                "year": line.year,
                "entity_id": line.entity,
                "phase": line.phase,
                "jurisdiction": line.jurisdiction,
                "sector": line.sector,
                "method": line.method,
                "inputs": json.dumps(dict(line.inputs), ensure_ascii=False),
                "exact": str(line.exact),
                "entitlement": line.entitlement,
                "allocated": line.allocated,
                "free": line.free,
                "reserve": line.reserve,
                "deducted": line.deducted,
                "issued": line.issued,
                "owed": line.owed,
                "entry_seq": line.entry_seq,
                "at": line.at,
            }
            for line in lines
        ]
        if rows:
            self.connection.execute(_lines.insert(), rows)

    # --- deductions -------------------------------------------------------------------------

    def outstanding(
        self, before_year: int, entity_ids: Collection[str] | None = None
    ) -> dict[str, list[OutstandingDeduction]]:
        """Deductions not yet fully taken, originating before ``before_year``, by entity,
        oldest first (the order they are taken in)."""
        query = (
            select(_deductions)
            .where(
                _deductions.c.tonnes > _deductions.c.deducted,
                _deductions.c.origin_year < before_year,
            )
            .order_by(_deductions.c.id)
        )
        if entity_ids is not None:
            if not entity_ids:
                return {}
            query = query.where(_deductions.c.entity_id.in_(sorted(entity_ids)))
        found: dict[str, list[OutstandingDeduction]] = {}
        for row in self.connection.execute(query):
            found.setdefault(row.entity_id, []).append(
                OutstandingDeduction(
                    id=int(row.id),
                    entity=row.entity_id,
                    origin=row.origin,
                    origin_year=int(row.origin_year),
                    tonnes=int(row.tonnes),
                    deducted=int(row.deducted),
                )
            )
        return found

    def set_deducted(self, deduction_id: int, deducted: int) -> None:
        self.connection.execute(
            _deductions.update().where(_deductions.c.id == deduction_id).values(deducted=deducted)
        )

    def insert_deduction(
        self, entity_id: str, origin: str, origin_year: int, tonnes: int, created_at: str
    ) -> None:
        self.connection.execute(
            _deductions.insert().values(
                entity_id=entity_id,
                origin=origin,
                origin_year=origin_year,
                tonnes=tonnes,
                deducted=0,
                created_at=created_at,
            )
        )

    # --- registry ---------------------------------------------------------------------------

    def available(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Units available (held, not frozen) by (account, instrument); missing = 0."""
        wanted = set(keys)
        positions = LedgerStore(self.connection).load_positions(wanted)
        return {key: positions[key].available if key in positions else 0 for key in wanted}

    def ensure_account(self, account_id: str, kind: AccountKind, owner: str, at: str) -> None:
        """Open an account inside the caller's transaction unless it exists as wanted."""
        existing = LedgerStore(self.connection).load_accounts([account_id]).get(account_id)
        if existing is not None:
            if existing.kind is kind and existing.owner == owner:
                return
            raise Conflict(
                f"account {account_id!r} already exists as a {existing.kind} account of "
                f"{existing.owner!r}, not the {kind} account of {owner!r}"
            )
        self.connection.execute(
            schema.accounts.insert().values(
                id=account_id, kind=kind.value, owner=owner, opened_at=at
            )
        )
