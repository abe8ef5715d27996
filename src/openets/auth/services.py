"""Authentication use cases: users, password login and API keys.

Passwords and API-key secrets are stored as Argon2id hashes (cost from the settings
``argon2_*``). An API key reads ``oets_<id>_<secret>``: the id finds the row, the secret is
verified against its hash. Argon2 is slow on purpose, so a successful check is remembered
in-process for ``settings.api_key_cache_s`` seconds (of ``app.clock`` time), keyed by the
SHA-256 of the whole key. Expiry is checked on every call, cached or not; a revocation clears
this process's cache at once and reaches other processes within the cache lifetime.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from openets.auth.model import (
    KEY_PREFIX,
    MIN_PASSWORD_LENGTH,
    OWNER_ROLES,
    IssuedKey,
    Role,
    User,
    check_user_name,
    format_key,
    parse_role,
    split_key,
)
from openets.bootstrap import App
from openets.clock import utc_text
from openets.db import schema
from openets.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from openets.settings import Settings

#: Longest lifetime of an API key issued on request (days).
MAX_KEY_DAYS = 3650
_BAD_LOGIN = "user name or password is wrong"
_BAD_KEY = "the API key is not valid"
_CACHE_SIZE = 4096

# --- hashing --------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def password_hasher(settings: Settings) -> PasswordHasher:
    """The Argon2id hasher for the configured cost (one per distinct cost, reused)."""
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )


@lru_cache(maxsize=8)
def _decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("decoy password, never matches")


def _verify(hasher: PasswordHasher, stored: str, secret: str) -> bool:
    try:
        return bool(hasher.verify(stored, secret))
    except (VerificationError, InvalidHashError):
        return False


# --- the verification cache -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Verified:
    user: User
    key_id: str
    expires_at: str
    checked_at: datetime


class _KeyCache:
    """Successful key checks of one database, newest last, bounded in size."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Verified] = OrderedDict()

    def get(self, digest: str) -> _Verified | None:
        with self._lock:
            return self._entries.get(digest)

    def put(self, digest: str, verified: _Verified) -> None:
        with self._lock:
            self._entries[digest] = verified
            self._entries.move_to_end(digest)
            while len(self._entries) > _CACHE_SIZE:
                self._entries.popitem(last=False)

    def forget(self, key_id: str) -> None:
        with self._lock:
            for digest in [d for d, v in self._entries.items() if v.key_id == key_id]:
                del self._entries[digest]


