"""Reading a transfer batch from CSV (``instrument,quantity,from,to,key``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path
from typing import overload

from openets.errors import InvalidInput
from openets.registry.bulk import gc_paused
from openets.registry.model import TransferUnits

HEADER = ("instrument", "quantity", "from", "to", "key")
_WHOLE_NUMBER = re.compile(r"^\s*-?[0-9]+\s*$")


class LineLabels(Sequence[str]):
    """``file: line N`` for each command, made only when an error needs one."""

    def __init__(self, name: str, lines: list[int]) -> None:
        self._name = name
        self._lines = lines

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return LineLabels(self._name, self._lines[index])
        return f"{self._name}: line {self._lines[index]}"


def read_transfer_csv(path: Path) -> tuple[list[TransferUnits], LineLabels]:
    """Parse a batch file; return the transfers and a ``line N`` label for each.

    The whole file is checked before anything is applied; an error names its line.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    commands: list[TransferUnits] = []
    lines: list[int] = []
    with handle, gc_paused():
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header) != HEADER:
            raise InvalidInput(
                f"{path}: line 1: header must be {','.join(HEADER)}, got {','.join(header or [])}"
            )
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 5:
                raise InvalidInput(f"{path}: line {line}: expected 5 fields, got {len(row)}")
            instrument, quantity, source, to, key = row
            if not _WHOLE_NUMBER.match(quantity):  # int() would also take "1_000" and "１０"
                raise InvalidInput(
                    f"{path}: line {line}: quantity {quantity!r} is not a whole number of tonnes"
                )
            amount = int(quantity)
            if amount <= 0:
                raise InvalidInput(f"{path}: line {line}: quantity must be positive, got {amount}")
            commands.append(TransferUnits(instrument, amount, source, to, key or None))
            lines.append(line)
    return commands, LineLabels(path.name, lines)
