"""SQL of the compliance cycle: surrenders, deadline extensions, closed years, penalties and
the penalty deductions owed from next year's allocation.

Every method runs on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, select

from openets.db import schema
from openets.mrv.reports import ReportStatus

__all__ = [
    "ClosedYear",
    "ComplianceStore",
    "Extension",
    "PenaltyRecord",
    "StoredLine",
    "StoredSurrender",
    "Used",
]

_SU = schema.surrenders
_SL = schema.surrender_lines
_PE = schema.penalties
_CY = schema.closed_years
_DX = schema.deadline_extensions
_DE = schema.deductions
_EN = schema.mrv_entities


@dataclass(frozen=True, slots=True)
class StoredLine:
    """One line of a recorded surrender: allowances of one code, or the credits of one
    offset instrument from one project (with its type and province)."""

    instrument: str
    quantity: int
    is_offset: bool
    project_id: str | None = None
    project_type: str | None = None
    province: str | None = None


@dataclass(frozen=True, slots=True)
class StoredSurrender:
    id: int
    entity_id: str
    year: int
    entry_seq: int
    key: str | None
    fingerprint: str
    actor: str
    at: str
    lines: tuple[StoredLine, ...]


@dataclass(frozen=True, slots=True)
class Used:
    """What one entity has surrendered so far for one compliance year, in tonnes."""

    allowances: int = 0
    offsets: int = 0
    ccer: int = 0
    ccer_local: int = 0  # CCER from projects in the jurisdiction's province


@dataclass(frozen=True, slots=True)
class Extension:
    """A regulator's extension of one deadline of one jurisdiction and year."""

    jurisdiction: str
    year: int
    deadline: str
    until: date
    reason: str
    actor: str
    at: str


@dataclass(frozen=True, slots=True)
class ClosedYear:
    jurisdiction: str
    year: int
    actor: str
    at: str


@dataclass(frozen=True, slots=True)
class PenaltyRecord:
    """The penalty of one entity for one year, as recorded when the year was closed.
    ``price_fen`` (fen per tonne) and ``multiple`` are exact decimal or fraction text."""

    year: int
    entity_id: str
    jurisdiction: str
    verified: int
    surrendered: int
    shortfall: int
    deduction_next_year: int
    fine_fen: int
    price_fen: str | None
    multiple: str | None
    at: str


def _line(row: Row[Any]) -> StoredLine:
    return StoredLine(
        instrument=row.instrument,
        quantity=int(row.quantity),
        is_offset=bool(row.is_offset),
        project_id=row.project_id,
        project_type=row.project_type,
        province=row.province,
    )


def _penalty(row: Row[Any]) -> PenaltyRecord:
    return PenaltyRecord(
        year=int(row.year),
        entity_id=row.entity_id,
        jurisdiction=row.jurisdiction,
        verified=int(row.verified),
        surrendered=int(row.surrendered),
        shortfall=int(row.shortfall),
        deduction_next_year=int(row.deduction_next_year),
        fine_fen=int(row.fine_fen),
        price_fen=row.price_fen,
        multiple=row.multiple,
        at=row.at,
    )


def same_province(a: str | None, b: str | None) -> bool:
    """Provinces compare without regard to case or surrounding spaces."""
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


