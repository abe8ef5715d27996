"""The one exception tree of OpenETS.

Every error a user can cause is an :class:`OpenETSError`. Each subclass carries the CLI exit
code and the HTTP status it maps to, so the CLI and the REST API translate errors in one place
and can never disagree.
"""

from __future__ import annotations


class OpenETSError(Exception):
    """Base of all errors that OpenETS reports to a user."""

    exit_code = 1
    http_status = 400
    title = "Request refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolation(OpenETSError):
    """A domain rule refused the operation (insufficient balance, frozen units, ...)."""

    exit_code = 1
    http_status = 422
    title = "Refused by a rule"


class InvalidInput(OpenETSError):
    """The input is malformed (unknown instrument code, non-positive quantity, bad file)."""

    exit_code = 2
    http_status = 400
    title = "Invalid input"


class NotFound(OpenETSError):
    """A named thing (account, entry, user) does not exist."""

    exit_code = 3
    http_status = 404
    title = "Not found"


class Conflict(OpenETSError):
    """The request conflicts with the current state (idempotency key reused, id taken)."""

    exit_code = 4
    http_status = 409
    title = "Conflict"


class NotAuthorised(OpenETSError):
    """The caller is not allowed to do this."""

    exit_code = 1
    http_status = 403
    title = "Forbidden"


class NotAuthenticated(OpenETSError):
    """The caller did not prove who they are."""

    exit_code = 1
    http_status = 401
    title = "Not authenticated"


class IntegrityFailure(OpenETSError):
    """Stored data fails an integrity check (broken hash chain, balances off the journal)."""

    exit_code = 1
    http_status = 500
    title = "Integrity check failed"
