"""What each app mounts: its API router, its web pages and its records' pages.

Each app registers a `Mount` from its AppConfig.ready(); `api/api.py`, `urls.py` and
`web/records_urls.py` loop over the registered mounts, so a new module is wired in from its
own folder. A wiring mistake (a module that cannot be imported, a route or namespace taken
twice) is a system check error at start-up naming the app, never a silently missing page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Mount:
    """An app's API router, URL patterns and record pages, and where they go."""

    app: str  # the app's label
    # Mounts go in this order, lowest first (then by app): the API routes of an earlier app
    # win, so literal paths (/prospects/merge) go before the ids (/prospects/{prospect_id}).
    order: int
    router: str = ""  # the module holding the app's ninja `router`
    router_prefix: str = "/"
    urls: str = ""  # the app's URL module; its `app_name` is the namespace
    urls_prefix: str = ""
    # The search kind → the URL name of the page showing one record (taking its id).
    record_pages: Mapping[str, str] = field(default_factory=dict)


_MOUNTS: list[Mount] = []


def register_mount(mount: Mount) -> None:
    _MOUNTS.append(mount)


def unregister_mount(app: str) -> None:
    _MOUNTS[:] = [mount for mount in _MOUNTS if mount.app != app]


def mounts() -> list[Mount]:
    """The registered mounts, in mounting order."""
    return sorted(_MOUNTS, key=lambda mount: (mount.order, mount.app))


def load_router(mount: Mount) -> Any:
    """The app's ninja router; a module that cannot be imported names the app."""
    try:
        return import_module(mount.router).router
    except (ImportError, AttributeError) as exc:
        raise ImproperlyConfigured(
            f"App '{mount.app}': its API router '{mount.router}' cannot be imported: {exc}"
        ) from exc


def load_urls(mount: Mount) -> Any:
    """The app's URL module; a module that cannot be imported names the app."""
    try:
        module = import_module(mount.urls)
        module.urlpatterns  # noqa: B018 -- a URL module without patterns is a mistake too
    except (ImportError, AttributeError) as exc:
        raise ImproperlyConfigured(
            f"App '{mount.app}': its URL module '{mount.urls}' cannot be imported: {exc}"
        ) from exc
    return module


def _routes(router: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """(method, path) of every operation of a ninja router and the routers it holds."""
    for path, path_view in router.path_operations.items():
        for operation in path_view.operations:
            for method in operation.methods:
                yield method, _join(prefix, path)
    for child_prefix, child, *_ in router._routers:  # ninja lists them nowhere public
        yield from _routes(child, _join(prefix, child_prefix))


def _join(prefix: str, path: str) -> str:
    return "/" + "/".join(part for part in (*prefix.split("/"), *path.split("/")) if part)


def mount_errors(declared: Iterable[Mount]) -> list[checks.Error]:
    """Every wiring mistake of these mounts, each naming its app."""
    errors: list[checks.Error] = []
    apps: set[str] = set()
    routes: dict[tuple[str, str], str] = {}
    namespaces: dict[str, str] = {}
    pages: dict[str, str] = {}
    for mount in sorted(declared, key=lambda mount: (mount.order, mount.app)):
        if mount.app in apps:
            errors.append(
                checks.Error(f"App '{mount.app}' declares its mounts twice.", id="smartcrm.E001")
            )
        apps.add(mount.app)
        if mount.router:
            try:
                router = load_router(mount)
            except ImproperlyConfigured as exc:
                errors.append(checks.Error(str(exc), id="smartcrm.E002"))
            else:
                for route in sorted(set(_routes(router, mount.router_prefix))):
                    if route in routes:
                        errors.append(
                            checks.Error(
                                f"App '{mount.app}': its API route {route[0]} {route[1]} "
                                f"(prefix '{mount.router_prefix}') is already mounted by "
                                f"app '{routes[route]}'.",
                                id="smartcrm.E003",
                            )
                        )
                    routes.setdefault(route, mount.app)
        if mount.urls:
            try:
                module = load_urls(mount)
            except ImproperlyConfigured as exc:
                errors.append(checks.Error(str(exc), id="smartcrm.E004"))
            else:
                namespace = getattr(module, "app_name", "")
                if namespace in namespaces:
                    errors.append(
                        checks.Error(
                            f"App '{mount.app}': its URL namespace '{namespace}' is already "
                            f"taken by app '{namespaces[namespace]}'.",
                            id="smartcrm.E005",
                        )
                    )
                namespaces.setdefault(namespace, mount.app)
        for kind in mount.record_pages:
            if kind in pages:
                errors.append(
                    checks.Error(
                        f"App '{mount.app}': the record page of '{kind}' is already declared "
                        f"by app '{pages[kind]}'.",
                        id="smartcrm.E006",
                    )
                )
            pages.setdefault(kind, mount.app)
    return errors


def check_mounts(**kwargs: Any) -> list[checks.Error]:
    """The system check over the registered mounts (`smartcrm check`, the test runner)."""
    return mount_errors(_MOUNTS)
