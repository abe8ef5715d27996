"""Users, password login and API keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from openets import App, bootstrap
from openets.auth import (
    Role,
    add_user,
    authenticate,
    get_user,
    issue_api_key,
    key_id_of,
    list_users,
    login,
    login_key,
    revoke_api_key,
)
from openets.cli import users as users_cli
from openets.cli.context import CliState
from openets.clock import FixedClock
from openets.db import schema
from openets.db.migrate import upgrade
from openets.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from openets.registry.services import ensure_system_accounts
from openets.settings import Settings

#: Argon2 at its cheapest: the tests check behaviour, not the cost.
CHEAP = {"argon2_time_cost": 1, "argon2_memory_kib": 8, "argon2_parallelism": 1}
KEY = re.compile(r"^oets_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$")


@pytest.fixture
def app(database_url: str, clock: FixedClock) -> Iterator[App]:
    """A migrated registry with cheap password hashing."""
    application = bootstrap(database_url, clock=clock, settings=Settings(**CHEAP))
    upgrade(application)
    ensure_system_accounts(application)
    yield application
    application.dispose()


def test_add_user_and_authenticate_with_a_key(app: App) -> None:
    user = add_user(app, "acme", "entity", owner="Acme Steel")
    assert (user.name, user.role, user.owner) == ("acme", Role.ENTITY, "Acme Steel")
    assert user.created_at == "2025-07-01T02:00:00.000000Z"
    key = issue_api_key(app, "acme", "ci", days=30)
    assert KEY.match(key)
    assert authenticate(app, key) == user
    assert get_user(app, "acme") == user
    assert [u.name for u in list_users(app)] == ["acme"]


def test_add_user_refuses_bad_input(app: App) -> None:
    with pytest.raises(InvalidInput, match="entity user needs an owner"):
        add_user(app, "acme", "entity")
    with pytest.raises(InvalidInput, match="regulator user acts for no account owner"):
        add_user(app, "reg", "regulator", owner="Acme Steel")
    with pytest.raises(InvalidInput, match="unknown role 'admin'"):
        add_user(app, "root", "admin")
    with pytest.raises(InvalidInput, match="user name 'bad name' is malformed"):
        add_user(app, "bad name", "public")
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        add_user(app, "reg", "regulator", password="short")
    add_user(app, "reg", "regulator")
    with pytest.raises(Conflict, match="user 'reg' already exists"):
        add_user(app, "reg", "verifier")
    assert [u.name for u in list_users(app)] == ["reg"]


def test_issue_api_key_refuses_unknown_user_and_bad_days(app: App) -> None:
    with pytest.raises(NotFound, match="user 'ghost' does not exist"):
        issue_api_key(app, "ghost", "x")
    add_user(app, "reg", "regulator")
    with pytest.raises(InvalidInput, match="1-3650 days"):
        issue_api_key(app, "reg", "x", days=0)


def test_login_issues_a_key_that_expires_after_token_hours(app: App, clock: FixedClock) -> None:
    add_user(app, "reg", "regulator", password="correct horse")
    issued = login_key(app, "reg", "correct horse")
    assert issued.expires_at == "2025-07-01T14:00:00.000000Z"  # 12 hours
    assert authenticate(app, issued.key).name == "reg"
    clock.advance(timedelta(hours=11, minutes=59))
    assert authenticate(app, issued.key).name == "reg"
    clock.advance(timedelta(minutes=1))
    # expiry is checked even though the key's verification is cached
    with pytest.raises(NotAuthenticated, match=r"expired at 2025-07-01T14:00:00.000000Z"):
        authenticate(app, issued.key)


def test_login_gives_one_message_for_every_failure(app: App) -> None:
    add_user(app, "reg", "regulator", password="correct horse")
    add_user(app, "keys-only", "verifier")
    failures = []
    for name, password in [("reg", "wrong horse"), ("nobody", "x"), ("keys-only", "anything")]:
        with pytest.raises(NotAuthenticated) as refused:
            login(app, name, password)
        failures.append(refused.value.message)
    assert failures == ["user name or password is wrong"] * 3


def test_login_rehashes_a_password_when_the_cost_changes(app: App) -> None:
    add_user(app, "reg", "regulator", password="correct horse")
    stronger = App(Settings(**{**CHEAP, "argon2_time_cost": 2}), app.engine, app.clock)
    login(stronger, "reg", "correct horse")
    with app.reading() as connection:
        stored = connection.execute(schema.users.select()).one().password_hash
    assert "t=2" in stored
    assert login(app, "reg", "correct horse")  # the old cost still verifies the new hash


def test_bad_keys_are_refused(app: App) -> None:
    add_user(app, "reg", "regulator")
    key = issue_api_key(app, "reg", "x")
    key_id = key_id_of(key)
    with pytest.raises(NotAuthenticated, match="not valid"):
        authenticate(app, f"oets_{key_id}_wrong-secret")
    with pytest.raises(NotAuthenticated, match="not valid"):
        authenticate(app, "oets_0000000000000000_" + key.rsplit("_", 1)[1])
    with pytest.raises(NotAuthenticated, match="malformed"):
        authenticate(app, "Bearer " + key)


def test_revocation_takes_effect_at_once_in_process(app: App) -> None:
    add_user(app, "reg", "regulator")
    key = issue_api_key(app, "reg", "x")
    authenticate(app, key)  # now cached
    revoke_api_key(app, key_id_of(key))
    with pytest.raises(NotAuthenticated, match="revoked"):
        authenticate(app, key)
    revoke_api_key(app, key)  # the whole key works too; revoking twice is harmless
    with pytest.raises(NotFound, match="API key 'ffffffffffffffff' does not exist"):
        revoke_api_key(app, "ffffffffffffffff")


def test_revocation_by_another_process_ends_within_the_cache_lifetime(
    app: App, clock: FixedClock
) -> None:
    add_user(app, "reg", "regulator")
    key = issue_api_key(app, "reg", "x")
    authenticate(app, key)
    # another process revokes: this process's cache does not hear of it
    app.write(lambda c: c.execute(schema.api_keys.update().values(revoked=True)))
    clock.advance(timedelta(seconds=59))
    assert authenticate(app, key).name == "reg"
    clock.advance(timedelta(seconds=1))
    with pytest.raises(NotAuthenticated, match="revoked"):
        authenticate(app, key)


def test_cli_adds_users_and_keys(app: App) -> None:
    runner = CliRunner()
    state = CliState(None, _app=app)
    result = runner.invoke(
        users_cli.app,
        ["add", "acme", "--role", "entity", "--owner", "Acme Steel", "--json"],
        obj=state,
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {k: document[k] for k in ("name", "role", "owner")} == {
        "name": "acme",
        "role": "entity",
        "owner": "Acme Steel",
    }
    assert authenticate(app, document["api_key"]).owner == "Acme Steel"

    result = runner.invoke(
        users_cli.app, ["key", "acme", "--label", "robot", "--days", "7", "--json"], obj=state
    )
    assert result.exit_code == 0, result.output
    second = json.loads(result.stdout)["api_key"]
    assert second != document["api_key"]
    assert authenticate(app, second).name == "acme"

    result = runner.invoke(users_cli.app, ["revoke", key_id_of(second)], obj=state)
    assert result.exit_code == 0, result.output
    with pytest.raises(NotAuthenticated, match="revoked"):
        authenticate(app, second)

    result = runner.invoke(users_cli.app, ["list", "--json"], obj=state)
    assert [u["name"] for u in json.loads(result.stdout)] == ["acme"]

    result = runner.invoke(users_cli.app, ["add", "beta", "--role", "entity"], obj=state)
    assert isinstance(result.exception, InvalidInput)
