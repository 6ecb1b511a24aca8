"""The one domain error type: a code, the field it is about, and a message.

Services raise these; the API maps them to problem+json, the web UI to form errors,
the CLI to one line on stderr. ``kind`` says which HTTP family an edge should use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorKind = Literal["invalid", "conflict", "not_found", "stale", "forbidden", "too_large"]


@dataclass(frozen=True)
class FieldIssue:
    field: str | None
    message: str
    code: str = "invalid"


class DomainError(Exception):
    """A business rule said no. Nothing was changed."""

    kind: ErrorKind = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        issues: list[FieldIssue] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.code = code or self.kind
        self.issues = issues or [FieldIssue(field, str(message), self.code)]

    def __str__(self) -> str:
        if len(self.issues) > 1 or (self.issues and self.issues[0].field):
            return "; ".join(
                f"{issue.field}: {issue.message}" if issue.field else issue.message
                for issue in self.issues
            )
        return self.message


class ValidationFailed(DomainError):
    """One or more values are invalid (HTTP 422)."""

    kind: ErrorKind = "invalid"

    @classmethod
    def from_issues(cls, issues: list[FieldIssue]) -> ValidationFailed:
        first = issues[0]
        return cls(first.message, field=first.field, code=first.code, issues=issues)


class TooLarge(ValidationFailed):
    """A file or body is larger than a configured limit (HTTP 413); the message names it."""

    kind = "too_large"


class Conflict(DomainError):
    """The record's state does not allow this (HTTP 409): illegal transition, converting twice."""

    kind = "conflict"


class NotFound(DomainError):
    """No such record in this organisation (HTTP 404); never says whether it exists elsewhere."""

    kind = "not_found"


class StaleVersion(DomainError):
    """The record changed since the caller read it (HTTP 412)."""

    kind = "stale"


class Forbidden(DomainError):
    """The acting user's role may not do this (HTTP 403)."""

    kind = "forbidden"
