"""Errors a person can act on.

Services raise them; the API renders them as problem+json, pages as form errors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class AppError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"
    # A refusal that is itself a fact to keep (a failed login is audited and counted).
    keep_changes = False

    def __init__(self, detail: str, errors: list[FieldError] | None = None, **extra: object):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    def problem(self) -> dict[str, object]:
        body: dict[str, object] = {
            "type": f"https://carrierdesk.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message} for e in self.errors]
        body.update(self.extra)
        return body


class Malformed(AppError):
    status, title, code = 400, "Malformed request", "malformed"


class NotAuthenticated(AppError):
    status, title, code = 401, "Not authenticated", "not_authenticated"


class LoginFailed(NotAuthenticated):
    """Wrong credentials: audited and counted (kept), answered after a growing delay."""

    keep_changes = True

    def __init__(self, detail: str, delay_seconds: float = 0.0):
        super().__init__(detail)
        self.delay_seconds = delay_seconds


class SecondFactorRequired(NotAuthenticated):
    """The password was right; the TOTP code (or a recovery code) is still to come."""

    code = "totp_required"
    keep_changes = True  # the attempt's count is given back: its password was right

    def __init__(self, detail: str, person: object):
        super().__init__(detail)
        self.person = person


class LoginRefused(AppError):
    """Right credentials, but this login may not happen (disabled, IP not whitelisted)."""

    status, title, code = 403, "Login refused", "login_refused"
    keep_changes = True


class Forbidden(AppError):
    status, title, code = 403, "Not allowed", "forbidden"


class NotFound(AppError):
    status, title, code = 404, "Not found", "not_found"


class Conflict(AppError):
    status, title, code = 409, "Conflict", "conflict"


class Invalid(AppError):
    status, title, code = 422, "Invalid field values", "invalid"

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls(f"{field}: {message}", [FieldError(field, message)])


class TooManyAttempts(AppError):
    status, title, code = 429, "Too many attempts", "too_many_attempts"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after: int | None = retry_after


class DatabaseUnavailable(AppError):
    status, title, code = 503, "Database unavailable", "database_unavailable"


class LoginThrottled(TooManyAttempts):
    """A login over the limit: refused, and still counted (so a burst counts every attempt)."""

    keep_changes = True


class Overloaded(AppError):
    """Every database slot is taken and the wait is over: try again in a moment."""

    status, title, code = 503, "Server busy", "overloaded"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after: int | None = retry_after