class ComplianceStore:
    """Reads and writes of the compliance tables on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- surrenders

    def _surrender(self, row: Row[Any] | None) -> StoredSurrender | None:
        if row is None:
            return None
        lines = self.connection.execute(
            select(_SL).where(_SL.c.surrender_id == row.id).order_by(_SL.c.n)
        ).all()
        return StoredSurrender(
            id=int(row.id),
            entity_id=row.entity_id,
            year=int(row.year),
            entry_seq=int(row.entry_seq),
            key=row.idem_key,
            fingerprint=row.fingerprint,
            actor=row.actor,
            at=row.at,
            lines=tuple(_line(r) for r in lines),
        )

    def surrender_by_key(self, key: str) -> StoredSurrender | None:
        return self._surrender(
            self.connection.execute(select(_SU).where(_SU.c.idem_key == key)).first()
        )

    def surrenders_of(self, entity_id: str, year: int) -> list[StoredSurrender]:
        rows = self.connection.execute(
            select(_SU).where(_SU.c.entity_id == entity_id, _SU.c.year == year).order_by(_SU.c.id)
        ).all()
        found = [self._surrender(row) for row in rows]
        return [s for s in found if s is not None]

    def insert_surrender(
        self,
        *,
        entity_id: str,
        year: int,
        entry_seq: int,
        key: str | None,
        fingerprint: str,
        actor: str,
        at: str,
        lines: Sequence[StoredLine],
    ) -> int:
        result = self.connection.execute(
            _SU.insert().values(
                entity_id=entity_id,
                year=year,
                entry_seq=entry_seq,
                idem_key=key,
                fingerprint=fingerprint,
                actor=actor,
                at=at,
            )
        )
        primary = result.inserted_primary_key
        assert primary is not None
        surrender_id = int(primary[0])
        self.connection.execute(
            _SL.insert(),
            [
                {
                    "surrender_id": surrender_id,
                    "n": n,
                    "instrument": line.instrument,
                    "quantity": line.quantity,
                    "is_offset": line.is_offset,
                    "project_id": line.project_id,
                    "project_type": line.project_type,
                    "province": line.province,
                }
                for n, line in enumerate(lines)
            ],
        )
        return surrender_id

    def used(self, entity_id: str, year: int, local_province: str | None) -> Used:
        """Tonnes ``entity_id`` has surrendered for ``year`` so far, by kind."""
        query = (
            select(_SL.c.instrument, _SL.c.quantity, _SL.c.is_offset, _SL.c.province)
            .join(_SU, _SU.c.id == _SL.c.surrender_id)
            .where(_SU.c.entity_id == entity_id, _SU.c.year == year)
        )
        allowances = offsets = ccer = local = 0
        for instrument, quantity, is_offset, province in self.connection.execute(query):
            amount = int(quantity)
            if not is_offset:
                allowances += amount
                continue
            offsets += amount
            if instrument == "CCER":
                ccer += amount
                if same_province(province, local_province):
                    local += amount
        return Used(allowances, offsets, ccer, local)

    def totals(self, year: int) -> dict[str, tuple[int, int]]:
        """``{entity: (allowances, offsets)}`` surrendered for ``year``."""
        query = (
            select(_SU.c.entity_id, _SL.c.is_offset, func.sum(_SL.c.quantity))
            .join(_SU, _SU.c.id == _SL.c.surrender_id)
            .where(_SU.c.year == year)
            .group_by(_SU.c.entity_id, _SL.c.is_offset)
        )
        result: dict[str, tuple[int, int]] = {}
        for entity_id, is_offset, total in self.connection.execute(query):
            allowances, offsets = result.get(entity_id, (0, 0))
            if is_offset:
                offsets += int(total or 0)
            else:
                allowances += int(total or 0)
            result[entity_id] = (allowances, offsets)
        return result

    def market_offsets(self, jurisdiction: str, year: int) -> int:
        """Offsets surrendered for ``year`` by every entity of ``jurisdiction``."""
        query = (
            select(func.coalesce(func.sum(_SL.c.quantity), 0))
            .select_from(_SL.join(_SU, _SU.c.id == _SL.c.surrender_id))
            .join(_EN, _EN.c.id == _SU.c.entity_id)
            .where(
                _SU.c.year == year, _SL.c.is_offset.is_(True), _EN.c.jurisdiction == jurisdiction
            )
        )
        return int(self.connection.execute(query).scalar_one())

    def issuance_ranges(self, instrument: str, first: int, last: int) -> list[tuple[int, int, str]]:
        """``(serial_start, serial_end, project)`` of the offset issuances of ``instrument``
        that meet the serials ``first..last``, by serial."""
        issuances = schema.offset_issuances
        query = (
            select(issuances.c.serial_start, issuances.c.serial_end, issuances.c.project_id)
            .where(
                issuances.c.instrument == instrument,
                issuances.c.serial_end >= first,
                issuances.c.serial_start <= last,
            )
            .order_by(issuances.c.serial_start)
        )
        return [(int(s), int(e), str(p)) for s, e, p in self.connection.execute(query)]

    # --- calendar

    def extensions(self, jurisdiction: str, year: int) -> dict[str, Extension]:
        rows = self.connection.execute(
            select(_DX).where(_DX.c.jurisdiction == jurisdiction, _DX.c.year == year)
        ).all()
        return {
            row.deadline: Extension(
                jurisdiction=row.jurisdiction,
                year=int(row.year),
                deadline=row.deadline,
                until=date.fromisoformat(row.until),
                reason=row.reason,
                actor=row.actor,
                at=row.at,
            )
            for row in rows
        }

    def save_extension(self, extension: Extension) -> None:
        """Record ``extension``, replacing an earlier one of the same deadline."""
        self.connection.execute(
            _DX.delete().where(
                _DX.c.jurisdiction == extension.jurisdiction,
                _DX.c.year == extension.year,
                _DX.c.deadline == extension.deadline,
            )
        )
        self.connection.execute(
            _DX.insert().values(
                jurisdiction=extension.jurisdiction,
                year=extension.year,
                deadline=extension.deadline,
                until=extension.until.isoformat(),
                reason=extension.reason,
                actor=extension.actor,
                at=extension.at,
            )
        )

    # --- closing

    def closed_years(self, year: int) -> dict[str, ClosedYear]:
        """The jurisdictions whose ``year`` is closed."""
        rows = self.connection.execute(select(_CY).where(_CY.c.year == year)).all()
        return {
            row.jurisdiction: ClosedYear(row.jurisdiction, int(row.year), row.actor, row.at)
            for row in rows
        }

    def insert_closed(self, closed: ClosedYear) -> None:
        self.connection.execute(
            _CY.insert().values(
                jurisdiction=closed.jurisdiction, year=closed.year, actor=closed.actor, at=closed.at
            )
        )

    def penalties(
        self, year: int, jurisdictions: Iterable[str] | None = None
    ) -> list[PenaltyRecord]:
        query = select(_PE).where(_PE.c.year == year).order_by(_PE.c.entity_id)
        if jurisdictions is not None:
            query = query.where(_PE.c.jurisdiction.in_(list(jurisdictions)))
        return [_penalty(r) for r in self.connection.execute(query)]

    def insert_penalty(self, record: PenaltyRecord) -> None:
        self.connection.execute(
            _PE.insert().values(
                year=record.year,
                entity_id=record.entity_id,
                jurisdiction=record.jurisdiction,
                verified=record.verified,
                surrendered=record.surrendered,
                shortfall=record.shortfall,
                deduction_next_year=record.deduction_next_year,
                fine_fen=record.fine_fen,
                price_fen=record.price_fen,
                multiple=record.multiple,
                at=record.at,
            )
        )

    def insert_deduction(
        self, entity_id: str, origin: str, origin_year: int, tonnes: int, created_at: str
    ) -> None:
        self.connection.execute(
            _DE.insert().values(
                entity_id=entity_id,
                origin=origin,
                origin_year=origin_year,
                tonnes=tonnes,
                deducted=0,
                created_at=created_at,
            )
        )

    # --- MRV figures the cycle reads

    def jurisdictions_present(self) -> list[str]:
        """The jurisdictions of the entities in the database, sorted."""
        rows = self.connection.execute(select(_EN.c.jurisdiction).distinct())
        return sorted(str(r[0]) for r in rows)

    def approved_created(self, year: int) -> dict[str, str]:
        """``{entity: created_at}`` of the approved report of ``year`` (UTC text)."""
        reports = schema.mrv_reports
        query = select(reports.c.entity_id, reports.c.created_at).where(
            reports.c.year == year, reports.c.status == ReportStatus.APPROVED.value
        )
        return {str(entity): str(created) for entity, created in self.connection.execute(query)}
