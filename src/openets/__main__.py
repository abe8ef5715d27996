"""``python -m openets`` runs the command line."""

from openets.cli import main

main()
