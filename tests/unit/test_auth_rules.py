"""The authorisation rules, as pure functions of a user and the accounts involved."""

from __future__ import annotations

import pytest

from openets.auth.model import ANONYMOUS, Role, User, parse_role, split_key
from openets.auth.rules import (
    account_scope,
    can_read_account,
    can_read_public,
    controlled_account,
    require_command,
    require_list_all_accounts,
    require_open_account,
    require_read_account,
    require_read_journal,
)
from openets.errors import InvalidInput, NotAuthenticated, NotAuthorised
from openets.registry.model import (
    Account,
    AccountKind,
    CancelUnits,
    CorrectEntry,
    DepositFunds,
    FreezeUnits,
    IssueUnits,
    RegistryCommand,
    RetireUnits,
    SettleTrades,
    TransferUnits,
    UnfreezeUnits,
    WithdrawFunds,
)

ACME = Account("ACME-1", AccountKind.HOLDING, "Acme Steel", "2025-07-01T02:00:00.000000Z")
BETA = Account("BETA-1", AccountKind.HOLDING, "Beta Cement", "2025-07-01T02:00:00.000000Z")
ISSUANCE = Account("SYS-ISSUANCE", AccountKind.ISSUANCE, "registry", "2025-07-01T02:00:00.000000Z")


def user(role: Role, owner: str | None = None) -> User:
    return User(f"u-{role}", role, owner, "2025-07-01T02:00:00.000000Z")


REGULATOR = user(Role.REGULATOR)
VERIFIER = user(Role.VERIFIER)
PUBLIC = user(Role.PUBLIC)
ACME_ENTITY = user(Role.ENTITY, "Acme Steel")
ACME_MEMBER = user(Role.MEMBER, "Acme Steel")
ACME_PROJECT = user(Role.PROJECT_OWNER, "Acme Steel")
OWNERS = [ACME_ENTITY, ACME_MEMBER, ACME_PROJECT]


def test_oversight_roles_read_every_account() -> None:
    for reader in (REGULATOR, VERIFIER):
        assert can_read_account(reader, ACME)
        assert can_read_account(reader, ISSUANCE)
        assert account_scope(reader) is None
        require_list_all_accounts(reader)
        require_read_journal(reader)


@pytest.mark.parametrize("owner_user", OWNERS, ids=lambda u: u.role)
def test_owner_roles_read_only_their_own_accounts(owner_user: User) -> None:
    assert can_read_account(owner_user, ACME)
    assert not can_read_account(owner_user, BETA)
    assert not can_read_account(owner_user, ISSUANCE)
    assert account_scope(owner_user) == "Acme Steel"
    with pytest.raises(NotAuthorised, match="may not read account 'BETA-1'"):
        require_read_account(owner_user, BETA)
    with pytest.raises(NotAuthorised, match="may not list all accounts"):
        require_list_all_accounts(owner_user)
    with pytest.raises(NotAuthorised, match="full journal"):
        require_read_journal(owner_user)


@pytest.mark.parametrize("nobody", [PUBLIC, ANONYMOUS], ids=["public", "anonymous"])
def test_public_reads_supply_but_no_account(nobody: User) -> None:
    assert can_read_public(nobody)
    assert not can_read_account(nobody, ACME)
    with pytest.raises(NotAuthorised, match="may not list accounts"):
        account_scope(nobody)
    with pytest.raises(NotAuthorised):
        require_read_journal(nobody)


def test_an_owner_role_without_an_owner_sees_nothing() -> None:
    orphan = user(Role.ENTITY, None)
    assert not can_read_account(orphan, ACME)
    with pytest.raises(NotAuthorised):
        account_scope(orphan)


def test_only_the_regulator_opens_accounts() -> None:
    require_open_account(REGULATOR)
    for other in (VERIFIER, PUBLIC, ACME_ENTITY, ANONYMOUS):
        with pytest.raises(NotAuthorised, match="only a regulator"):
            require_open_account(other)


REGULATOR_COMMANDS: list[tuple[RegistryCommand, Account | None]] = [
    (IssueUnits("GDEA-2024", 10, "ACME-1"), None),
    (CancelUnits("GDEA-2024", 10, "ACME-1", "surrender"), ACME),
    (FreezeUnits("GDEA-2024", 10, "ACME-1"), ACME),
    (UnfreezeUnits("GDEA-2024", 10, "ACME-1"), ACME),
    (CorrectEntry(3, "typo"), None),
    (TransferUnits("GDEA-2024", 10, "ACME-1", "BETA-1"), ACME),
]


