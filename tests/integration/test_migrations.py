"""Alembic migrations create exactly the schema of ``openets.db.schema``, on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from openets import App, bootstrap
from openets.clock import FixedClock
from openets.db import schema
from openets.db.migrate import current_revision, head_revision, upgrade
from openets.registry import audit
from openets.registry.chain import GENESIS_HASH
from openets.registry.model import IssueUnits
from openets.registry.services import balance, ensure_system_accounts, execute, open_account


@pytest.fixture
def empty(database_url: str, clock: FixedClock) -> Iterator[App]:
    """An application on an empty database: no tables at all."""
    application = bootstrap(database_url, clock=clock)
    yield application
    application.dispose()


def differences(app: App) -> list[object]:
    with app.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), schema.metadata))


def table_names(app: App) -> set[str]:
    return set(sa.inspect(app.engine).get_table_names())


def test_upgrade_creates_exactly_the_schema(empty: App) -> None:
    assert table_names(empty) == set()
    with empty.engine.connect() as connection:
        assert current_revision(connection) is None

    assert upgrade(empty) == head_revision()

    assert table_names(empty) == {*schema.metadata.tables, "alembic_version"}
    assert differences(empty) == []
    with empty.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        head = connection.execute(sa.select(schema.journal_head)).all()
    assert [tuple(row) for row in head] == [(1, 0, GENESIS_HASH)]


def test_upgrading_again_is_a_no_op(empty: App) -> None:
    upgrade(empty)
    ensure_system_accounts(empty)
    open_account(empty, "A", "holding", "Guangzhou Steel")
    execute(empty, IssueUnits("GDEA-2024", 100, "A"))
    tables = table_names(empty)

    assert upgrade(empty) == head_revision()
    assert upgrade(empty) == head_revision()

    assert table_names(empty) == tables
    assert differences(empty) == []
    with empty.engine.connect() as connection:
        head = connection.execute(sa.select(schema.journal_head)).all()
        versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    assert len(head) == 1
    assert head[0].seq == 1
    assert [tuple(v) for v in versions] == [(head_revision(),)]
    assert [(p.instrument, p.quantity) for p in balance(empty, "A").balances] == [
        ("GDEA-2024", 100)
    ]
    assert audit.verify(empty).ok
