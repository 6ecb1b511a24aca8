"""The NinjaAPI instance at /api/v1/: every module's router, auth, limits, errors."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from smartcrm.api import problems
from smartcrm.api.auth import BearerTokenAuth, SessionActorAuth
from smartcrm.api.parsing import JsonOnlyParser
from smartcrm.api.ratelimit import OrganizationThrottle, TokenThrottle
from smartcrm.core.mounts import load_router, mounts

DESCRIPTION = """
SmartCRM's REST API. Authenticate with a personal token (`smartcrm token create`):
`Authorization: Bearer scrm_…`.

* Lists are cursor-paginated: `limit` (≤ 200), `cursor` → `{"items": [...], "next_cursor": ...}`;
  `count=true` adds a total (capped at 10 000); `ordering=field` or `-field` from each list's
  allow-list; unknown query parameters are a 400.
* Items carry an `ETag` (their version); send it back in `If-Match` on PATCH/DELETE and a
  change made meanwhile is a 412 instead of being overwritten.
* POST accepts `Idempotency-Key`: a repeat with the same body replays the first answer.
* Errors are RFC 9457 `application/problem+json` with per-field `errors`.
* Money is a decimal string beside its `currency`; ids are UUIDs; times ISO 8601.
"""


class SmartCrmApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are sent as application/problem+json: say so in the document."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return schema


api = SmartCrmApi(
    title="SmartCRM API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[BearerTokenAuth(), SessionActorAuth()],
    throttle=[TokenThrottle(), OrganizationThrottle()],
    parser=JsonOnlyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)


def _mount() -> None:
    # Each app declares its router in its AppConfig (core.mounts), in the order they go.
    for mount in mounts():
        if mount.router:
            api.add_router(mount.router_prefix, load_router(mount))


_mount()
