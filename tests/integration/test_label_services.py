"""Carbon-label and evaluation services on SQLite and PostgreSQL: the signing key is created
once and kept, issue / verify / revoke / export / import, idempotency, who may, expiry by the
injected clock, and an evaluation fed from MRV verified emissions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from openets import App
from openets.auth.model import Role, User
from openets.clock import FixedClock
from openets.errors import Conflict, NotAuthorised, NotFound, RuleViolation
from openets.evaluation.indicators import evaluation_view
from openets.evaluation.services import (
    evaluate_enterprise,
    list_evaluations,
    record_evaluation,
)
from openets.labels import services
from openets.labels.services import label_status
from openets.mrv import services as mrv
from openets.mrv.emissions_file import ImportedEmissions
from openets.mrv.permissions import OPERATOR

VERIFIER = User("ver", Role.VERIFIER, None, "")
OTHER_VERIFIER = User("ver2", Role.VERIFIER, None, "")
ENTITY = User("steel", Role.ENTITY, "Steel One", "")
REGULATOR = User("reg", Role.REGULATOR, None, "")

FOOTPRINT: dict[str, Any] = {
    "product": "Tile",
    "declared_unit": "piece",
    "output": 1000,
    "materials": [{"name": "steel", "quantity": 500, "unit": "kg", "factor": "2.1"}],
    "energy": [{"item": "grid", "quantity": "12.5", "unit": "MWh"}],
    "transport": [{"mode": "truck", "tonne_km": 300}],
}


def issue(app: App, **options: Any) -> services.Issued:
    return services.issue(app, FOOTPRINT, "Foshan Tiles", date(2026, 6, 30), by=VERIFIER, **options)


def test_issue_signs_with_one_kept_key_and_verifies(app: App) -> None:
    first = issue(app).label
    assert first.id == "GDCL-2025-000001"  # the clock's business date: 2025-07-01
    document = first.document
    assert (document["per_unit_kgco2e"], document["verifier"], document["issued_on"]) == (
        "7.7196",
        "ver",
        "2025-07-01",
    )
    assert document["verification_url"] == "http://127.0.0.1:8000/labels/GDCL-2025-000001"
    pem = services.public_key_pem(app)
    assert services.public_key_pem(app) == pem  # created once, kept
    second = issue(app).label
    assert second.id == "GDCL-2025-000002"
    assert second.document["key_id"] == document["key_id"]
    assert services.verify(app, document).problems == ()
    assert services.verify_offline(document, pem, date(2025, 7, 1)).valid


def test_online_verification_names_the_tampered_field(app: App) -> None:
    document = issue(app).label.document
    tampered = {**document, "per_unit_kgco2e": "1.0000"}
    problems = services.verify(app, tampered).problems
    assert problems[1:] == (
        "tampered field per_unit_kgco2e: it differs from the registry's record",
    )
    assert problems[0].startswith("bad signature")
    foreign = {
        **document,
        "id": "GDCL-2025-000099",
        "verification_url": "http://127.0.0.1:8000/labels/GDCL-2025-000099",
    }
    assert "unknown certificate: the registry has issued no label GDCL-2025-000099" in (
        services.verify(app, foreign).problems
    )


@pytest.mark.parametrize("other_id", ["GDCL-2025-000099", "GDCL-2025-000002"])
def test_a_changed_id_is_named_as_the_tampered_field(app: App, other_id: str) -> None:
    # the signed verification URL still names the original; another issued label (000002)
    # must not be mistaken for the record: the signature picks the original
    document = issue(app).label.document
    issue(app)
    problems = services.verify(app, {**document, "id": other_id}).problems
    assert problems[0].startswith("bad signature")
    assert problems[1:] == ("tampered field id: it differs from the registry's record",)


def test_an_exported_revoked_certificate_is_not_recognised(app: App) -> None:
    label = issue(app).label
    services.revoke(app, label.id, "withdrawn", by=REGULATOR)
    exported = services.export_hk(app, label.id)
    with pytest.raises(RuleViolation, match=f"certificate {label.id} is revoked in its scheme"):
        services.import_foreign(app, exported, by=REGULATOR)
    assert [stored.id for stored in services.list_labels(app)] == [label.id]


def test_an_exported_valid_certificate_is_imported_as_recognised(app: App) -> None:
    label = issue(app).label
    imported = services.import_foreign(app, services.export_hk(app, label.id), by=REGULATOR)
    assert (imported.id, imported.origin, imported.product) == (
        f"EXT-{label.id}",
        "imported",
        "Tile",
    )
    assert label_status(imported, date(2025, 7, 1)) == "recognised"


def test_revocation_is_recorded_and_shown(app: App, clock: FixedClock) -> None:
    label = issue(app).label
    with pytest.raises(NotAuthorised):
        services.revoke(app, label.id, "no", by=OTHER_VERIFIER)
    with pytest.raises(NotAuthorised):
        services.revoke(app, label.id, "no", by=ENTITY)
    revoked = services.revoke(app, label.id, "data error", by=VERIFIER)
    assert (revoked.revoked_by, revoked.revoked_reason) == ("ver", "data error")
    stored = services.get_label(app, label.id)
    assert label_status(stored, date(2025, 7, 1)) == "revoked"
    assert services.verify(app, label.document).problems == (
        f"revoked on {stored.revoked_at}: data error",
    )
    with pytest.raises(RuleViolation, match="already revoked"):
        services.revoke(app, label.id, "again", by=REGULATOR)
    assert services.export_hk(app, label.id)["status"] == "revoked"


def test_expiry_follows_the_injected_clock(app: App, clock: FixedClock) -> None:
    label = issue(app).label
    later = dataclasses.replace(app, clock=FixedClock(datetime(2026, 6, 30, 15, 59, tzinfo=UTC)))
    assert services.verify(later, label.document).valid  # 23:59 CST on the last day
    expired = dataclasses.replace(app, clock=FixedClock(datetime(2026, 6, 30, 16, 0, tzinfo=UTC)))
    assert services.verify(expired, label.document).problems == ("expired: valid until 2026-06-30",)
    assert label_status(services.get_label(app, label.id), date(2026, 7, 1)) == "expired"


def test_idempotent_issue_and_who_may_issue(app: App) -> None:
    first = issue(app, key="k1")
    again = issue(app, key="k1")
    assert (again.label.id, again.replayed, first.replayed) == (first.label.id, True, False)
    with pytest.raises(Conflict):
        services.issue(app, FOOTPRINT, "Other Co", date(2026, 6, 30), by=VERIFIER, key="k1")
    with pytest.raises(NotAuthorised):
        services.issue(app, FOOTPRINT, "X", date(2026, 6, 30), by=ENTITY)
    # the regulator names the verifier
    by_regulator = services.issue(
        app, FOOTPRINT, "X", date(2026, 6, 30), by=REGULATOR, verifier="GD Verif"
    )
    assert by_regulator.label.document["verifier"] == "GD Verif"
    assert [label.id for label in services.list_labels(app)] == [
        "GDCL-2025-000002",
        "GDCL-2025-000001",
    ]
    with pytest.raises(NotFound):
        services.get_label(app, "GDCL-2025-000009")


def test_import_of_a_recognised_certificate(app: App) -> None:
    document = {
        "scheme": "hk-carbon-label",
        "certificate_no": "HKCL-2025-0042",
        "product_name": "Bottled water",
        "applicant": "HK Springs Ltd",
        "functional_unit": "bottle",
        "carbon_footprint": "0.0812",
        "verification_body": "HK Verifier",
        "issue_date": "2025-01-15",
        "expiry_date": "2027-01-14",
    }
    with pytest.raises(NotAuthorised):
        services.import_foreign(app, document, by=VERIFIER)
    label = services.import_foreign(app, document, by=REGULATOR)
    assert services.import_foreign(app, document, by=REGULATOR) == label  # a repeat: the same
    with pytest.raises(Conflict):
        services.import_foreign(app, {**document, "carbon_footprint": "0.09"}, by=REGULATOR)
    stored = services.get_label(app, "HK-HKCL-2025-0042")
    assert (stored.origin, stored.company, label_status(stored, date(2025, 7, 1))) == (
        "imported",
        "HK Springs Ltd",
        "recognised",
    )
    with pytest.raises(RuleViolation, match="cannot be revoked"):
        services.revoke(app, stored.id, "x", by=REGULATOR)


def test_evaluation_fed_from_mrv_and_recorded(app: App) -> None:
    mrv.add_entity(app, "STEEL-1", "Steel One", "steel", by=OPERATOR)
    rows = [
        ImportedEmissions("STEEL-1", 2022, 200_000, Decimal(100_000)),  # 2.0 t/t
        ImportedEmissions("STEEL-1", 2024, 144_000, Decimal(90_000)),  # 1.6 t/t
    ]
    mrv.import_emissions(app, rows, by=OPERATOR)
    data = {"enterprise": "Steel One", "entity": "STEEL-1", "renewable_share": "0.3"}
    with pytest.raises(NotAuthorised):
        evaluate_enterprise(app, data, by=VERIFIER)
    result = evaluate_enterprise(app, data, by=ENTITY)
    view = evaluation_view(result)
    # intensity 144000 / 90000 = 1.6; Guangdong 2024 steel benchmark 1.8: 1.6/1.8 = 0.888…
    # → 40 points; trend (1.6 − 2.0) / 2.0 / 2 years = −0.1 per year → 100 points;
    # renewables 0.3 → 70: score 40×0.30 + 70×0.20 + 100×0.15 = 12 + 14 + 15 = 41
    scored = {i["code"]: (i["value"], i["points"]) for i in view["indicators"]}
    assert scored["emission_intensity"] == ("0.888889", "40")  # shown to 6 dp, graded exactly
    assert scored["reduction_trend"] == ("-0.1", "100")
    assert (view["grade"], view["score"]) == ("not_qualified", "41.00")
    assert view["notes"][1] == "benchmark: guangdong 2024 steel allocation benchmark 1.8"
    record_evaluation(app, result, "STEEL-1", by=ENTITY)
    (stored,) = list_evaluations(app)
    assert (stored.enterprise, stored.grade, stored.score, stored.entity_id) == (
        "Steel One",
        "not_qualified",
        "41.00",
        "STEEL-1",
    )


def test_demo_labels_carry_the_address_the_demo_is_served_at(app: App) -> None:
    from openets import demo_labels

    demo_labels.build(app, 7, "http://127.0.0.1:8091")
    urls = sorted(label.document["verification_url"] for label in services.list_labels(app))
    assert urls == [f"http://127.0.0.1:8091/labels/GDCL-2025-00000{n}" for n in (1, 2, 3)]
