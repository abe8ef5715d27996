"""Label certificates: signature round trip, every tampering case, wrong key, validity dates,
the Hong Kong export and the import of a recognised foreign certificate."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec as ec_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from openets.errors import InvalidInput, RuleViolation
from openets.labels.certificate import (
    FIELDS,
    Certificate,
    canonical_bytes,
    check_certificate,
    key_id,
    load_public_pem,
    public_pem,
    sign,
)
from openets.labels.recognition import hk_export, parse_foreign

# a fixed key: the same certificate signs to the same bytes in every run (Ed25519 is
# deterministic)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
ON = date(2025, 7, 1)


def fields(**change: Any) -> dict[str, Any]:
    return {
        "id": "GDCL-2025-000001",
        "scheme": "guangdong-carbon-label",
        "product": "Tile",
        "company": "Foshan Tiles",
        "declared_unit": "piece",
        "per_unit_kgco2e": "7.7196",
        "total_kgco2e": "7719.5980",
        "by_stage": {"energy": "6632.5000", "materials": "1050.0000"},
        "boundary": "cradle-to-gate",
        "method": "ISO 14067:2018 product carbon footprint; cradle-to-gate; no allocation",
        "verifier": "GD Verification",
        "issued_on": "2025-07-01",
        "valid_from": "2025-07-01",
        "valid_until": "2026-06-30",
        "verification_url": "http://127.0.0.1:8000/labels/GDCL-2025-000001",
        "algorithm": "Ed25519",
        "key_id": key_id(KEY.public_key()),
        **change,
    }


def test_canonical_form_is_sorted_compact_utf8() -> None:
    assert canonical_bytes({"b": "碳", "a": {"y": "1", "x": "2"}}) == (
        '{"a":{"x":"2","y":"1"},"b":"碳"}'.encode()
    )


def test_round_trip_through_the_json_document() -> None:
    certificate = sign(fields(), KEY)
    again = Certificate.from_document(certificate.document())
    assert again == certificate
    assert list(certificate.document()) == [*FIELDS, "signature"]
    assert check_certificate(again, KEY.public_key(), ON) == []
    # the PEM round trip gives the same key
    pem = public_pem(KEY.public_key())
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert check_certificate(again, load_public_pem(pem), ON) == []


BAD = (
    "bad signature: it does not match the certificate's fields "
    "(a field was changed, or the signature is not the registry's)"
)


@pytest.mark.parametrize("name", [f for f in FIELDS if f != "key_id"])
def test_every_changed_field_breaks_the_signature(name: str) -> None:
    document = sign(fields(), KEY).document()
    if name == "by_stage":
        document[name] = {**document[name], "energy": "6632.4999"}
    elif name in ("issued_on", "valid_from"):
        document[name] = "2025-06-30"
    elif name == "valid_until":
        document[name] = "2027-06-30"
    else:
        document[name] = document[name] + "x"
    assert check_certificate(Certificate.from_document(document), KEY.public_key(), ON) == [BAD]


def test_a_changed_key_id_is_named_and_breaks_the_signature() -> None:
    document = sign(fields(), KEY).document()
    document["key_id"] = "0" * 16
    problems = check_certificate(Certificate.from_document(document), KEY.public_key(), ON)
    assert problems[0].startswith("wrong key: the certificate names key 0000000000000000")
    assert problems[1] == BAD


def test_changed_signature_bytes() -> None:
    document = sign(fields(), KEY).document()
    raw = bytearray(base64.b64decode(document["signature"]))
    raw[0] ^= 1
    document["signature"] = base64.b64encode(bytes(raw)).decode()
    assert check_certificate(Certificate.from_document(document), KEY.public_key(), ON) == [BAD]
    document["signature"] = "not base64!"
    assert check_certificate(Certificate.from_document(document), KEY.public_key(), ON) == [BAD]


def test_wrong_public_key() -> None:
    certificate = sign(fields(), KEY)
    problems = check_certificate(certificate, OTHER.public_key(), ON)
    assert problems == [
        f"wrong key: the certificate names key {key_id(KEY.public_key())}, "
        f"the public key given is {key_id(OTHER.public_key())}",
        BAD,
    ]


def test_validity_dates_by_the_injected_day() -> None:
    certificate = sign(fields(), KEY)
    assert check_certificate(certificate, KEY.public_key(), date(2026, 6, 30)) == []
    assert check_certificate(certificate, KEY.public_key(), date(2026, 7, 1)) == [
        "expired: valid until 2026-06-30"
    ]
    assert check_certificate(certificate, KEY.public_key(), date(2025, 6, 30)) == [
        "not yet valid: valid from 2025-07-01"
    ]


def test_malformed_documents_are_refused() -> None:
    document = sign(fields(), KEY).document()
    with pytest.raises(InvalidInput, match="lacks field"):
        Certificate.from_document({k: v for k, v in document.items() if k != "company"})
    with pytest.raises(InvalidInput, match="unknown field"):
        Certificate.from_document({**document, "extra": "x"})
    with pytest.raises(InvalidInput, match="valid_until is not a date"):
        Certificate.from_document({**document, "valid_until": "soon"})
    ec = ec_key.generate_private_key(ec_key.SECP256R1()).public_key()
    pem = ec.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(InvalidInput, match="not an Ed25519"):
        load_public_pem(pem)
    with pytest.raises(InvalidInput, match="not a PEM public key"):
        load_public_pem("hello")


def test_signing_with_another_key_than_named_is_refused() -> None:
    with pytest.raises(InvalidInput, match="key_id"):
        sign(fields(), OTHER)


def test_hong_kong_export_fields() -> None:
    certificate = sign(fields(), KEY)
    exported = hk_export(certificate, "valid")
    assert {k: v for k, v in exported.items() if k != "signed_certificate"} == {
        "scheme": "guangdong-carbon-label",
        "exchange_format": "gd-hk-carbon-label-mutual-recognition",
        "certificate_no": "GDCL-2025-000001",
        "product_name": "Tile",
        "applicant": "Foshan Tiles",
        "functional_unit": "piece",
        "carbon_footprint": "7.7196",
        "carbon_footprint_unit": "kgCO2e per piece",
        "life_cycle_stages": {"energy": "6632.5000", "materials": "1050.0000"},
        "system_boundary": "cradle-to-gate",
        "standard": "ISO 14067:2018",
        "quantification_method": (
            "ISO 14067:2018 product carbon footprint; cradle-to-gate; no allocation"
        ),
        "verification_body": "GD Verification",
        "issue_date": "2025-07-01",
        "valid_from": "2025-07-01",
        "expiry_date": "2026-06-30",
        "status": "valid",
        "verification_url": "http://127.0.0.1:8000/labels/GDCL-2025-000001",
        "public_key_id": key_id(KEY.public_key()),
        "signature_algorithm": "Ed25519",
    }
    # the signed original travels along and still checks
    original = Certificate.from_document(exported["signed_certificate"])
    assert check_certificate(original, KEY.public_key(), ON) == []


def foreign(**change: Any) -> dict[str, Any]:
    return {
        "scheme": "hk-carbon-label",
        "certificate_no": "HKCL-2025-0042",
        "product_name": "Bottled water 500 ml",
        "applicant": "HK Springs Ltd",
        "functional_unit": "bottle",
        "carbon_footprint": "0.0812",
        "verification_body": "HK Verifier",
        "issue_date": "2025-01-15",
        "expiry_date": "2027-01-14",
        **change,
    }


def test_import_of_a_recognised_foreign_certificate() -> None:
    parsed = parse_foreign(foreign(), ON)
    assert (parsed.id, parsed.company, parsed.per_unit_kgco2e) == (
        "HK-HKCL-2025-0042",
        "HK Springs Ltd",
        "0.0812",
    )
    # an exported Guangdong certificate is itself importable by a partner registry
    exported = hk_export(sign(fields(), KEY), "valid")
    assert parse_foreign(exported, ON).id == "EXT-GDCL-2025-000001"


def test_import_refusals() -> None:
    with pytest.raises(RuleViolation, match="scheme 'xx-label' is not recognised"):
        parse_foreign(foreign(scheme="xx-label"), ON)
    with pytest.raises(RuleViolation, match="expired on 2025-06-30"):
        parse_foreign(foreign(expiry_date="2025-06-30"), ON)
    with pytest.raises(InvalidInput, match="lacks field"):
        parse_foreign({k: v for k, v in foreign().items() if k != "applicant"}, ON)
