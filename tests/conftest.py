"""Shared fixtures: every storage test runs against SQLite and PostgreSQL.

PostgreSQL tests get a schema of their own on ``OPENETS_TEST_POSTGRES_URL`` (default: the
local server, database ``test``). Without a reachable server they skip with the reason, except
under CI (``CI`` set), where a skipped PostgreSQL test would hide a failure, so they fail.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from openets import App, bootstrap
from openets.clock import FixedClock
from openets.db.migrate import upgrade
from openets.registry.services import ensure_system_accounts

PG_URL = os.environ.get(
    "OPENETS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@functools.cache
def postgres_reachable() -> bool:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


def require_postgres() -> None:
    if postgres_reachable():
        return
    message = f"PostgreSQL is not reachable at {PG_URL}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: under CI a skipped PostgreSQL test counts as a failure")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections see only a new, empty schema (dropped afterwards)."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as connection:
        connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    """An empty database on each engine in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/openets.db"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def clock() -> FixedClock:
    """2025-07-01 10:00 CST, a trading day's morning."""
    return FixedClock(datetime(2025, 7, 1, 2, 0, tzinfo=UTC))


@pytest.fixture
def app(database_url: str, clock: FixedClock) -> Iterator[App]:
    """A migrated registry with its system accounts, on each engine in turn."""
    application = bootstrap(database_url, clock=clock)
    upgrade(application)
    ensure_system_accounts(application)
    yield application
    application.dispose()


CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@pytest.fixture
def cjk_font_file() -> Path:
    """Debian's Chinese font (``scripts/test.sh`` installs fonts-wqy-microhei). Without it the
    test skips, except under CI (``CI`` set), where a skipped test would hide a failure."""
    if not CJK_FONT.is_file():
        message = f"no Chinese font at {CJK_FONT} (apt-get install fonts-wqy-microhei)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: under CI a skipped test counts as a failure")
        pytest.skip(message)
    return CJK_FONT
