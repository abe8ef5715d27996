"""``openets mrv report export``: an emission report as an XLSX workbook or a PDF document.

Who acts: the operator of the registry by default; ``--as USER`` reads the report as that
user (the regulator any report, an entity its own, a verifier those assigned to it).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.errors import InvalidInput
from openets.mrv import services
from openets.mrv.export import report_pdf, report_xlsx
from openets.pdf_fonts import cjk_font

__all__ = ["ExportFormat", "export", "register"]


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    PDF = "pdf"


def register(mrv_app: typer.Typer) -> None:
    """Add ``report export`` to the ``openets mrv`` group.

    The command joins the ``report`` group of :mod:`openets.cli.mrv_reports` (whether that
    group is registered on ``mrv_app`` before or after this call); ``mrv_app`` is taken for
    the same calling convention as the other MRV command modules.
    """
    from openets.cli.mrv_reports import report_app

    del mrv_app  # the group object is shared: adding to it reaches every app it is in
    report_app.command("export")(export)


def export(
    ctx: typer.Context,
    report_id: str = typer.Argument(..., help="Report id, e.g. GD-STEEL-001-2024-v1."),
    output: str = typer.Option(..., "--output", "-o", help="File to write; - for stdout."),
    export_format: ExportFormat | None = typer.Option(
        None,
        "--format",
        case_sensitive=False,
        help="xlsx or pdf (default: from the output file's suffix).",
        show_default=False,
    ),
    font: Path | None = typer.Option(
        None,
        "--font",
        help="PDF only: a TrueType/OpenType font (.ttf, .otf, .ttc) covering Chinese, for "
        "bilingual labels; without it the PDF is English, Latin-1 text.",
        show_default=False,
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Export a report: XLSX (first sheet: the activity lines as an activity file) or PDF."""
    chosen = export_format or _format_of(output)
    if font is not None and chosen is not ExportFormat.PDF:
        raise InvalidInput("--font applies to the PDF format only")
    if font is not None and not font.is_file():
        raise InvalidInput(f"font file {str(font)!r} does not exist")
    application = get_app(ctx)
    who = actor(ctx, as_user)
    report = services.get_report(application, report_id, by=who)
    entity = services.get_entity(application, report.entity_id, by=who)
    if chosen is ExportFormat.XLSX:
        content = report_xlsx(report, entity)
    else:
        content = report_pdf(report, entity, font=font or cjk_font(application.settings.pdf_font))
    if output == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return
    try:
        Path(output).write_bytes(content)
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    if as_json:
        print_json(
            {"report": report.id, "format": chosen.value, "output": output, "bytes": len(content)}
        )
        return
    console.print(
        f"report {report.id} ({report.status}) written to {output} as {chosen.value.upper()}, "
        f"{len(content):,} bytes",
        highlight=False,
    )


def _format_of(output: str) -> ExportFormat:
    suffix = Path(output).suffix.lower().lstrip(".")
    try:
        return ExportFormat(suffix)
    except ValueError:
        raise InvalidInput(
            f"cannot tell the format from {output!r}: give --format xlsx or --format pdf"
        ) from None
