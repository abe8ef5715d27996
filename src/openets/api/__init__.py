"""The REST API (FastAPI), versioned under ``/api/v1``.

Build it with :func:`create_api`; :mod:`openets.api.deps` has the dependencies
(``current_user``, ``optional_user``, ``app_of``) that the web dashboard reuses.
"""

from openets.api.app import create_api

__all__ = ["create_api"]
