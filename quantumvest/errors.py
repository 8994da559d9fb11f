"""One family of domain errors, raised by services and translated by every face.

Services raise these; the DRF exception handler turns them into ``{"detail", "code", "fields"}``,
HTML views turn them into form errors or messages, management commands into ``CommandError``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused the request for a reason the user can act on."""

    code = "invalid"
    status_code = 400

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    code = "invalid"
    status_code = 400


class NotFound(DomainError):
    code = "not_found"
    status_code = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status_code = 403


class Conflict(DomainError):
    code = "conflict"
    status_code = 409


class ServiceUnavailable(DomainError):
    """A dependency (the broker, the database, ...) is not there; the detail names it."""

    code = "service_unavailable"
    status_code = 503


class DatabaseUnavailable(ServiceUnavailable):
    """The database refused or lost the connection; the use case changed nothing."""

    code = "database_unavailable"
