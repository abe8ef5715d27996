"""Settings from the environment (``OPENETS_*``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///openets.db"


class Settings(BaseSettings):
    """Runtime settings; every field can be set as ``OPENETS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="OPENETS_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    #: SQLite ``synchronous`` level in WAL mode: NORMAL is durable against process crashes,
    #: FULL also against power loss.
    sqlite_synchronous: str = "NORMAL"
    #: How long a writer waits for another writer's lock before giving up (seconds).
    busy_timeout_s: float = 30.0
    #: Lifetime of a token issued by the password login (hours).
    token_hours: int = 12
