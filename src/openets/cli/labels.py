"""``openets label``: carbon labels: product footprints and signed label certificates.

``footprint`` and ``verify --public-key`` need no database; the other commands use the
registry's (``--db``). Who acts: the operator by default; ``--as USER`` checks that user's role.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from openets.cli.context import CliState, console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.clock import AsOfClock, SystemClock, business_date
from openets.errors import InvalidInput, RuleViolation
from openets.labels import services
from openets.labels.footprint import footprint_view
from openets.labels.pdf import label_pdf
from openets.labels.services import label_status
from openets.labels.views import label_view, verification_view
from openets.pdf_fonts import cjk_font

__all__ = ["app", "read_json"]

app = typer.Typer(
    help="Carbon labels: product footprints and signed label certificates.",
    no_args_is_help=True,
)

FILE = typer.Argument(..., help="A JSON file ('-' for standard input).")
LABEL_ID = typer.Argument(..., help="Certificate id (GDCL-2025-000001, HK-...).")


def read_json(path: str) -> Any:
    """A JSON document from a file or standard input, numbers read as exact decimals."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"cannot read {path!r}: {error.strerror}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _today(ctx: typer.Context) -> date:
    state = ctx.find_root().obj
    as_of = state.as_of if isinstance(state, CliState) else None
    clock = AsOfClock(as_of) if as_of is not None else SystemClock()
    return business_date(clock.now())


@app.command("footprint")
def footprint(path: str = FILE, as_json: bool = JSON) -> None:
    """Compute a product carbon footprint (kgCO2e per declared unit, 4 dp half-up)."""
    result = services.compute(read_json(path))
    view = footprint_view(result)
    if as_json:
        print_json(view)
        return
    table = Table("stage", "line", "quantity", "unit", "factor", "kgCO2e")
    for line in view["lines"]:
        table.add_row(
            line["stage"], line["name"], line["quantity"], line["unit"], line["factor"],
            line["kgco2e"],
        )  # fmt: skip
    console.print(table)
    console.print(
        f"{view['product']}: {view['per_unit_kgco2e']} kgCO2e per {view['declared_unit']} "
        f"(total {view['total_kgco2e']} kgCO2e)",
        highlight=False,
    )


