"""Guangdong–Hong Kong mutual recognition of carbon labels: the export of a Guangdong
certificate in the fields a Hong Kong carbon-label scheme reads, and the import of a
certificate of a recognised foreign scheme.

The field names of the exchange document (``certificate_no``, ``product_name``, ``applicant``,
``functional_unit``, ``carbon_footprint`` ...) are OpenETS's mapping of what a Hong Kong
carbon-label certificate states (scheme, number, product, applicant, functional unit, footprint
and its unit, boundary, standard, verification body, dates); the schemes recognised and the
exact field list are configuration to be confirmed against the mutual-recognition agreement in
force (check). The same document is what :func:`parse_foreign` reads, so an exported
certificate can be imported by a partner registry running OpenETS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from openets.errors import InvalidInput, RuleViolation
from openets.labels.certificate import Certificate
from openets.labels.footprint import number

__all__ = [
    "EXPORT_SCHEME",
    "RECOGNISED_SCHEMES",
    "ForeignCertificate",
    "hk_export",
    "parse_foreign",
]

#: The name of the exchange format in exported documents.
EXPORT_SCHEME = "gd-hk-carbon-label-mutual-recognition"
STANDARD = "ISO 14067:2018"

#: Foreign schemes whose certificates this registry recognises (code -> description).
RECOGNISED_SCHEMES: Mapping[str, str] = {
    "hk-carbon-label": "Hong Kong carbon label scheme (Guangdong–Hong Kong mutual recognition)",
    "guangdong-carbon-label": "Guangdong carbon label (a partner registry's certificate)",
}

_REQUIRED = (
    "scheme",
    "certificate_no",
    "product_name",
    "applicant",
    "functional_unit",
    "carbon_footprint",
    "verification_body",
    "issue_date",
    "expiry_date",
)
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")


def hk_export(certificate: Certificate, status: str) -> dict[str, Any]:
    """The certificate in the exchange fields a Hong Kong scheme reads, with its status
    (``valid``, ``revoked`` or ``expired``) and the signed original for checking."""
    f = certificate.fields
    return {
        "scheme": f["scheme"],
        "exchange_format": EXPORT_SCHEME,
        "certificate_no": f["id"],
        "product_name": f["product"],
        "applicant": f["company"],
        "functional_unit": f["declared_unit"],
        "carbon_footprint": f["per_unit_kgco2e"],
        "carbon_footprint_unit": f"kgCO2e per {f['declared_unit']}",
        "life_cycle_stages": dict(f["by_stage"]),
        "system_boundary": f["boundary"],
        "standard": STANDARD,
        "quantification_method": f["method"],
        "verification_body": f["verifier"],
        "issue_date": f["issued_on"],
        "valid_from": f["valid_from"],
        "expiry_date": f["valid_until"],
        "status": status,
        "verification_url": f["verification_url"],
        "public_key_id": f["key_id"],
        "signature_algorithm": f["algorithm"],
        "signed_certificate": certificate.document(),
    }


@dataclass(frozen=True, slots=True)
class ForeignCertificate:
    """A certificate of a recognised foreign scheme, as imported."""

    scheme: str
    number: str
    product: str
    company: str
    declared_unit: str
    per_unit_kgco2e: str
    verifier: str
    issued_on: date
    valid_until: date
    document: Mapping[str, Any]

    @property
    def id(self) -> str:
        """The registry's id of the imported certificate: scheme prefix and its number."""
        prefix = "HK" if self.scheme == "hk-carbon-label" else "EXT"
        return f"{prefix}-{self.number}"


def parse_foreign(document: Any, on: date) -> ForeignCertificate:
    """A recognised foreign certificate from its exchange document, checked on day ``on``.

    Refused (:class:`RuleViolation`) when its scheme is not recognised, it has expired, or its
    ``status`` (as exported) is other than ``valid``;
    :class:`InvalidInput` when a field is missing or malformed.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("a foreign certificate is a JSON object")
    missing = [name for name in _REQUIRED if not isinstance(document.get(name), str | int)]
    if missing:
        raise InvalidInput(f"foreign certificate lacks field(s): {', '.join(missing)}")
    scheme = str(document["scheme"]).strip()
    if scheme not in RECOGNISED_SCHEMES:
        known = ", ".join(sorted(RECOGNISED_SCHEMES))
        raise RuleViolation(f"scheme {scheme!r} is not recognised; recognised: {known}")
    certificate_no = str(document["certificate_no"]).strip()
    if not _NUMBER.match(certificate_no):
        raise InvalidInput(f"certificate_no {certificate_no!r} is malformed")
    footprint = number(document["carbon_footprint"], "carbon_footprint")
    if footprint < 0:
        raise InvalidInput("carbon_footprint must not be negative")
    dates = {}
    for name in ("issue_date", "expiry_date"):
        try:
            dates[name] = date.fromisoformat(str(document[name]))
        except ValueError:
            raise InvalidInput(f"{name} is not a date (YYYY-MM-DD)") from None
    status = document.get("status")
    if status is not None and status != "valid":
        raise RuleViolation(
            f"certificate {certificate_no} is {status} in its scheme: "
            "only a certificate still valid can be recognised"
        )
    if dates["expiry_date"] < on:
        raise RuleViolation(
            f"certificate {certificate_no} expired on {dates['expiry_date'].isoformat()}: "
            "only a certificate still valid can be recognised"
        )
    texts = {}
    for name in ("product_name", "applicant", "functional_unit", "verification_body"):
        value = str(document[name]).strip()
        if not value or len(value) > 200:
            raise InvalidInput(f"{name} must be 1-200 characters")
        texts[name] = value
    return ForeignCertificate(
        scheme=scheme,
        number=certificate_no,
        product=texts["product_name"],
        company=texts["applicant"],
        declared_unit=texts["functional_unit"],
        per_unit_kgco2e=f"{footprint:f}",
        verifier=texts["verification_body"],
        issued_on=dates["issue_date"],
        valid_until=dates["expiry_date"],
        document=dict(document),
    )
