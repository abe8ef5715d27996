"""Loading and saving MRV state on one open connection (the caller owns the transaction).

Decimal figures are stored as fixed-point text (:func:`~openets.mrv.reports.decimal_text`)
and read back with ``Decimal(text)``: exact, and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, func, select

from openets.db import schema
from openets.errors import NotFound
from openets.mrv.calc import decimal_text
from openets.mrv.entities import Entity, Facility, Jurisdiction, Sector, SourceStream
from openets.mrv.model import SourceKind, Unit
from openets.mrv.reports import (
    AdjustmentRecord,
    Calculation,
    FacilityTotal,
    QualityFlag,
    Report,
    ReportAction,
    ReportLine,
    ReportStatus,
    ReportSummary,
    Transition,
    optional_text,
)

_entities = schema.mrv_entities
_facilities = schema.mrv_facilities
_streams = schema.mrv_plan_streams
_reports = schema.mrv_reports
_lines = schema.mrv_report_lines
_adjustments = schema.mrv_adjustments
_transitions = schema.mrv_transitions
_flags = schema.mrv_quality_flags


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _breakdown(
    by_source: Mapping[str, Decimal], facilities: Sequence[FacilityTotal]
) -> dict[str, str]:
    """The JSON columns ``by_source`` and ``by_facility`` of a report."""
    return {
        "by_source": json.dumps({k: decimal_text(v) for k, v in sorted(by_source.items())}),
        "by_facility": json.dumps(
            [
                [
                    f.facility_id,
                    decimal_text(f.total_tco2),
                    f.compliance_tco2,
                    decimal_text(f.biomass_tco2),
                ]
                for f in facilities
            ]
        ),
    }


@dataclass(frozen=True, slots=True)
class KeyUse:
    """An earlier use of an idempotency key: the report and the request's digest."""

    report_id: str
    action: str
    fingerprint: str