@app.command("issue")
def issue(
    ctx: typer.Context,
    path: str = FILE,
    company: str = typer.Option(..., "--company", help="The company the label is issued to."),
    valid_until: str = typer.Option(..., "--valid-until", help="Last valid day (YYYY-MM-DD)."),
    valid_from: str | None = typer.Option(None, "--valid-from", help="Default: today."),
    verifier: str | None = typer.Option(
        None, "--verifier", help="The verification body (a verifier user acting is its own)."
    ),
    base_url: str = typer.Option(
        "http://127.0.0.1:8000",
        "--base-url",
        envvar="OPENETS_PUBLIC_URL",
        help="Public address of the registry's web pages (for the verification URL).",
    ),
    key: str | None = typer.Option(None, "--key", help="Idempotency key."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Compute the footprint of FILE and issue a signed label certificate."""
    issued = services.issue(
        get_app(ctx),
        read_json(path),
        company,
        _date(valid_until, "--valid-until"),
        valid_from=None if valid_from is None else _date(valid_from, "--valid-from"),
        verifier=verifier,
        base_url=base_url,
        by=actor(ctx, as_user),
        key=key,
    )
    label = issued.label
    if as_json:
        print_json(label.document)
        return
    console.print(
        f"issued {label.id}: {label.product} of {label.company}, {label.per_unit_kgco2e} "
        f"kgCO2e per {label.document['declared_unit']}, valid until {label.valid_until}; "
        f"verify at {label.document['verification_url']}",
        highlight=False,
    )


@app.command("verify")
def verify(
    ctx: typer.Context,
    path: str = FILE,
    public_key: Path | None = typer.Option(
        None, "--public-key", help="Check offline with this PEM public key (no database)."
    ),
    as_json: bool = JSON,
) -> None:
    """Check a certificate: exit 0 and "valid", or exit 1 naming what does not match."""
    document = read_json(path)
    if public_key is not None:
        try:
            pem = public_key.read_bytes()
        except OSError as error:
            raise InvalidInput(f"cannot read {str(public_key)!r}: {error.strerror}") from None
        result = services.verify_offline(document, pem, _today(ctx))
    else:
        result = services.verify(get_app(ctx), document)
    if not result.valid:
        raise RuleViolation(f"{result.label_id}: invalid: " + "; ".join(result.problems))
    if as_json:
        print_json(verification_view(result))
        return
    where = "online" if result.online else "offline, revocation not checked"
    console.print(f"{result.label_id}: valid ({where})", highlight=False)


@app.command("public-key")
def public_key(ctx: typer.Context) -> None:
    """Print the registry's Ed25519 public key (PEM), for offline verification."""
    sys.stdout.write(services.public_key_pem(get_app(ctx)))


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    label_id: str = LABEL_ID,
    reason: str = typer.Option(..., "--reason", help="Why the label is revoked."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Revoke a label issued here (the regulator or its verifier)."""
    application = get_app(ctx)
    label = services.revoke(application, label_id, reason, by=actor(ctx, as_user))
    if as_json:
        print_json(label_view(label, _today(ctx)))
        return
    console.print(f"revoked {label.id}: {reason}", highlight=False)


@app.command("show")
def show(ctx: typer.Context, label_id: str = LABEL_ID, as_json: bool = JSON) -> None:
    """A certificate with its status (valid, revoked, expired, recognised)."""
    label = services.get_label(get_app(ctx), label_id)
    view = label_view(label, _today(ctx))
    if as_json:
        print_json(view)
        return
    console.print(
        f"{label.id} [{view['status']}] {label.product} of {label.company}: "
        f"{label.per_unit_kgco2e} kgCO2e per unit, valid until {label.valid_until}",
        highlight=False,
    )
    if label.revoked:
        console.print(f"revoked {label.revoked_at} by {label.revoked_by}: {label.revoked_reason}")


@app.command("list")
def list_labels(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Only this company's."),
    as_json: bool = JSON,
) -> None:
    """Every label, newest first."""
    labels = services.list_labels(get_app(ctx), company)
    on = _today(ctx)
    if as_json:
        print_json({"labels": [label_view(label, on) for label in labels]})
        return
    table = Table("id", "status", "product", "company", "kgCO2e/unit", "valid until")
    for label in labels:
        table.add_row(
            label.id, label_status(label, on), label.product, label.company,
            label.per_unit_kgco2e, label.valid_until.isoformat(),
        )  # fmt: skip
    console.print(table)


@app.command("export-hk")
def export_hk(ctx: typer.Context, label_id: str = LABEL_ID) -> None:
    """Print a label in the fields a Hong Kong carbon-label scheme reads (JSON)."""
    print_json(services.export_hk(get_app(ctx), label_id))


@app.command("import")
def import_foreign(
    ctx: typer.Context, path: str = FILE, as_user: str | None = AS_USER, as_json: bool = JSON
) -> None:
    """Record a certificate of a recognised foreign scheme (regulator)."""
    label = services.import_foreign(get_app(ctx), read_json(path), by=actor(ctx, as_user))
    if as_json:
        print_json(label_view(label, _today(ctx)))
        return
    console.print(f"recognised {label.id} ({label.scheme}): {label.product}", highlight=False)


@app.command("pdf")
def pdf(
    ctx: typer.Context,
    label_id: str = LABEL_ID,
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the PDF."),
    font: Path | None = typer.Option(
        None, "--font", help="A TrueType/OpenType font covering Chinese (bilingual labels)."
    ),
) -> None:
    """Write a label's PDF certificate (with its QR code)."""
    if font is not None and not font.is_file():
        raise InvalidInput(f"font file {str(font)!r} does not exist")
    application = get_app(ctx)
    label = services.get_label(application, label_id)
    on = _today(ctx)
    font = font or cjk_font(application.settings.pdf_font)
    out.write_bytes(label_pdf(label, label_status(label, on), on, font=font))
    console.print(f"wrote {out}", highlight=False)
