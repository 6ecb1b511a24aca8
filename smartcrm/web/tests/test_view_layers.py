"""The web edge's layering, read from the source with ``ast``: one set of web helpers in
``smartcrm/web/``, and no app's pages built on another app's views."""

from __future__ import annotations

import ast
from pathlib import Path

import smartcrm

PACKAGE = Path(smartcrm.__file__).parent
# The helpers every app's views share; a copy elsewhere drifts from the one in web/.
WEB_HELPERS = {"_form_error", "done", "refused", "dialog_or_page"}


def _modules() -> list[tuple[str, ast.Module]]:
    """Every module under smartcrm/ (tests and migrations left out), by dotted name."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        found.append((name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return found


def _app_of(module: str) -> str:
    """``smartcrm.sales.views.records`` → ``sales``."""
    return module.split(".")[1] if module.count(".") >= 1 else ""


def _is_views(module: str) -> bool:
    """A web edge of an app: its ``views`` (module or package) or ``pages`` module."""
    parts = module.split(".")
    return len(parts) >= 3 and parts[2] in {"views", "pages"}


def _imported(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The dotted modules an import statement names (``from a import b`` counts ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module.split(".")[: -node.level]
        base = ".".join([*package, node.module] if node.module else package)
    else:
        base = node.module or ""
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def views_importing_other_apps_views() -> list[str]:
    offenders = []
    for module, tree in _modules():
        if not _is_views(module):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _imported(node, module):
                if (
                    target.startswith("smartcrm.")
                    and _is_views(target)
                    and _app_of(target) != _app_of(module)
                ):
                    offenders.append(f"{module} imports {target} (line {node.lineno})")
    return sorted(set(offenders))


def helpers_outside_web() -> list[str]:
    offenders = []
    for module, tree in _modules():
        if _app_of(module) == "web":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in (
                WEB_HELPERS
            ):
                offenders.append(f"{module} defines {node.name} (line {node.lineno})")
    return sorted(offenders)


def test_no_views_module_imports_another_apps_views() -> None:
    # given every module under smartcrm/
    # when reading the imports of each app's views and pages modules
    offenders = views_importing_other_apps_views()
    # then none of them reaches into another app's views: shared helpers live in web/
    assert offenders == []


def test_web_helpers_are_defined_only_in_web() -> None:
    # given every module under smartcrm/
    # when looking for the shared web helpers' names defined outside smartcrm/web/
    offenders = helpers_outside_web()
    # then there is no copy of them anywhere else
    assert offenders == []


def test_the_walk_sees_the_modules_it_checks() -> None:
    # given the helpers the other tests look for, and the views they read
    names = {name for name, _tree in _modules()}
    # then the walk reaches web's dialogs and the apps' views (a walk that finds nothing
    # would pass the checks above without reading anything)
    assert {"smartcrm.web.dialogs", "smartcrm.tasks.views", "smartcrm.sales.views.records"} <= (
        names
    )