class MrvStore:
    """SQL of MRV on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- entities and facilities --------------------------------------------------------

    @staticmethod
    def _entity(row: Row[Any]) -> Entity:
        return Entity(
            row.id, row.name, Sector(row.sector), Jurisdiction(row.jurisdiction), row.created_at
        )

    def load_entity(self, entity_id: str) -> Entity | None:
        row = self.connection.execute(select(_entities).where(_entities.c.id == entity_id)).first()
        return None if row is None else self._entity(row)

    def existing_entity(self, entity_id: str) -> Entity:
        """The entity; NotFound when there is none with that id."""
        entity = self.load_entity(entity_id)
        if entity is None:
            raise NotFound(f"entity {entity_id!r} does not exist")
        return entity

    def entities(self, name: str | None = None, sector: Sector | None = None) -> list[Entity]:
        query = select(_entities).order_by(_entities.c.id)
        if name is not None:
            query = query.where(_entities.c.name == name)
        if sector is not None:
            query = query.where(_entities.c.sector == sector.value)
        return [self._entity(row) for row in self.connection.execute(query)]

    def insert_entity(self, entity: Entity) -> None:
        self.connection.execute(
            _entities.insert().values(
                id=entity.id,
                name=entity.name,
                sector=entity.sector.value,
                jurisdiction=entity.jurisdiction.value,
                created_at=entity.created_at,
            )
        )

    @staticmethod
    def _facility(row: Row[Any]) -> Facility:
        return Facility(row.id, row.entity_id, row.name, row.city, row.created_at)

    def load_facility(self, facility_id: str) -> Facility | None:
        query = select(_facilities).where(_facilities.c.id == facility_id)
        row = self.connection.execute(query).first()
        return None if row is None else self._facility(row)

    def facilities_of(self, entity_id: str) -> list[Facility]:
        query = (
            select(_facilities)
            .where(_facilities.c.entity_id == entity_id)
            .order_by(_facilities.c.id)
        )
        return [self._facility(row) for row in self.connection.execute(query)]

    def insert_facility(self, facility: Facility) -> None:
        self.connection.execute(
            _facilities.insert().values(
                id=facility.id,
                entity_id=facility.entity_id,
                name=facility.name,
                city=facility.city,
                created_at=facility.created_at,
            )
        )

    def streams_of(self, facility_ids: Iterable[str]) -> list[SourceStream]:
        ids = sorted(set(facility_ids))
        if not ids:
            return []
        query = (
            select(_streams)
            .where(_streams.c.facility_id.in_(ids))
            .order_by(_streams.c.facility_id, _streams.c.source, _streams.c.item)
        )
        return [
            SourceStream(row.facility_id, SourceKind(row.source), row.item, row.method)
            for row in self.connection.execute(query)
        ]

    def insert_stream(self, stream: SourceStream, created_at: str) -> None:
        self.connection.execute(
            _streams.insert().values(
                facility_id=stream.facility_id,
                source=stream.source.value,
                item=stream.item,
                method=stream.method,
                created_at=created_at,
            )
        )

    # --- reports: headers -----------------------------------------------------------------

    @staticmethod
    def _header(row: Row[Any]) -> Report:
        return Report(
            id=row.id,
            entity_id=row.entity_id,
            year=int(row.year),
            version=int(row.version),
            status=ReportStatus(row.status),
            total_tco2=Decimal(row.total_tco2),
            compliance_tco2=int(row.compliance_tco2),
            biomass_tco2=Decimal(row.biomass_tco2),
            output=_decimal(row.output),
            supersedes=row.supersedes,
            verifier=row.verifier,
            created_at=row.created_at,
            by_source={k: Decimal(v) for k, v in json.loads(row.by_source).items()},
            facilities=tuple(
                FacilityTotal(f, Decimal(total), int(compliance), Decimal(biomass))
                for f, total, compliance, biomass in json.loads(row.by_facility)
            ),
            provenance=row.provenance,
            energy_tce=_decimal(row.energy_tce),
        )

    def load_header(self, report_id: str, lock: bool = False) -> Report | None:
        """The report without lines and history; ``lock`` holds its row until commit."""
        query = select(_reports).where(_reports.c.id == report_id)
        if lock:
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return None if row is None else self._header(row)

    def latest_version(self, entity_id: str, year: int) -> Report | None:
        query = (
            select(_reports)
            .where(_reports.c.entity_id == entity_id, _reports.c.year == year)
            .order_by(_reports.c.version.desc())
            .limit(1)
        )
        row = self.connection.execute(query).first()
        return None if row is None else self._header(row)

    def approved(self, entity_id: str, year: int) -> Report | None:
        """The approved (not superseded) version of an entity's report for a year."""
        query = select(_reports).where(
            _reports.c.entity_id == entity_id,
            _reports.c.year == year,
            _reports.c.status == ReportStatus.APPROVED.value,
        )
        row = self.connection.execute(query).first()
        return None if row is None else self._header(row)

    def approved_of(self, entity_id: str) -> list[Report]:
        """Every approved report of an entity, by year."""
        query = (
            select(_reports)
            .where(
                _reports.c.entity_id == entity_id,
                _reports.c.status == ReportStatus.APPROVED.value,
            )
            .order_by(_reports.c.year)
        )
        return [self._header(row) for row in self.connection.execute(query)]

    def summaries(
        self,
        *,
        entity_name: str | None = None,
        verifier: str | None = None,
        status: ReportStatus | None = None,
        entity_id: str | None = None,
        year: int | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[ReportSummary]:
        """Reports by id (``limit + 1`` at most, so a caller can tell there are more)."""
        flag_count = (
            select(_flags.c.report_id, func.count().label("flags"))
            .group_by(_flags.c.report_id)
            .subquery()
        )
        query = (
            select(_reports, _entities.c.name.label("entity_name"), flag_count.c.flags)
            .join(_entities, _entities.c.id == _reports.c.entity_id)
            .outerjoin(flag_count, flag_count.c.report_id == _reports.c.id)
            .order_by(_reports.c.id)
            .limit(limit + 1)
        )
        if entity_name is not None:
            query = query.where(_entities.c.name == entity_name)
        if verifier is not None:
            query = query.where(_reports.c.verifier == verifier)
        if status is not None:
            query = query.where(_reports.c.status == status.value)
        if entity_id is not None:
            query = query.where(_reports.c.entity_id == entity_id)
        if year is not None:
            query = query.where(_reports.c.year == year)
        if after:
            query = query.where(_reports.c.id > after)
        return [
            ReportSummary(
                id=row.id,
                entity_id=row.entity_id,
                entity_name=row.entity_name,
                year=int(row.year),
                version=int(row.version),
                status=ReportStatus(row.status),
                total_tco2=Decimal(row.total_tco2),
                compliance_tco2=int(row.compliance_tco2),
                biomass_tco2=Decimal(row.biomass_tco2),
                supersedes=row.supersedes,
                verifier=row.verifier,
                created_at=row.created_at,
                flags=int(row.flags or 0),
            )
            for row in self.connection.execute(query)
        ]

    def insert_report(self, report: Report, key: str | None, fingerprint: str | None) -> None:
        self.connection.execute(
            _reports.insert().values(
                id=report.id,
                entity_id=report.entity_id,
                year=report.year,
                version=report.version,
                status=report.status.value,
                total_tco2=decimal_text(report.total_tco2),
                compliance_tco2=report.compliance_tco2,
                biomass_tco2=decimal_text(report.biomass_tco2),
                **_breakdown(report.by_source, report.facilities),
                output=optional_text(report.output),
                supersedes=report.supersedes,
                verifier=report.verifier,
                created_at=report.created_at,
                idem_key=key,
                fingerprint=fingerprint,
                provenance=report.provenance,
                energy_tce=optional_text(report.energy_tce),
            )
        )

    def set_status(self, report_id: str, status: ReportStatus) -> None:
        self.connection.execute(
            _reports.update().where(_reports.c.id == report_id).values(status=status.value)
        )

    def set_verifier(self, report_id: str, verifier: str) -> None:
        self.connection.execute(
            _reports.update().where(_reports.c.id == report_id).values(verifier=verifier)
        )

    def set_calculation(self, report_id: str, calculation: Calculation) -> None:
        """Replace a report's lines and totals with a new calculation."""
        self.connection.execute(
            _reports.update()
            .where(_reports.c.id == report_id)
            .values(
                total_tco2=decimal_text(calculation.total_tco2),
                compliance_tco2=calculation.compliance_tco2,
                biomass_tco2=decimal_text(calculation.biomass_tco2),
                **_breakdown(calculation.by_source, calculation.facilities),
            )
        )
        self.connection.execute(_lines.delete().where(_lines.c.report_id == report_id))
        self.insert_lines(report_id, calculation.lines)

    # --- reports: lines, adjustments, transitions, flags ----------------------------------

    def insert_lines(self, report_id: str, lines: Sequence[ReportLine]) -> None:
        rows = [
            {
                "report_id": report_id,
                "row": line.row,
                "facility_id": line.facility_id,
                "source": line.source.value,
                "item": line.item,
                "quantity": decimal_text(line.quantity),
                "unit": line.unit.value,
                "ncv": optional_text(line.ncv),
                "cc": optional_text(line.cc),
                "of": optional_text(line.of),
                "ef": optional_text(line.ef),
                "tco2": decimal_text(line.tco2),
                "counted": line.counted,
                "factors": json.dumps(
                    {name: decimal_text(value) for name, value in sorted(line.factors.items())}
                ),
                "measured": json.dumps(list(line.measured)),
                "factor_version": line.factor_version,
            }
            for line in lines
        ]
        if rows:
            self.connection.execute(_lines.insert(), rows)

    def load_lines(self, report_id: str) -> tuple[ReportLine, ...]:
        query = select(_lines).where(_lines.c.report_id == report_id).order_by(_lines.c.row)
        return tuple(
            ReportLine(
                row=int(r.row),
                facility_id=r.facility_id,
                source=SourceKind(r.source),
                item=r.item,
                quantity=Decimal(r.quantity),
                unit=Unit(r.unit),
                ncv=_decimal(r.ncv),
                cc=_decimal(r.cc),
                of=_decimal(r.of),
                ef=_decimal(r.ef),
                tco2=Decimal(r.tco2),
                counted=bool(r.counted),
                factors={k: Decimal(v) for k, v in json.loads(r.factors).items()},
                measured=tuple(json.loads(r.measured)),
                factor_version=r.factor_version,
            )
            for r in self.connection.execute(query)
        )

    def _next_n(self, table: Any, report_id: str) -> int:
        query = select(func.max(table.c.n)).where(table.c.report_id == report_id)
        return int(self.connection.execute(query).scalar() or 0) + 1

    def add_adjustments(self, report_id: str, records: Sequence[AdjustmentRecord]) -> None:
        if not records:
            return
        first = self._next_n(_adjustments, report_id)
        self.connection.execute(
            _adjustments.insert(),
            [
                {
                    "report_id": report_id,
                    "n": first + i,
                    "row": a.row,
                    "field": a.field,
                    "original": optional_text(a.original),
                    "adjusted": decimal_text(a.adjusted),
                    "reason": a.reason,
                    "actor": a.by,
                    "actor_role": a.role,
                    "at": a.at,
                }
                for i, a in enumerate(records)
            ],
        )

    def add_transition(
        self,
        report_id: str,
        transition: Transition,
        key: str | None = None,
        fingerprint: str | None = None,
    ) -> None:
        self.connection.execute(
            _transitions.insert().values(
                report_id=report_id,
                n=self._next_n(_transitions, report_id),
                action=transition.action.value,
                from_status=transition.from_status.value if transition.from_status else None,
                to_status=transition.to_status.value,
                actor=transition.by,
                actor_role=transition.role,
                at=transition.at,
                note=transition.note,
                idem_key=key,
                fingerprint=fingerprint,
            )
        )

    def replace_flags(self, report_id: str, flags: Sequence[QualityFlag]) -> None:
        self.connection.execute(_flags.delete().where(_flags.c.report_id == report_id))
        if flags:
            self.connection.execute(
                _flags.insert(),
                [
                    {
                        "report_id": report_id,
                        "n": n,
                        "code": f.code,
                        "facility_id": f.facility_id,
                        "message": f.message,
                    }
                    for n, f in enumerate(flags, start=1)
                ],
            )

    def load_report(self, report_id: str) -> Report | None:
        """The whole report: header, lines, adjustments, transitions and flags."""
        header = self.load_header(report_id)
        if header is None:
            return None
        connection = self.connection
        adjustments = tuple(
            AdjustmentRecord(
                row=int(r.row),
                field=r.field,
                original=_decimal(r.original),
                adjusted=Decimal(r.adjusted),
                reason=r.reason,
                by=r.actor,
                role=r.actor_role,
                at=r.at,
            )
            for r in connection.execute(
                select(_adjustments)
                .where(_adjustments.c.report_id == report_id)
                .order_by(_adjustments.c.n)
            )
        )
        transitions = tuple(
            Transition(
                action=ReportAction(r.action),
                from_status=ReportStatus(r.from_status) if r.from_status else None,
                to_status=ReportStatus(r.to_status),
                by=r.actor,
                role=r.actor_role,
                at=r.at,
                note=r.note,
            )
            for r in connection.execute(
                select(_transitions)
                .where(_transitions.c.report_id == report_id)
                .order_by(_transitions.c.n)
            )
        )
        flags = tuple(
            QualityFlag(r.code, r.message, r.facility_id)
            for r in connection.execute(
                select(_flags).where(_flags.c.report_id == report_id).order_by(_flags.c.n)
            )
        )
        return dataclasses.replace(
            header,
            lines=self.load_lines(report_id),
            adjustments=adjustments,
            transitions=transitions,
            flags=flags,
        )

    # --- idempotency keys -----------------------------------------------------------------

    def report_key(self, key: str) -> KeyUse | None:
        query = select(_reports.c.id, _reports.c.fingerprint).where(_reports.c.idem_key == key)
        row = self.connection.execute(query).first()
        return None if row is None else KeyUse(row.id, ReportAction.CREATE.value, row.fingerprint)

    def transition_key(self, key: str) -> KeyUse | None:
        query = select(
            _transitions.c.report_id, _transitions.c.action, _transitions.c.fingerprint
        ).where(_transitions.c.idem_key == key)
        row = self.connection.execute(query).first()
        return None if row is None else KeyUse(row.report_id, row.action, row.fingerprint)

    # --- users ----------------------------------------------------------------------------

    def user_role(self, name: str) -> str | None:
        users = schema.users
        return self.connection.execute(
            select(users.c.role).where(users.c.name == name)
        ).scalar_one_or_none()
