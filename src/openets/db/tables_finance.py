"""Tables of carbon finance: allowance pledges and their valuations (on the shared
:data:`openets.db.schema.metadata`)."""

from __future__ import annotations

from openets.db.schema import metadata

__all__ = ["metadata"]
