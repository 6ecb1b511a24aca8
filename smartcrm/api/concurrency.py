"""ETag (the record's version) out, If-Match in."""

from __future__ import annotations

import re
from typing import Protocol, TypeVar

from django.http import HttpRequest, HttpResponse

from smartcrm.api.problems import ApiProblem

_ETAG = re.compile(r'^(?:W/)?"(\d+)"$')


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


def with_etag(response: HttpResponse, record: V) -> V:
    """``record``, its version sent out as the ETag."""
    set_etag(response, record.version)
    return record


def if_match_version(request: HttpRequest) -> int | None:
    """The version the caller read, from If-Match; absent or "*" means "don't check"."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if not match:
        raise ApiProblem(
            400,
            'If-Match must be an ETag we sent, such as "3".',
            field="If-Match",
            code="invalid_if_match",
        )
    return int(match.group(1))
