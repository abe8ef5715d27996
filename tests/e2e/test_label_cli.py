"""``openets label`` contract: footprint JSON (exact), issue, verify online and offline with
the printed public key, every refusal on one line with exit 1, revoke, show, export-hk,
import, pdf."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openets import App

FOOTPRINT = {
    "product": "Tile",
    "declared_unit": "piece",
    "output": 1000,
    "materials": [{"name": "steel", "quantity": 500, "unit": "kg", "factor": 2.1}],
    "energy": [{"item": "grid", "quantity": 12.5, "unit": "MWh", "factor": 570.3}],
    "transport": [{"mode": "truck", "tonne_km": 300}],
}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "fp.json").write_text(json.dumps(FOOTPRINT))
    return tmp_path


def test_footprint_contract_exact(cli_at: Callable[[str], Any], files: Path) -> None:
    # 500 × 2.1 = 1050; 12.5 × 570.3 = 7128.75; 300 × 0.12366 = 37.098 (default truck)
    # total 8215.848; per piece 8.215848 → 8.2158 (4 dp half-up)
    out = cli_at("sqlite:///unused.db").json("label", "footprint", str(files / "fp.json"))
    assert {k: out[k] for k in ("product", "per_unit_kgco2e", "total_kgco2e", "by_stage")} == {
        "product": "Tile",
        "per_unit_kgco2e": "8.2158",
        "total_kgco2e": "8215.8480",
        "by_stage": {
            "materials": "1050.0000",
            "energy": "7128.7500",
            "transport": "37.0980",
        },
    }
    assert [line["factor_source"] for line in out["lines"]][:2] == ["given", "given"]
    assert not Path("unused.db").exists()  # no database was touched


def test_missing_factor_is_one_line_naming_the_item(
    cli_at: Callable[[str], Any], files: Path
) -> None:
    (files / "bad.json").write_text(
        json.dumps({**FOOTPRINT, "materials": [{"name": "glass", "quantity": 1, "unit": "kg"}]})
    )
    err = cli_at("sqlite:///unused.db").fails(2, "label", "footprint", str(files / "bad.json"))
    assert "no default factor for material 'glass'" in err


def test_issue_verify_revoke_export(app: App, cli_at: Callable[[str], Any], files: Path) -> None:
    cli = cli_at(app.engine.url.render_as_string(hide_password=False))
    code, out, err = cli.run(
        "label", "issue", str(files / "fp.json"), "--company", "Foshan Tiles",
        "--valid-until", "2099-12-31", "--verifier", "GD Verif", "--json",
    )  # fmt: skip
    assert code == 0, err
    certificate = json.loads(out)
    label_id = certificate["id"]
    assert certificate["per_unit_kgco2e"] == "8.2158"
    cert = files / "cert.json"
    cert.write_text(out)
    assert cli.ok("label", "verify", str(cert)).strip() == f"{label_id}: valid (online)"
    pem = files / "key.pem"
    pem.write_text(cli.ok("label", "public-key"))
    offline = cli_at("sqlite:///unused.db").ok(
        "label", "verify", str(cert), "--public-key", str(pem)
    )
    assert offline.strip() == f"{label_id}: valid (offline, revocation not checked)"
    tampered = files / "tampered.json"
    tampered.write_text(json.dumps({**certificate, "company": "Other"}))
    err = cli.fails(1, "label", "verify", str(tampered))
    assert "tampered field company" in err
    err = cli_at("sqlite:///unused.db").fails(
        1, "label", "verify", str(tampered), "--public-key", str(pem)
    )
    assert "bad signature" in err
    assert cli.json("label", "show", label_id)["status"] == "valid"
    cli.ok("label", "revoke", label_id, "--reason", "wrong data")
    err = cli.fails(1, "label", "verify", str(cert))
    assert "revoked on" in err
    assert "wrong data" in err
    exported = json.loads(cli.ok("label", "export-hk", label_id))
    assert (exported["certificate_no"], exported["status"]) == (label_id, "revoked")
    cli.ok("label", "pdf", label_id, "--out", str(files / "c.pdf"))
    assert (files / "c.pdf").read_bytes().startswith(b"%PDF-")
    foreign = files / "hk.json"
    foreign.write_text(json.dumps({
        "scheme": "hk-carbon-label", "certificate_no": "HK-9", "product_name": "Water",
        "applicant": "HK Springs", "functional_unit": "bottle", "carbon_footprint": "0.08",
        "verification_body": "HKV", "issue_date": "2025-01-01", "expiry_date": "2099-01-01",
    }))  # fmt: skip
    assert cli.json("label", "import", str(foreign))["status"] == "recognised"
    assert cli.fails(3, "label", "show", "NOPE").startswith("error: carbon label 'NOPE'")


def test_issue_as_in_the_contract_needs_no_verifier_option(
    app: App, cli_at: Callable[[str], Any], files: Path
) -> None:
    cli = cli_at(app.engine.url.render_as_string(hide_password=False))
    certificate = cli.json(
        "label", "issue", str(files / "fp.json"), "--company", "Foshan Tiles",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    assert certificate["verifier"] == "registry operator"  # the issuer itself
    named = json.loads((files / "fp.json").read_text()) | {"verifier": "CQC Guangzhou"}
    (files / "named.json").write_text(json.dumps(named))
    certificate = cli.json(
        "label", "issue", str(files / "named.json"), "--company", "Foshan Tiles",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    assert certificate["verifier"] == "CQC Guangzhou"  # the footprint file's verifier
    cert = files / "cert.json"
    cert.write_text(json.dumps(certificate))
    assert cli.ok("label", "verify", str(cert)).strip().endswith(": valid (online)")


def test_the_shipped_example_footprint(cli_at: Callable[[str], Any]) -> None:
    # materials 18,000 kg steel × 1.91 (default) + 400 kg × 3.5 (given) = 34,380 + 1,400
    # energy 42.5 MWh × 530.6 (2023 grid) = 22,550.5; 0.6 × 10^4 Nm3 natural gas ×
    #   389.31 GJ × 0.01532 tC/GJ × 0.99 × 44/12 × 1000 = 12,990.0912 (MRV defaults)
    # transport 9,200 t·km × 0.12366 + 15,000 t·km × 0.03 = 1,137.672 + 450
    # total 72,908.2632 kg; per piece 72.9082632 → 72.9083
    example = Path(__file__).parents[2] / "src/openets/labels/examples/steel-cabinet.json"
    out = cli_at("sqlite:///unused.db").json("label", "footprint", str(example))
    assert out["by_stage"] == {
        "materials": "35780.0000",
        "energy": "35540.5912",
        "transport": "1587.6720",
    }
    assert (out["total_kgco2e"], out["per_unit_kgco2e"]) == ("72908.2632", "72.9083")


def test_pdf_certificate_with_a_chinese_font(
    app: App, cli_at: Callable[[str], Any], files: Path, cjk_font_file: Path
) -> None:
    cli = cli_at(app.engine.url.render_as_string(hide_password=False))
    chinese = json.loads((files / "fp.json").read_text()) | {"product": "陶瓷砖"}
    (files / "zh.json").write_text(json.dumps(chinese, ensure_ascii=False))
    label = cli.json(
        "label", "issue", str(files / "zh.json"), "--company", "佛山陶瓷有限公司",
        "--valid-until", "2099-12-31",
    )  # fmt: skip
    out = files / "zh.pdf"
    cli.ok("label", "pdf", label["id"], "--out", str(out), "--font", str(cjk_font_file))
    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    assert b"/FontFile2" in content  # the Chinese font travels with the certificate
    assert b"WenQuanYi" in content  # and it is the one given
