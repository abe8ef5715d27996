"""Value types of authentication: roles, users and API keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from openets.errors import InvalidInput, NotAuthenticated


class Role(StrEnum):
    """What a user is in the market; decides what they may read and move."""

    REGULATOR = "regulator"
    ENTITY = "entity"  # a covered entity (compliance company)
    VERIFIER = "verifier"  # a third-party MRV body
    MEMBER = "member"  # an exchange member
    PROJECT_OWNER = "project_owner"  # owner of CCER, PHCER or carbon-sink projects
    PUBLIC = "public"


#: Roles whose users act for one account owner and see only that owner's accounts.
OWNER_ROLES = frozenset({Role.ENTITY, Role.MEMBER, Role.PROJECT_OWNER})

#: Roles that may see every account and the whole journal.
OVERSIGHT_ROLES = frozenset({Role.REGULATOR, Role.VERIFIER})

KEY_PREFIX = "oets_"
_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
MIN_PASSWORD_LENGTH = 8


def parse_role(text: str) -> Role:
    """The role named by ``text``, or :class:`InvalidInput` listing the valid ones."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r}: expected one of {roles}") from None


def check_user_name(name: str) -> str:
    """Return the name if well formed: 1-64 letters, digits or ``. _ @ -``."""
    if not _USER_NAME.match(name):
        raise InvalidInput(f"user name {name!r} is malformed: use 1-64 letters, digits or . _ @ -")
    return name


@dataclass(frozen=True, slots=True)
class User:
    """An authenticated caller.

    ``owner`` is set for entity, member and project-owner users: the account owner whose
    accounts they may see and move units from. Regulators, verifiers and the public have none.
    """

    name: str
    role: Role
    owner: str | None
    created_at: str

    @property
    def is_anonymous(self) -> bool:
        return self.name == ""


#: The caller of a public endpoint who sent no credentials.
ANONYMOUS = User(name="", role=Role.PUBLIC, owner=None, created_at="")


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly issued API key. ``key`` is the only copy of the secret: show it once."""

    key: str
    key_id: str
    user: User
    label: str
    expires_at: str


def format_key(key_id: str, secret: str) -> str:
    """The text of an API key: ``oets_<id>_<secret>``."""
    return f"{KEY_PREFIX}{key_id}_{secret}"


def split_key(key: str) -> tuple[str, str]:
    """Split an API key into its public id and its secret.

    The id is hex, so the first ``_`` after the prefix ends it (the URL-safe secret may hold
    more underscores).
    """
    text = key.strip()
    if text.startswith(KEY_PREFIX):
        key_id, sep, secret = text[len(KEY_PREFIX) :].partition("_")
        if sep and secret and _KEY_ID.match(key_id):
            return key_id, secret
    raise NotAuthenticated("the API key is malformed: expected oets_<id>_<secret>")
