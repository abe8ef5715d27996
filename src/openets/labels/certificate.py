"""Label certificates: their fields, canonical form, Ed25519 signature and the offline check.

A certificate is a flat JSON object (one nested object, ``by_stage``). The registry signs the
**canonical form** of every field but ``signature``: the fields as JSON with keys sorted, no
spaces (``separators=(",", ":")``), non-ASCII kept, encoded as UTF-8. ``signature`` is the
Ed25519 signature of those bytes in base64; ``key_id`` names the signing key (the first 16 hex
digits of the SHA-256 of its raw 32-byte public key).

Anyone holding the registry's public key checks a certificate offline
(:func:`check_certificate`): the key id, the signature over the fields as they are, and the
validity dates against a given day. Revocation is known only to the registry (online check).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from openets.errors import InvalidInput

__all__ = [
    "ALGORITHM",
    "FIELDS",
    "SCHEME",
    "Certificate",
    "canonical_bytes",
    "check_certificate",
    "key_id",
    "load_public_pem",
    "public_pem",
    "sign",
]

ALGORITHM = "Ed25519"
#: The scheme a certificate of this registry belongs to.
SCHEME = "guangdong-carbon-label"

#: Every signed field, in reading order (``signature`` is the one unsigned field).
FIELDS = (
    "id",
    "scheme",
    "product",
    "company",
    "declared_unit",
    "per_unit_kgco2e",
    "total_kgco2e",
    "by_stage",
    "boundary",
    "method",
    "verifier",
    "issued_on",
    "valid_from",
    "valid_until",
    "verification_url",
    "algorithm",
    "key_id",
)


@dataclass(frozen=True, slots=True)
class Certificate:
    """A signed label certificate: ``fields`` (every name of :data:`FIELDS`) and the base64
    Ed25519 ``signature`` over their canonical form."""

    fields: Mapping[str, Any]
    signature: str

    @property
    def id(self) -> str:
        return str(self.fields["id"])

    @property
    def valid_from(self) -> date:
        return date.fromisoformat(str(self.fields["valid_from"]))

    @property
    def valid_until(self) -> date:
        return date.fromisoformat(str(self.fields["valid_until"]))

    def document(self) -> dict[str, Any]:
        """The JSON document: the fields in reading order, then the signature."""
        return {**{name: self.fields[name] for name in FIELDS}, "signature": self.signature}

    @classmethod
    def from_document(cls, document: Any) -> Certificate:
        """A certificate from its JSON document; refuses one that lacks a field, has an
        unknown field, or whose fields are not text (``by_stage``: text by stage)."""
        if not isinstance(document, Mapping):
            raise InvalidInput("a certificate is a JSON object")
        missing = [name for name in (*FIELDS, "signature") if name not in document]
        if missing:
            raise InvalidInput(f"certificate lacks field(s): {', '.join(missing)}")
        extra = sorted(set(document) - {*FIELDS, "signature"})
        if extra:
            raise InvalidInput(f"certificate has unknown field(s): {', '.join(extra)}")
        for name in (*FIELDS, "signature"):
            value = document[name]
            if name == "by_stage":
                if not isinstance(value, Mapping) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in value.items()
                ):
                    raise InvalidInput("certificate field by_stage must map stages to text")
            elif not isinstance(value, str):
                raise InvalidInput(f"certificate field {name} must be text")
        for name in ("issued_on", "valid_from", "valid_until"):
            try:
                date.fromisoformat(document[name])
            except ValueError:
                raise InvalidInput(f"certificate field {name} is not a date") from None
        fields = {name: document[name] for name in FIELDS}
        fields["by_stage"] = dict(document["by_stage"])
        return cls(fields, document["signature"])


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The signed bytes: the fields as sorted, compact JSON in UTF-8."""
    return json.dumps(
        dict(fields), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def sign(fields: Mapping[str, Any], private_key: Ed25519PrivateKey) -> Certificate:
    """Sign ``fields`` (their ``key_id`` must be the key's): the certificate."""
    if fields.get("key_id") != key_id(private_key.public_key()):
        raise InvalidInput("a certificate's key_id must name the key that signs it")
    signature = private_key.sign(canonical_bytes(fields))
    return Certificate(dict(fields), base64.b64encode(signature).decode("ascii"))


def key_id(public_key: Ed25519PublicKey) -> str:
    """The id of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    """The public key as PEM text (SubjectPublicKeyInfo)."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_pem(text: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM text; :class:`InvalidInput` for anything else."""
    data = text.encode("ascii", errors="replace") if isinstance(text, str) else text
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise InvalidInput("the public key is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("the public key is not an Ed25519 key")
    return key


def check_certificate(
    certificate: Certificate, public_key: Ed25519PublicKey, on: date
) -> list[str]:
    """What is wrong with ``certificate`` checked offline against ``public_key`` on day ``on``
    (empty when it is valid): a key other than the signer's, a signature that does not match
    the fields (a field changed, or the signature bytes), not yet valid, expired."""
    problems = []
    expected = key_id(public_key)
    if certificate.fields["key_id"] != expected:
        problems.append(
            f"wrong key: the certificate names key {certificate.fields['key_id']}, "
            f"the public key given is {expected}"
        )
    try:
        raw = base64.b64decode(certificate.signature, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    try:
        public_key.verify(raw, canonical_bytes(certificate.fields))
    except InvalidSignature:
        problems.append(
            "bad signature: it does not match the certificate's fields "
            "(a field was changed, or the signature is not the registry's)"
        )
    if on < certificate.valid_from:
        problems.append(f"not yet valid: valid from {certificate.valid_from.isoformat()}")
    if on > certificate.valid_until:
        problems.append(f"expired: valid until {certificate.valid_until.isoformat()}")
    return problems
