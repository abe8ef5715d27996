"""``openets compliance ...``."""

from __future__ import annotations

import typer

app = typer.Typer(help="compliance", no_args_is_help=True)
