"""The composition root: settings, database engine and clock, wired once.

Entry points (CLI, API, web) call :func:`bootstrap` and hand the :class:`App` to services.
Tests build an ``App`` with a :class:`~openets.clock.FixedClock` and a temporary database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from openets.clock import Clock, SystemClock, business_date
from openets.db.engine import READ_ONLY, make_engine
from openets.settings import Settings

R = TypeVar("R")

#: SQLSTATEs after which PostgreSQL asks the client to run the transaction again
_PG_RETRY_STATES = {"40001", "40P01"}


def _is_transient(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    if state in _PG_RETRY_STATES:
        return True
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


@dataclass
class App:
    """A wired application: every service takes one as its first argument."""

    settings: Settings
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def today(self) -> date:
        """The business date (CST) of the application's clock."""
        return business_date(self.clock.now())

    def write(self, work: Callable[[Connection], R], attempts: int = 6) -> R:
        """Run ``work`` in one write transaction, retrying it whole on transient lock errors.

        ``work`` must be safe to run again: everything it did is rolled back before a retry.
        """
        for attempt in range(attempts):
            try:
                with self.engine.begin() as connection:
                    return work(connection)
            except DBAPIError as exc:
                if attempt + 1 >= attempts or not _is_transient(exc):
                    raise
                time.sleep(0.02 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def write_unique(self, work: Callable[[Connection], R]) -> R:
        """:meth:`write` ``work`` that inserts a row with a unique key a concurrent caller may
        insert first: after that unique-key race, ``work`` runs once more, sees the other
        caller's row and answers as a repeat (or a refusal) would."""
        try:
            return self.write(work)
        except IntegrityError:
            return self.write(work)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot on both engines)."""
        with self.engine.connect() as plain:
            connection = plain.execution_options(**{READ_ONLY: True})
            with connection.begin():
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(
    database_url: str | None = None,
    clock: Clock | None = None,
    settings: Settings | None = None,
) -> App:
    """Wire the application for a database URL (default: ``OPENETS_DATABASE_URL``)."""
    settings = settings or Settings()
    url = database_url or settings.database_url
    return App(settings=settings, engine=make_engine(url, settings), clock=clock or SystemClock())
