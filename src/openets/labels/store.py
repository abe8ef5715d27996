"""SQL of carbon labels: the registry's signing key, certificates (issued and imported) and
enterprise evaluations. Every method runs on the caller's connection and transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from openets.db.tables_labels import label_certificates, label_evaluations, label_keys

__all__ = ["LabelStore", "StoredEvaluation", "StoredKey", "StoredLabel"]

_LC = label_certificates
_EV = label_evaluations


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_id: str
    private_pem: str
    public_pem: str
    created_at: str


@dataclass(frozen=True, slots=True)
class StoredLabel:
    """A certificate as the registry holds it: issued here (signed ``document``) or imported
    from a recognised scheme (the foreign ``document``)."""

    id: str
    origin: str  # issued | imported
    scheme: str
    product: str
    company: str
    per_unit_kgco2e: str
    valid_until: date
    document: dict[str, Any]
    footprint: dict[str, Any] | None
    actor: str
    at: str
    fingerprint: str | None = None
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class StoredEvaluation:
    id: int
    enterprise: str
    entity_id: str | None
    grade: str
    score: str
    document: dict[str, Any]
    actor: str
    at: str


def _label(row: Row[Any]) -> StoredLabel:
    return StoredLabel(
        id=row.id,
        origin=row.origin,
        scheme=row.scheme,
        product=row.product,
        company=row.company,
        per_unit_kgco2e=row.per_unit_kgco2e,
        valid_until=date.fromisoformat(row.valid_until),
        document=json.loads(row.document),
        footprint=json.loads(row.footprint) if row.footprint else None,
        actor=row.actor,
        at=row.at,
        fingerprint=row.fingerprint,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoked_reason=row.revoked_reason,
    )


def _json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True)


class LabelStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- the signing key --------------------------------------------------------------------

    def signing_key(self) -> StoredKey | None:
        """The registry's key (the first one created; there is one)."""
        row = self.connection.execute(
            select(label_keys).order_by(label_keys.c.created_at, label_keys.c.key_id).limit(1)
        ).first()
        if row is None:
            return None
        return StoredKey(row.key_id, row.private_pem, row.public_pem, row.created_at)

    def add_key(self, key: StoredKey) -> None:
        self.connection.execute(
            label_keys.insert().values(
                key_id=key.key_id,
                private_pem=key.private_pem,
                public_pem=key.public_pem,
                created_at=key.created_at,
            )
        )

    # --- certificates -----------------------------------------------------------------------

    def count_with_prefix(self, prefix: str) -> int:
        query = select(func.count()).select_from(_LC).where(_LC.c.id.like(f"{prefix}%"))
        return int(self.connection.execute(query).scalar_one())

    def add_label(self, label: StoredLabel, key: str | None) -> None:
        self.connection.execute(
            _LC.insert().values(
                id=label.id,
                origin=label.origin,
                scheme=label.scheme,
                product=label.product,
                company=label.company,
                per_unit_kgco2e=label.per_unit_kgco2e,
                valid_until=label.valid_until.isoformat(),
                document=_json(label.document),
                footprint=None if label.footprint is None else _json(label.footprint),
                actor=label.actor,
                at=label.at,
                idem_key=key,
                fingerprint=label.fingerprint,
            )
        )

    def label(self, label_id: str) -> StoredLabel | None:
        row = self.connection.execute(select(_LC).where(_LC.c.id == label_id)).first()
        return None if row is None else _label(row)

    def label_by_key(self, key: str) -> StoredLabel | None:
        row = self.connection.execute(select(_LC).where(_LC.c.idem_key == key)).first()
        return None if row is None else _label(row)

    def labels(self, company: str | None = None, limit: int = 500) -> list[StoredLabel]:
        query = select(_LC).order_by(_LC.c.at.desc(), _LC.c.id.desc()).limit(limit)
        if company is not None:
            query = query.where(_LC.c.company == company)
        return [_label(row) for row in self.connection.execute(query)]

    def revoke(self, label_id: str, at: str, by: str, reason: str) -> None:
        self.connection.execute(
            update(_LC)
            .where(_LC.c.id == label_id, _LC.c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by, revoked_reason=reason)
        )

    # --- evaluations ------------------------------------------------------------------------

    def add_evaluation(
        self,
        enterprise: str,
        entity_id: str | None,
        config_version: str,
        grade: str,
        score: str,
        document: dict[str, Any],
        actor: str,
        at: str,
    ) -> int:
        result = self.connection.execute(
            _EV.insert()
            .values(
                enterprise=enterprise,
                entity_id=entity_id,
                config_version=config_version,
                grade=grade,
                score=score,
                document=_json(document),
                actor=actor,
                at=at,
            )
            .returning(_EV.c.id)
        )
        return int(result.scalar_one())

    def evaluations(
        self, enterprise: str | None = None, limit: int = 200
    ) -> list[StoredEvaluation]:
        query = select(_EV).order_by(_EV.c.id.desc()).limit(limit)
        if enterprise is not None:
            query = query.where(_EV.c.enterprise == enterprise)
        return [
            StoredEvaluation(
                id=int(row.id),
                enterprise=row.enterprise,
                entity_id=row.entity_id,
                grade=row.grade,
                score=row.score,
                document=json.loads(row.document),
                actor=row.actor,
                at=row.at,
            )
            for row in self.connection.execute(query)
        ]
