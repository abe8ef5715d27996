"""Carbon-label use cases: footprint, issue, look up, verify, revoke, export for Hong Kong,
import a recognised foreign certificate, the registry's public key.

Who may (the actor is a :class:`~openets.auth.model.User` or the command-line operator):

- footprint, look-up, verification, the public key and the Hong Kong export: anyone;
- issue: a verifier (who is then the certificate's verifier) or the regulator;
- revoke: the regulator, or the verifier who issued the certificate;
- import a foreign certificate: the regulator.

The registry's Ed25519 signing key is created on first use and kept in ``label_keys``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.labels.certificate import (
    ALGORITHM,
    FIELDS,
    SCHEME,
    Certificate,
    check_certificate,
    key_id,
    load_public_pem,
    public_pem,
    sign,
)
from openets.labels.factors import LabelFactorTable
from openets.labels.footprint import (
    Footprint,
    compute_footprint,
    footprint_view,
    parse_footprint_request,
)
from openets.labels.recognition import hk_export, parse_foreign
from openets.labels.store import LabelStore, StoredKey, StoredLabel
from openets.mrv.permissions import Actor, Operator, is_regulator, who
from openets.registry.model import optional_key

__all__ = [
    "Issued",
    "LabelStatus",
    "Verification",
    "compute",
    "export_hk",
    "get_label",
    "import_foreign",
    "issue",
    "label_status",
    "list_labels",
    "public_key_pem",
    "revoke",
    "verify",
    "verify_offline",
]

MAX_KEY = 200
MAX_REASON = 500
#: The prefix of the ids of certificates issued here: GDCL-<year>-<n, 6 digits>.
ID_PREFIX = "GDCL"


class LabelStatus:
    """What a look-up shows about a certificate."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    RECOGNISED = "recognised"  # an imported certificate of a recognised scheme, still valid


def label_status(label: StoredLabel, on: date) -> str:
    """The status of a stored certificate on day ``on``."""
    if label.revoked:
        return LabelStatus.REVOKED
    if on > label.valid_until:
        return LabelStatus.EXPIRED
    if label.origin == "imported":
        return LabelStatus.RECOGNISED
    if on < date.fromisoformat(str(label.document["valid_from"])):
        return LabelStatus.NOT_YET_VALID
    return LabelStatus.VALID


# --- footprint ------------------------------------------------------------------------------


def compute(data: Any, table: LabelFactorTable | None = None) -> Footprint:
    """The footprint of a footprint document (see :mod:`openets.labels.footprint`)."""
    return compute_footprint(parse_footprint_request(data), table or LabelFactorTable.default())


# --- the signing key ------------------------------------------------------------------------


def _new_key(at: str) -> StoredKey:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public = private.public_key()
    return StoredKey(key_id(public), pem, public_pem(public), at)


def _signing_key(connection: Connection, at: str) -> StoredKey:
    store = LabelStore(connection)
    key = store.signing_key()
    if key is None:
        key = _new_key(at)
        store.add_key(key)
    return key


def _ensure_key(app: App) -> StoredKey:
    with app.reading() as connection:
        key = LabelStore(connection).signing_key()
    if key is not None:
        return key
    at = utc_text(app.clock.now())
    return app.write_unique(lambda connection: _signing_key(connection, at))


def public_key_pem(app: App) -> str:
    """The registry's public key as PEM (the key pair is created on first use)."""
    return _ensure_key(app).public_pem