_caches: weakref.WeakKeyDictionary[Engine, _KeyCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(app: App) -> _KeyCache:
    # one cache per database (engine), so two apps in one process never share verifications
    with _caches_lock:
        cache = _caches.get(app.engine)
        if cache is None:
            cache = _caches[app.engine] = _KeyCache()
        return cache


# --- users ----------------------------------------------------------------------------------


def _user(name: str, role: str, owner: str | None, created_at: str) -> User:
    return User(name=name, role=Role(role), owner=owner, created_at=created_at)


_USER_COLUMNS = (
    schema.users.c.name,
    schema.users.c.role,
    schema.users.c.owner,
    schema.users.c.created_at,
)


def add_user(
    app: App, name: str, role: str, owner: str | None = None, password: str | None = None
) -> User:
    """Create a user.

    Entity, member and project-owner users need ``owner``: the account owner whose accounts
    they may see and move units from; other roles must not have one. ``password`` (at least
    8 characters) enables :func:`login`; without one the user works with API keys only.
    Raises :class:`InvalidInput` for a bad name, role, owner or password and
    :class:`Conflict` when the name is taken.
    """
    check_user_name(name)
    user_role = parse_role(role)
    owner = owner.strip() if owner is not None else None
    if user_role in OWNER_ROLES and not owner:
        raise InvalidInput(
            f"a {user_role} user needs an owner: the account owner whose accounts they act for"
        )
    if user_role not in OWNER_ROLES and owner:
        raise InvalidInput(f"a {user_role} user acts for no account owner: leave the owner out")
    password_hash = None
    if password is not None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        password_hash = password_hasher(app.settings).hash(password)
    user = User(name, user_role, owner or None, utc_text(app.clock.now()))

    def work(connection: Connection) -> User:
        users = schema.users
        taken = connection.execute(select(users.c.name).where(users.c.name == name)).first()
        if taken is not None:
            raise Conflict(f"user {name!r} already exists")
        connection.execute(
            users.insert().values(
                name=user.name,
                role=user.role.value,
                owner=user.owner,
                password_hash=password_hash,
                created_at=user.created_at,
            )
        )
        return user

    try:
        return app.write(work)
    except IntegrityError:
        raise Conflict(f"user {name!r} already exists") from None


def get_user(app: App, name: str) -> User:
    """The user called ``name``, or :class:`NotFound`."""
    users = schema.users
    with app.reading() as connection:
        row = connection.execute(select(*_USER_COLUMNS).where(users.c.name == name)).first()
    if row is None:
        raise NotFound(f"user {name!r} does not exist")
    return _user(*row)


def list_users(app: App) -> list[User]:
    """Every user, by name."""
    users = schema.users
    with app.reading() as connection:
        rows = connection.execute(select(*_USER_COLUMNS).order_by(users.c.name)).all()
    return [_user(*row) for row in rows]


# --- API keys -------------------------------------------------------------------------------


def _issue(
    app: App, user_name: str, label: str, expires: datetime, password_hash: str | None = None
) -> IssuedKey:
    """Store a new key for the user (and, after a login, a rehashed password)."""
    label = label.strip()
    if len(label) > 200:
        raise InvalidInput("a key label has at most 200 characters")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    secret_hash = password_hasher(app.settings).hash(secret)
    now = utc_text(app.clock.now())
    expires_at = utc_text(expires)
    users, api_keys = schema.users, schema.api_keys

    def work(connection: Connection) -> User:
        row = connection.execute(select(*_USER_COLUMNS).where(users.c.name == user_name)).first()
        if row is None:
            raise NotFound(f"user {user_name!r} does not exist")
        connection.execute(
            api_keys.insert().values(
                id=key_id,
                user_name=user_name,
                secret_hash=secret_hash,
                label=label,
                created_at=now,
                expires_at=expires_at,
                revoked=False,
            )
        )
        if password_hash is not None:
            connection.execute(
                users.update().where(users.c.name == user_name).values(password_hash=password_hash)
            )
        return _user(*row)

    user = app.write(work)
    return IssuedKey(format_key(key_id, secret), key_id, user, label, expires_at)


def issue_api_key(app: App, user_name: str, label: str, days: int = 90) -> str:
    """Issue an API key valid for ``days`` days (1-3650) and return it.

    The returned text is the only copy of the secret: the database keeps its hash.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_KEY_DAYS:
        raise InvalidInput(f"a key lives 1-{MAX_KEY_DAYS} days, got {days!r}")
    return _issue(app, user_name, label, app.clock.now() + timedelta(days=days)).key


def login_key(app: App, name: str, password: str) -> IssuedKey:
    """Check a password and issue a session key valid for ``settings.token_hours`` hours.

    Raises :class:`NotAuthenticated` with the same message for an unknown name, a user
    without a password and a wrong password.
    """
    hasher = password_hasher(app.settings)
    users = schema.users
    with app.reading() as connection:
        stored = connection.execute(
            select(users.c.password_hash).where(users.c.name == name)
        ).scalar()
    if stored is None:
        # spend the same work as a real check, so timing does not tell which names exist
        _verify(hasher, _decoy_hash(hasher), password)
        raise NotAuthenticated(_BAD_LOGIN)
    if not _verify(hasher, stored, password):
        raise NotAuthenticated(_BAD_LOGIN)
    rehashed = hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    expires = app.clock.now() + timedelta(hours=app.settings.token_hours)
    return _issue(app, name, "login", expires, password_hash=rehashed)


def login(app: App, name: str, password: str) -> str:
    """Check a password and return a new API key valid for ``settings.token_hours`` hours."""
    return login_key(app, name, password).key


def authenticate(app: App, key: str) -> User:
    """The user an API key belongs to, if the key is known, unrevoked and unexpired.

    Raises :class:`NotAuthenticated` otherwise. Times come from ``app.clock``.
    """
    key_id, secret = split_key(key)
    digest = hashlib.sha256(key.strip().encode()).hexdigest()
    now = app.clock.now()
    now_text = utc_text(now)
    cache = _cache(app)
    hit = cache.get(digest)
    if hit is not None and hit.key_id == key_id and now_text < hit.expires_at:
        age = (now - hit.checked_at).total_seconds()
        if 0 <= age < app.settings.api_key_cache_s:
            return hit.user
    api_keys, users = schema.api_keys, schema.users
    with app.reading() as connection:
        row = connection.execute(
            select(
                api_keys.c.secret_hash,
                api_keys.c.expires_at,
                api_keys.c.revoked,
                *_USER_COLUMNS,
            )
            .join(users, users.c.name == api_keys.c.user_name)
            .where(api_keys.c.id == key_id)
        ).first()
    if row is None or not _verify(password_hasher(app.settings), row[0], secret):
        raise NotAuthenticated(_BAD_KEY)
    secret_hash, expires_at, revoked, *user_fields = row
    del secret_hash
    if revoked:
        cache.forget(key_id)
        raise NotAuthenticated("the API key has been revoked")
    if now_text >= expires_at:
        raise NotAuthenticated(f"the API key expired at {expires_at}; log in again")
    user = _user(*user_fields)
    cache.put(digest, _Verified(user, key_id, expires_at, now))
    return user


def key_id_of(key: str) -> str:
    """The public id of an API key (raises :class:`NotAuthenticated` if malformed)."""
    return split_key(key)[0]


def revoke_api_key(app: App, key_id: str) -> None:
    """Revoke an API key by its id (or by the whole key). Revoking twice is harmless."""
    if key_id.startswith(KEY_PREFIX):
        key_id = split_key(key_id)[0]
    api_keys = schema.api_keys

    def work(connection: Connection) -> None:
        result = connection.execute(
            api_keys.update().where(api_keys.c.id == key_id).values(revoked=True)
        )
        if result.rowcount == 0:
            raise NotFound(f"API key {key_id!r} does not exist")

    app.write(work)
    _cache(app).forget(key_id)
