"""``openets allocation ...``."""

from __future__ import annotations

import typer

app = typer.Typer(help="allocation", no_args_is_help=True)
