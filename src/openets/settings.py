"""Settings from the environment (``OPENETS_*``)."""

from __future__ import annotations

from pathlib import Path

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
    #: Argon2id cost of password and API-key hashes: passes, memory (KiB) and lanes. The
    #: defaults are argon2-cffi's (RFC 9106 low-memory profile); tests pass cheap ones.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    #: How long a successful API-key check is trusted in-process without re-running Argon2
    #: (seconds). A revocation made in another process takes effect after at most this long.
    api_key_cache_s: float = 60.0
    #: A TrueType/OpenType font covering Chinese for PDF exports (MRV reports, label
    #: certificates). Unset: the first of :data:`openets.pdf_fonts.SYSTEM_CJK_FONTS` that is
    #: installed (Debian's fonts-wqy-microhei, fonts-wqy-zenhei or fonts-noto-cjk), else none
    #: (then PDFs are English only and other characters print as "?").
    pdf_font: Path | None = None
    #: Where ``openets exchange publish`` sends the outbox's events: ``log:`` (the
    #: ``openets.events`` logger), ``redis://host:6379/0`` (Redis Streams) or
    #: ``nats://host:4222`` (NATS JetStream); see docs/exchange.md, "Publishing events".
    event_bus: str = "log:"
