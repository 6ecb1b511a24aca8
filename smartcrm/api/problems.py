"""Every error as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from smartcrm.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

STATUS_OF_KIND = {
    "invalid": 422,
    "conflict": 409,
    "not_found": 404,
    "stale": 412,
    "forbidden": 403,
    "too_large": 413,
}
TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
}


class ApiProblem(Exception):
    """An edge-level error (bad query parameter, unsupported media type...)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field
        self.code = code or TITLES.get(status, "error").lower().replace(" ", "_")
        self.headers = headers or {}


# A domain error whose problem tells more than its issues → the members it adds (a
# possible duplicate: the look-alike records). The app whose error it is registers them
# with its API (dedupe/api.py), so the error is mapped here, once, whichever route raised it.
PROBLEM_MEMBERS: dict[type[DomainError], Callable[[Any], dict[str, Any]]] = {}

# route → (field, message) of a body refused as too large: a route that takes a file says
# which field holds it and its own limit (the imports' upload: ``file``).
TOO_LARGE: dict[str, Callable[[], tuple[str, str]]] = {}


def too_large(request: HttpRequest) -> ApiProblem:
    """A body above DATA_UPLOAD_MAX_MEMORY_SIZE (not read): 413, naming the route's field."""
    match = getattr(request, "resolver_match", None)
    explain = TOO_LARGE.get(match.route if match is not None else "")
    if explain is not None:
        field, detail = explain()
    else:
        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        field, detail = "body", f"The request body is larger than the limit of {limit}."
    return ApiProblem(413, detail, field=field, code="too_large")


def problem(
    status: int,
    detail: str,
    *,
    code: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    members: dict[str, Any] | None = None,
) -> HttpResponse:
    import json

    body: dict[str, Any] = {
        "type": f"urn:smartcrm:problem:{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        "errors": errors or [],
        **(members or {}),
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_of(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja locations look like ("body", "payload", "name") or ("query", "limit")
    parts = [str(part) for part in loc[1:] if part not in ("payload", "filters", "params")]
    return ".".join(parts) or str(loc[-1])


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        status = STATUS_OF_KIND[exc.kind]
        errors = [
            {"field": issue.field, "message": issue.message, "code": issue.code}
            for issue in exc.issues
        ]
        members = next(
            (explain(exc) for kind, explain in PROBLEM_MEMBERS.items() if isinstance(exc, kind)),
            None,
        )
        return problem(status, str(exc.message), code=exc.code, errors=errors, members=members)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = []
        in_query = False
        for error in exc.errors:
            loc = error.get("loc", ())
            in_query = in_query or (bool(loc) and loc[0] in ("query", "path", "header"))
            errors.append(
                {
                    "field": _field_of(loc),
                    "message": error.get("msg", "Invalid."),
                    "code": error.get("type", "invalid"),
                }
            )
        status = 400 if in_query else 422
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(
            status, detail, code="invalid_parameter" if in_query else "invalid", errors=errors
        )

    @api.exception_handler(ApiProblem)
    def api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        errors = (
            [{"field": exc.field, "message": exc.detail, "code": exc.code}] if exc.field else []
        )
        return problem(exc.status, exc.detail, code=exc.code, errors=errors, headers=exc.headers)

    @api.exception_handler(RequestDataTooBig)
    def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api_problem(request, too_large(request))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            401,
            "Send a valid API token: Authorization: Bearer <token>.",
            code="unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="smartcrm"'},
        )

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = max(1, int(exc.wait or 1))
        return problem(
            429,
            f"Rate limit reached; retry in {wait} s.",
            code="rate_limited",
            headers={"Retry-After": str(wait)},
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiProblem):  # raised by our body parser, wrapped by ninja
            return api_problem(request, exc.__cause__)
        return problem(exc.status_code, str(exc.message), code=f"http_{exc.status_code}")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(404, "Not found.", code="not_found")

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled API error", exc_info=exc)
        return problem(
            500, "Something went wrong on our side; it has been logged.", code="internal_error"
        )
