"""Authentication and authorisation: roles, users, password login and API keys.

Services take an :class:`~openets.bootstrap.App` first; the rules in
:mod:`openets.auth.rules` are pure functions of a :class:`User` and the accounts involved.
"""

from openets.auth.model import ANONYMOUS, IssuedKey, Role, User, parse_role
from openets.auth.services import (
    add_user,
    authenticate,
    get_user,
    issue_api_key,
    key_id_of,
    list_users,
    login,
    login_key,
    password_hasher,
    revoke_api_key,
)

__all__ = [
    "ANONYMOUS",
    "IssuedKey",
    "Role",
    "User",
    "add_user",
    "authenticate",
    "get_user",
    "issue_api_key",
    "key_id_of",
    "list_users",
    "login",
    "login_key",
    "parse_role",
    "password_hasher",
    "revoke_api_key",
]