@pytest.mark.parametrize(("command", "account"), REGULATOR_COMMANDS)
def test_regulator_commands(command: RegistryCommand, account: Account | None) -> None:
    require_command(REGULATOR, command, account)
    for other in (*OWNERS, VERIFIER, PUBLIC):
        if isinstance(command, TransferUnits) and other in OWNERS:
            continue  # their own account: allowed, tested below
        with pytest.raises(NotAuthorised):
            require_command(other, command, account)


def test_regulator_does_not_transfer_out_of_system_accounts_or_retire() -> None:
    with pytest.raises(NotAuthorised, match="never by a transfer"):
        require_command(
            REGULATOR, TransferUnits("GDEA-2024", 1, "SYS-ISSUANCE", "ACME-1"), ISSUANCE
        )
    with pytest.raises(NotAuthorised, match="retirement is for the holder"):
        require_command(REGULATOR, RetireUnits("GDEA-2024", 1, "ACME-1", "offset"), ACME)


@pytest.mark.parametrize("owner_user", OWNERS, ids=lambda u: u.role)
def test_owner_roles_transfer_and_retire_from_own_accounts_only(owner_user: User) -> None:
    transfer = TransferUnits("GDEA-2024", 5, "ACME-1", "BETA-1")
    retire = RetireUnits("GDEA-2024", 5, "ACME-1", "voluntary")
    require_command(owner_user, transfer, ACME)
    require_command(owner_user, retire, ACME)
    with pytest.raises(NotAuthorised, match="from account 'BETA-1': it is not theirs"):
        require_command(owner_user, TransferUnits("GDEA-2024", 5, "BETA-1", "ACME-1"), BETA)
    with pytest.raises(NotAuthorised, match="not theirs"):
        require_command(owner_user, RetireUnits("GDEA-2024", 5, "BETA-1", "x"), BETA)


def test_verifier_and_public_move_nothing() -> None:
    for nobody in (VERIFIER, PUBLIC, ANONYMOUS):
        with pytest.raises(NotAuthorised):
            require_command(nobody, TransferUnits("GDEA-2024", 1, "ACME-1", "BETA-1"), ACME)
        with pytest.raises(NotAuthorised):
            require_command(nobody, RetireUnits("GDEA-2024", 1, "ACME-1", "x"), ACME)


def test_controlled_account() -> None:
    assert controlled_account(TransferUnits("CCER", 1, "A", "B")) == "A"
    assert controlled_account(RetireUnits("CCER", 1, "A", "r")) == "A"
    assert controlled_account(CancelUnits("CCER", 1, "A", "r")) == "A"
    assert controlled_account(FreezeUnits("CCER", 1, "A")) == "A"
    assert controlled_account(UnfreezeUnits("CCER", 1, "A")) == "A"
    assert controlled_account(IssueUnits("CCER", 1, "A")) is None
    assert controlled_account(CorrectEntry(1, "r")) is None


def test_parse_role() -> None:
    assert parse_role("Project_Owner") is Role.PROJECT_OWNER
    with pytest.raises(InvalidInput, match="unknown role 'admin': expected one of regulator"):
        parse_role("admin")


def test_split_key() -> None:
    assert split_key("oets_0123456789abcdef_se_cr-et") == ("0123456789abcdef", "se_cr-et")
    for bad in ("", "oets_", "oets_0123456789abcdef", "xx_0123456789abcdef_s", "oets_XYZ_s"):
        with pytest.raises(NotAuthenticated, match="malformed"):
            split_key(bad)


@pytest.mark.parametrize(
    ("command", "action", "controlled"),
    [
        (DepositFunds("ACME-1", 100), "deposit funds", None),
        (WithdrawFunds("ACME-1", 100), "withdraw funds", "ACME-1"),
        (SettleTrades(()), "settle trades", None),
    ],
)
def test_funds_and_settlement_are_the_exchanges_alone(
    command: RegistryCommand, action: str, controlled: str | None
) -> None:
    assert controlled_account(command) == controlled
    for role in Role:
        with pytest.raises(NotAuthorised, match=f"may not {action} through the registry"):
            require_command(user(role, "Acme Steel"), command, ACME)
