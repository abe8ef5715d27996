"""SQL of the offsets capability: projects, monitoring reports, issuances, sales, certificates."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, select

from openets.db import schema
from openets.offsets.projects import (
    Certificate,
    CertificateBlock,
    Issuance,
    MonitoringReport,
    Period,
    Project,
    ProjectStatus,
    ReportStatus,
    Sale,
)
from openets.registry.model import CANCELLATION_ACCOUNT, RETIREMENT_ACCOUNT

__all__ = ["OffsetStore"]

_P = schema.offset_projects
_R = schema.offset_reports
_I = schema.offset_issuances
_S = schema.offset_sales
_C = schema.offset_certificates


def _project(row: Row[Any]) -> Project:
    crediting = (
        (int(row.crediting_start), int(row.crediting_end))
        if row.crediting_start is not None
        else None
    )
    return Project(
        id=row.id,
        account=row.account_id,
        owner=row.owner,
        scheme=row.scheme,
        project_type=row.project_type,
        methodology=row.methodology,
        province=row.province,
        city=row.city,
        county=row.county,
        tags=tuple(t for t in row.tags.split(",") if t),
        crediting=crediting,
        status=ProjectStatus(row.status),
        created_at=row.created_at,
    )


def _report(row: Row[Any]) -> MonitoringReport:
    return MonitoringReport(
        id=row.id,
        project_id=row.project_id,
        period=Period(date.fromisoformat(row.period_start), date.fromisoformat(row.period_end)),
        inputs=row.inputs,
        claimed=int(row.claimed),
        computed=int(row.computed),
        exact=row.exact,
        detail=json.loads(row.detail),
        status=ReportStatus(row.status),
        submitted_by=row.submitted_by,
        verified_by=row.verified_by,
        approved_by=row.approved_by,
        created_at=row.created_at,
    )


def _issuance(row: Row[Any]) -> Issuance:
    return Issuance(
        project_id=row.project_id,
        year=int(row.year),
        instrument=row.instrument,
        quantity=int(row.quantity),
        entry_seq=int(row.entry_seq),
        serial_start=int(row.serial_start),
        serial_end=int(row.serial_end),
        provenance=row.provenance,
        issued_at=row.issued_at,
        key=row.idem_key,
    )


def _certificate(row: Row[Any]) -> Certificate:
    blocks = tuple(CertificateBlock(*block) for block in json.loads(row.blocks))
    return Certificate(
        id=row.id,
        account=row.account_id,
        instrument=row.instrument,
        quantity=int(row.quantity),
        beneficiary=row.beneficiary,
        purpose=row.purpose,
        entry_seq=int(row.entry_seq),
        retired_at=row.retired_at,
        blocks=blocks,
    )


class OffsetStore:
    """Reads and writes of the offsets tables on one connection (inside a transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- projects

    def _projects(self) -> Any:
        owner = schema.accounts.c.owner.label("owner")
        return select(_P, owner).join(schema.accounts, schema.accounts.c.id == _P.c.account_id)

    def load_project(self, project_id: str) -> Project | None:
        row = self.connection.execute(self._projects().where(_P.c.id == project_id)).first()
        return _project(row) if row is not None else None

    def projects(
        self,
        scheme: str | None = None,
        project_type: str | None = None,
        city: str | None = None,
        tag: str | None = None,
    ) -> list[Project]:
        query = self._projects().order_by(_P.c.id)
        if scheme:
            query = query.where(_P.c.scheme == scheme)
        if project_type:
            query = query.where(_P.c.project_type == project_type)
        if city:
            query = query.where(_P.c.city == city)
        found = [_project(r) for r in self.connection.execute(query)]
        return [p for p in found if tag in p.tags] if tag else found

    def insert_project(self, project: Project) -> None:
        self.connection.execute(
            _P.insert().values(
                id=project.id,
                account_id=project.account,
                scheme=project.scheme,
                project_type=project.project_type,
                methodology=project.methodology,
                province=project.province,
                city=project.city,
                county=project.county,
                tags=",".join(project.tags),
                crediting_start=project.crediting[0] if project.crediting else None,
                crediting_end=project.crediting[1] if project.crediting else None,
                status=project.status.value,
                created_at=project.created_at,
            )
        )

    def set_status(self, project_id: str, status: ProjectStatus) -> None:
        self.connection.execute(
            _P.update().where(_P.c.id == project_id).values(status=status.value)
        )

    # --- monitoring reports

    def reports(self, project_id: str) -> list[MonitoringReport]:
        query = select(_R).where(_R.c.project_id == project_id).order_by(_R.c.period_start)
        return [_report(r) for r in self.connection.execute(query)]

    def load_report(self, report_id: str) -> MonitoringReport | None:
        row = self.connection.execute(select(_R).where(_R.c.id == report_id)).first()
        return _report(row) if row is not None else None

    def report_count(self, project_id: str) -> int:
        query = select(func.count()).select_from(_R).where(_R.c.project_id == project_id)
        return int(self.connection.execute(query).scalar_one())

    def insert_report(self, report: MonitoringReport) -> None:
        self.connection.execute(
            _R.insert().values(
                id=report.id,
                project_id=report.project_id,
                period_start=report.period.start.isoformat(),
                period_end=report.period.end.isoformat(),
                year=report.period.year,
                inputs=report.inputs,
                claimed=report.claimed,
                computed=report.computed,
                exact=report.exact,
                detail=json.dumps(report.detail, sort_keys=True),
                status=report.status.value,
                submitted_by=report.submitted_by,
                created_at=report.created_at,
            )
        )

    def update_report(self, report_id: str, **values: Any) -> None:
        self.connection.execute(_R.update().where(_R.c.id == report_id).values(**values))

    # --- issuances

    def issuances(
        self, project_id: str | None = None, instrument: str | None = None
    ) -> list[Issuance]:
        query = select(_I).order_by(_I.c.instrument, _I.c.serial_start)
        if project_id is not None:
            query = query.where(_I.c.project_id == project_id).order_by(None).order_by(_I.c.year)
        if instrument is not None:
            query = query.where(_I.c.instrument == instrument)
        return [_issuance(r) for r in self.connection.execute(query)]

    def issuance_by_key(self, key: str) -> Issuance | None:
        row = self.connection.execute(select(_I).where(_I.c.idem_key == key)).first()
        return _issuance(row) if row is not None else None

    def issuance_at(self, instrument: str, serial: int) -> Issuance | None:
        query = (
            select(_I)
            .where(_I.c.instrument == instrument)
            .where(_I.c.serial_start <= serial)
            .where(_I.c.serial_end >= serial)
        )
        row = self.connection.execute(query).first()
        return _issuance(row) if row is not None else None

    def insert_issuance(self, issuance: Issuance) -> None:
        self.connection.execute(
            _I.insert().values(
                project_id=issuance.project_id,
                year=issuance.year,
                instrument=issuance.instrument,
                quantity=issuance.quantity,
                entry_seq=issuance.entry_seq,
                serial_start=issuance.serial_start,
                serial_end=issuance.serial_end,
                provenance=issuance.provenance,
                issued_at=issuance.issued_at,
                idem_key=issuance.key,
            )
        )

    def issued_by_project(self) -> dict[str, int]:
        query = select(_I.c.project_id, func.sum(_I.c.quantity)).group_by(_I.c.project_id)
        return {p: int(q) for p, q in self.connection.execute(query)}

    # --- sales

    def sales(self, project_id: str) -> list[Sale]:
        query = select(_S).where(_S.c.project_id == project_id).order_by(_S.c.id)
        return [
            Sale(
                id=int(r.id),
                project_id=r.project_id,
                quantity=int(r.quantity),
                price_fen=int(r.price_fen),
                income_fen=int(r.income_fen),
                buyer=r.buyer,
                date=r.sale_date,
                recorded_by=r.recorded_by,
                recorded_at=r.recorded_at,
            )
            for r in self.connection.execute(query)
        ]

    def sold_by_project(self) -> dict[str, tuple[int, int]]:
        """(tonnes sold, income in fen) by project."""
        query = select(_S.c.project_id, func.sum(_S.c.quantity), func.sum(_S.c.income_fen))
        return {
            p: (int(q), int(i))
            for p, q, i in self.connection.execute(query.group_by(_S.c.project_id))
        }

    def insert_sale(self, sale: Sale) -> int:
        result = self.connection.execute(
            _S.insert().values(
                project_id=sale.project_id,
                quantity=sale.quantity,
                price_fen=sale.price_fen,
                income_fen=sale.income_fen,
                buyer=sale.buyer,
                sale_date=sale.date,
                recorded_by=sale.recorded_by,
                recorded_at=sale.recorded_at,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    # --- serials leaving circulation

    def removed_ranges(self, instrument: str) -> list[tuple[int, int, int]]:
        """(start, end, sign) of every serial range posted to the retirement or cancellation
        account: +1 moved in, −1 moved back out (a correction)."""
        p = schema.postings
        query = (
            select(p.c.serial_start, p.c.serial_end, p.c.amount)
            .where(p.c.instrument == instrument)
            .where(p.c.account_id.in_([RETIREMENT_ACCOUNT, CANCELLATION_ACCOUNT]))
            .where(p.c.serial_start.is_not(None))
        )
        return [
            (int(s), int(e), 1 if int(a) > 0 else -1) for s, e, a in self.connection.execute(query)
        ]

    # --- certificates

    def load_certificate(self, certificate_id: str) -> Certificate | None:
        row = self.connection.execute(select(_C).where(_C.c.id == certificate_id)).first()
        return _certificate(row) if row is not None else None

    def certificate_by_entry(self, seq: int) -> Certificate | None:
        row = self.connection.execute(select(_C).where(_C.c.entry_seq == seq)).first()
        return _certificate(row) if row is not None else None

    def certificate_count(self, year: int) -> int:
        query = select(func.count()).select_from(_C).where(_C.c.year == year)
        return int(self.connection.execute(query).scalar_one())

    def insert_certificate(self, certificate: Certificate, year: int) -> None:
        blocks = [
            [b.serial_start, b.serial_end, b.project_id, b.vintage] for b in certificate.blocks
        ]
        self.connection.execute(
            _C.insert().values(
                id=certificate.id,
                year=year,
                account_id=certificate.account,
                instrument=certificate.instrument,
                quantity=certificate.quantity,
                beneficiary=certificate.beneficiary,
                purpose=certificate.purpose,
                entry_seq=certificate.entry_seq,
                blocks=json.dumps(blocks),
                retired_at=certificate.retired_at,
            )
        )
