"""Pausing the cyclic garbage collector around bulk work."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk operation.

    A large batch allocates millions of short-lived objects without reference cycles (rows,
    tuples, postings); the collector's passes over them cost about a sixth of the batch's
    time and free nothing. Reference counting still frees every object at once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