def _private(key: StoredKey) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(key.private_pem.encode("ascii"), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


# --- issue ----------------------------------------------------------------------------------


def _may_issue(actor: Actor) -> None:
    if isinstance(actor, Operator) or actor.role in (Role.REGULATOR, Role.VERIFIER):
        return
    raise NotAuthorised(f"{who(actor)} may not issue carbon labels: only a verifier or regulator")


def _text(value: str, what: str, limit: int = 200) -> str:
    text = (value or "").strip()
    if not text or len(text) > limit:
        raise InvalidInput(f"{what} must be 1-{limit} characters")
    return text


def _method(footprint: Footprint) -> str:
    request = footprint.request
    allocation = request.allocation
    parts = [
        "ISO 14067:2018 product carbon footprint",
        request.boundary.value,
        f"allocation: {allocation.method.value}" if allocation else "no allocation",
    ]
    versions = sorted({line.factor_version for line in footprint.lines if line.factor_version})
    if versions:
        parts.append("default factors: " + ", ".join(versions))
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Issued:
    """An issued label; ``replayed`` when an idempotency key matched an earlier request."""

    label: StoredLabel
    replayed: bool


def issue(
    app: App,
    data: Any,
    company: str,
    valid_until: date,
    *,
    by: Actor,
    valid_from: date | None = None,
    verifier: str | None = None,
    base_url: str = "http://127.0.0.1:8000",
    key: str | None = None,
) -> Issued:
    """Compute the footprint of ``data``, sign a certificate for ``company`` valid from
    ``valid_from`` (default: today) to ``valid_until``, and record it.

    The verifier is the calling verifier user, else ``verifier``, else the footprint file's
    ``"verifier"``, else the issuer itself (the regulator user, or "registry operator").
    The verification URL is ``<base_url>/labels/<id>``. A retry with the
    same ``key`` and request returns the first certificate; another request is a Conflict.
    """
    _may_issue(by)
    key = optional_key(key, MAX_KEY)
    footprint = compute(data)
    company = _text(company, "company")
    if isinstance(by, User) and by.role is Role.VERIFIER:
        verifier = by.name
    if not verifier:
        # no separate verification body named: the footprint file's, else the issuer itself
        named = data.get("verifier") if isinstance(data, dict) else None
        verifier = named if isinstance(named, str) and named.strip() else _issuer(by)
    verifier = _text(verifier, "verifier (the verification body, --verifier)")
    today = app.today()
    start = valid_from or today
    if valid_until < start:
        raise InvalidInput(f"valid until {valid_until} is before valid from {start}")
    fingerprint = hashlib.sha256(
        json.dumps(
            [data, company, verifier, start.isoformat(), valid_until.isoformat()],
            sort_keys=True,
            default=str,
        ).encode("utf-8")
    ).hexdigest()
    base = base_url.rstrip("/")
    now = app.clock.now()
    at = utc_text(now)
    view = footprint_view(footprint)

    def work(connection: Connection) -> Issued:
        store = LabelStore(connection)
        if key is not None:
            earlier = store.label_by_key(key)
            if earlier is not None:
                if earlier.fingerprint != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another label")
                return Issued(earlier, replayed=True)
        signing = _signing_key(connection, at)
        prefix = f"{ID_PREFIX}-{business_date(now).year}-"
        label_id = f"{prefix}{store.count_with_prefix(prefix) + 1:06d}"
        fields: dict[str, Any] = {
            "id": label_id,
            "scheme": SCHEME,
            "product": footprint.request.product,
            "company": company,
            "declared_unit": footprint.request.declared_unit,
            "per_unit_kgco2e": view["per_unit_kgco2e"],
            "total_kgco2e": view["total_kgco2e"],
            "by_stage": view["by_stage"],
            "boundary": footprint.request.boundary.value,
            "method": _method(footprint),
            "verifier": verifier,
            "issued_on": today.isoformat(),
            "valid_from": start.isoformat(),
            "valid_until": valid_until.isoformat(),
            "verification_url": f"{base}/labels/{label_id}",
            "algorithm": ALGORITHM,
            "key_id": signing.key_id,
        }
        certificate = sign(fields, _private(signing))
        label = StoredLabel(
            id=label_id,
            origin="issued",
            scheme=SCHEME,
            product=fields["product"],
            company=company,
            per_unit_kgco2e=fields["per_unit_kgco2e"],
            valid_until=valid_until,
            document=certificate.document(),
            footprint=view,
            actor=by.name,
            at=at,
            fingerprint=fingerprint,
        )
        store.add_label(label, key)
        return Issued(label, replayed=False)

    return app.write_unique(work)


# --- look up --------------------------------------------------------------------------------


def get_label(app: App, label_id: str) -> StoredLabel:
    """A certificate by id (issued or imported); :class:`NotFound` if there is none."""
    with app.reading() as connection:
        label = LabelStore(connection).label(label_id.strip())
    if label is None:
        raise NotFound(f"carbon label {label_id!r} does not exist")
    return label


def list_labels(app: App, company: str | None = None) -> list[StoredLabel]:
    """Every certificate, newest first (of one company when given)."""
    with app.reading() as connection:
        return LabelStore(connection).labels(company)


# --- verify ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """The answer of a check: ``valid`` when ``problems`` is empty."""

    label_id: str | None
    problems: tuple[str, ...]
    checked_on: date
    online: bool

    @property
    def valid(self) -> bool:
        return not self.problems


def verify_offline(document: Any, public_key: str | bytes, on: date) -> Verification:
    """Check a certificate document with the registry's public key (PEM) alone: the key id,
    the signature over every field, the validity dates. Revocation needs :func:`verify`."""
    certificate = Certificate.from_document(document)
    problems = check_certificate(certificate, load_public_pem(public_key), on)
    return Verification(certificate.id, tuple(problems), on, online=False)


def verify(app: App, document: Any) -> Verification:
    """Check a certificate document against the registry: the offline checks with the
    registry's key, then every field against the registry's record (naming each one that
    differs), and revocation."""
    certificate = Certificate.from_document(document)
    on = app.today()
    key = _ensure_key(app)
    problems = check_certificate(certificate, load_public_pem(key.public_pem), on)
    stored = _record_of(app, certificate)
    if stored is None:
        problems.append(f"unknown certificate: the registry has issued no label {certificate.id}")
    else:
        record = Certificate.from_document(stored.document)
        for name in FIELDS:
            if record.fields[name] != certificate.fields[name]:
                problems.append(f"tampered field {name}: it differs from the registry's record")
        if record.signature != certificate.signature:
            problems.append("tampered signature: it differs from the registry's record")
        if stored.revoked:
            problems.append(f"revoked on {stored.revoked_at}: {stored.revoked_reason}")
    # the offline "bad signature" and the named fields say the same thing twice when the
    # registry knows which field changed; keep both: the first is what anyone can check
    return Verification(certificate.id, tuple(problems), on, online=True)


def _record_of(app: App, certificate: Certificate) -> StoredLabel | None:
    """The registry's record a certificate claims to be: the label of its ``id``, or (when the
    ``id`` was changed) of the id its signed verification URL ends with, preferring the one
    whose signature it carries."""
    url = str(certificate.fields["verification_url"])
    candidates = dict.fromkeys([certificate.id, url.rstrip("/").rsplit("/", 1)[-1]])
    with app.reading() as connection:
        store = LabelStore(connection)
        found = [store.label(label_id) for label_id in candidates if label_id]
    issued = [label for label in found if label is not None and label.origin == "issued"]
    for label in issued:
        if label.document.get("signature") == certificate.signature:
            return label
    return issued[0] if issued else None


# --- revoke ---------------------------------------------------------------------------------


def revoke(app: App, label_id: str, reason: str, *, by: Actor) -> StoredLabel:
    """Revoke a certificate issued here, giving the reason. Refused when it is already revoked
    or was imported; only the regulator or the certificate's verifier may."""
    reason = _text(reason, "reason", MAX_REASON)
    at = utc_text(app.clock.now())

    def work(connection: Connection) -> StoredLabel:
        store = LabelStore(connection)
        label = store.label(label_id.strip())
        if label is None:
            raise NotFound(f"carbon label {label_id!r} does not exist")
        own = (
            isinstance(by, User)
            and by.role is Role.VERIFIER
            and label.document.get("verifier") == by.name
        )
        if not (is_regulator(by) or own):
            raise NotAuthorised(
                f"{who(by)} may not revoke {label.id}: only the regulator or its verifier may"
            )
        if label.origin != "issued":
            raise RuleViolation(f"{label.id} was imported, not issued here: it cannot be revoked")
        if label.revoked:
            raise RuleViolation(f"{label.id} was already revoked on {label.revoked_at}")
        store.revoke(label.id, at, by.name, reason)
        return replace(label, revoked_at=at, revoked_by=by.name, revoked_reason=reason)

    return app.write(work)


# --- mutual recognition ---------------------------------------------------------------------


def export_hk(app: App, label_id: str) -> dict[str, Any]:
    """A certificate issued here in the fields a Hong Kong carbon-label scheme reads."""
    label = get_label(app, label_id)
    if label.origin != "issued":
        raise RuleViolation(f"{label.id} was imported: only labels issued here are exported")
    certificate = Certificate.from_document(label.document)
    return hk_export(certificate, label_status(label, app.today()))


def import_foreign(app: App, document: Mapping[str, Any], *, by: Actor) -> StoredLabel:
    """Record a certificate of a recognised foreign scheme (regulator only). Importing the
    same document again returns the stored one; another document with its number is a
    :class:`Conflict`."""
    if not is_regulator(by):
        raise NotAuthorised(f"{who(by)} may not import certificates: only a regulator may")
    on = app.today()
    foreign = parse_foreign(document, on)
    fingerprint = hashlib.sha256(
        json.dumps(foreign.document, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    at = utc_text(app.clock.now())

    def work(connection: Connection) -> StoredLabel:
        store = LabelStore(connection)
        earlier = store.label(foreign.id)
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise Conflict(f"certificate {foreign.id} is already recorded with other fields")
            return earlier
        label = StoredLabel(
            id=foreign.id,
            origin="imported",
            scheme=foreign.scheme,
            product=foreign.product,
            company=foreign.company,
            per_unit_kgco2e=foreign.per_unit_kgco2e,
            valid_until=foreign.valid_until,
            document=dict(foreign.document),
            footprint=None,
            actor=by.name,
            at=at,
            fingerprint=fingerprint,
        )
        store.add_label(label, None)
        return label

    return app.write_unique(work)


def _issuer(by: Actor) -> str:
    """The issuing body when no verifier is named: the regulator user, or the registry."""
    return by.name if isinstance(by, User) else "registry operator"
