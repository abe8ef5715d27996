"""Who may do what: pure authorisation rules over a user and the accounts involved.

Every ``require_*`` function returns quietly when the user may act and raises
:class:`~openets.errors.NotAuthorised` with the reason otherwise. Entry points call them
before the service; the services themselves stay role-agnostic so the CLI (an operator with
database access) is not constrained.
"""

from __future__ import annotations

from openets.auth.model import OVERSIGHT_ROLES, OWNER_ROLES, Role, User
from openets.errors import NotAuthorised
from openets.registry.model import (
    Account,
    CancelUnits,
    CorrectEntry,
    DepositFunds,
    FreezeUnits,
    IssueUnits,
    RegistryCommand,
    RetireUnits,
    SettleTrades,
    SurrenderUnits,
    TransferUnits,
    UnfreezeUnits,
    WithdrawFunds,
)


def _who(user: User) -> str:
    if user.is_anonymous:
        return "an anonymous caller"
    return f"user {user.name!r} ({user.role})"


def owns(user: User, account: Account) -> bool:
    """Whether the user acts for the owner of the account."""
    return user.role in OWNER_ROLES and user.owner is not None and user.owner == account.owner


def can_read_account(user: User, account: Account) -> bool:
    """Regulators and verifiers read every account; owner roles only their owner's."""
    return user.role in OVERSIGHT_ROLES or owns(user, account)


def require_read_account(user: User, account: Account) -> None:
    """Refuse unless the user may read the account, its balance and its statement."""
    if not can_read_account(user, account):
        raise NotAuthorised(f"{_who(user)} may not read account {account.id!r}")


def account_scope(user: User) -> str | None:
    """The owner whose accounts a listing shows the user: ``None`` means every account.

    Regulators and verifiers list all accounts; entity, member and project-owner users their
    owner's; the public none.
    """
    if user.role in OVERSIGHT_ROLES:
        return None
    if user.role in OWNER_ROLES and user.owner:
        return user.owner
    raise NotAuthorised(f"{_who(user)} may not list accounts")


def require_list_all_accounts(user: User) -> None:
    """Refuse unless the user may list every account (regulator, verifier)."""
    if user.role not in OVERSIGHT_ROLES:
        raise NotAuthorised(f"{_who(user)} may not list all accounts")


def require_read_journal(user: User) -> None:
    """Refuse unless the user may read the whole journal and serial histories."""
    if user.role not in OVERSIGHT_ROLES:
        raise NotAuthorised(f"{_who(user)} may not read the full journal")


def can_read_public(user: User) -> bool:
    """Supply figures and the chain status are public: anyone may read them."""
    del user
    return True


def require_open_account(user: User) -> None:
    """Only the regulator opens accounts."""
    if user.role is not Role.REGULATOR:
        raise NotAuthorised(f"{_who(user)} may not open accounts: only a regulator may")


def controlled_account(command: RegistryCommand) -> str | None:
    """The account a command takes units out of (or freezes), if any."""
    match command:
        case TransferUnits() | RetireUnits() | CancelUnits() | SurrenderUnits():
            return command.source
        case FreezeUnits() | UnfreezeUnits():
            return command.account
        case WithdrawFunds():
            return command.account
        case IssueUnits() | CorrectEntry() | DepositFunds() | SettleTrades():
            return None


_REGULATOR_ONLY = (
    IssueUnits,
    CancelUnits,
    SurrenderUnits,
    FreezeUnits,
    UnfreezeUnits,
    CorrectEntry,
)
_NAMES = {
    IssueUnits: "issue units",
    TransferUnits: "transfer units",
    RetireUnits: "retire units",
    CancelUnits: "cancel units",
    SurrenderUnits: "surrender units",
    FreezeUnits: "freeze units",
    UnfreezeUnits: "unfreeze units",
    CorrectEntry: "correct journal entries",
    DepositFunds: "deposit funds",
    WithdrawFunds: "withdraw funds",
    SettleTrades: "settle trades",
}
#: Commands only the exchange's own services run (never a user through the registry).
_EXCHANGE_ONLY = (DepositFunds, WithdrawFunds, SettleTrades)


def require_command(user: User, command: RegistryCommand, account: Account | None) -> None:
    """Refuse unless the user may run the command.

    ``account`` is the loaded :func:`controlled_account` of the command (``None`` for issuance
    and corrections). Regulators issue, cancel, correct, freeze, unfreeze and transfer out of
    any non-system account; entity, member and project-owner users transfer and retire from
    their own accounts only; verifiers and the public move nothing.
    """
    action = _NAMES[type(command)]
    if isinstance(command, _EXCHANGE_ONLY):
        raise NotAuthorised(
            f"{_who(user)} may not {action} through the registry: the exchange's services do"
        )
    if user.role is Role.REGULATOR:
        if isinstance(command, _REGULATOR_ONLY):
            return
        if isinstance(command, TransferUnits):
            if account is not None and account.is_system:
                raise NotAuthorised(
                    f"units leave the {account.kind} account {account.id!r} only by issuance, "
                    "retirement or cancellation, never by a transfer"
                )
            return
        raise NotAuthorised(
            f"{_who(user)} may not {action}: retirement is for the holder of the account"
        )
    if user.role in OWNER_ROLES:
        if not isinstance(command, TransferUnits | RetireUnits):
            raise NotAuthorised(f"{_who(user)} may not {action}: only a regulator may")
        if account is None or not owns(user, account):
            source = command.source
            raise NotAuthorised(
                f"{_who(user)} may not {action} from account {source!r}: it is not theirs"
            )
        return
    raise NotAuthorised(f"{_who(user)} may not {action}")
