"""The ``openets`` command line."""


def main() -> None:  # replaced by the Typer app
    raise SystemExit("not built yet")
