"""The layers, checked on the source (read with ast, never imported): no module reaches
into an app's REST layer (``smartcrm.<app>.api``) but the API package itself
(``smartcrm/api/``), the apps' own ``api.py`` modules, the URLconf that mounts the API, and
tests. The pages, the forms, the exports and the domain take a list's filters and orderings
from its app's ``filters.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import smartcrm

ROOT = Path(smartcrm.__file__).parent
APPS = frozenset(path.parent.name for path in ROOT.glob("*/apps.py")) - {"api"}


def _may_import_api(relative: Path) -> bool:
    """Whether the module at ``relative`` (to the package's parent) is an edge of the API."""
    parts = relative.parts
    return (
        parts[:2] == ("smartcrm", "api")
        or (len(parts) == 3 and parts[2] == "api.py")
        or relative == Path("smartcrm/urls.py")
        or "tests" in parts
        or parts[-1] == "conftest.py"
    )


def _is_app_api(module: str) -> bool:
    parts = module.split(".")
    return len(parts) >= 3 and parts[0] == "smartcrm" and parts[1] in APPS and parts[2] == "api"


def _dynamic_api(call: ast.Call) -> bool:
    """``__import__``/``import_module`` of a name ending in ``.api`` (a constant or an
    f-string whose last piece is), which ast sees only as a call."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    if name not in ("__import__", "import_module") or not call.args:
        return False
    target = call.args[0]
    if isinstance(target, ast.JoinedStr) and target.values:
        target = target.values[-1]
    return (
        isinstance(target, ast.Constant)
        and isinstance(target.value, str)
        and target.value.endswith(".api")
    )


def api_imports(source: str) -> list[str]:
    """The app ``api`` modules ``source`` imports, anywhere in it (functions included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_app_api(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if _is_app_api(node.module):
                found.append(node.module)
                continue
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if _is_app_api(f"{node.module}.{alias.name}")
            ]
        elif isinstance(node, ast.Call) and _dynamic_api(node):
            found.append(ast.unparse(node))
    return found


def offenders() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT.parent)
        if _may_import_api(relative):
            continue
        for module in api_imports(path.read_text(encoding="utf-8")):
            found.append(f"{relative} imports {module}")
    return found


def test_no_module_outside_the_api_edge_imports_an_apps_api_module():
    # given every module of the package, read as source

    # when the imports of an app's api module are gathered from those that are not the API
    found = offenders()

    # then there are none: pages, forms, exports and the domain import filters.py instead
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "from smartcrm.sales.api import ProspectFilters",
        "import smartcrm.sales.api",
        "from smartcrm.sales import api",
        "def load():\n    from smartcrm.dedupe.api import duplicate_problem",
        "__import__(f'smartcrm.{module}.api', fromlist=['ProspectFilters'])",
        "importlib.import_module('smartcrm.contacts.api')",
    ],
    ids=["from", "import", "from the package", "inside a function", "__import__", "importlib"],
)
def test_every_way_of_importing_an_apps_api_module_is_seen(source):
    # given a page importing the sales API in one of the ways Python allows

    # when its imports are read
    found = api_imports(source)

    # then the import is seen
    assert len(found) == 1


def test_the_api_package_and_the_filters_are_not_app_api_modules():
    # given a page taking the pagination of the API package and the prospects' filters
    source = (
        "from smartcrm.api.pagination import Sort\n"
        "from smartcrm.sales.filters import PROSPECT_ORDERINGS, ProspectFilters\n"
    )

    # when its imports are read
    found = api_imports(source)

    # then neither is an app's api module
    assert found == []


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("smartcrm/api/api.py", True),
        ("smartcrm/sales/api.py", True),
        ("smartcrm/urls.py", True),
        ("smartcrm/sales/tests/test_api.py", True),
        ("smartcrm/sales/views/prospects.py", False),
        ("smartcrm/contacts/pages.py", False),
        ("smartcrm/exports/kinds.py", False),
    ],
)
def test_only_the_api_edge_may_import_an_apps_api_module(path, allowed):
    # given a module's path; when it is checked; then only the API's edges are let through
    assert _may_import_api(Path(path)) is allowed
