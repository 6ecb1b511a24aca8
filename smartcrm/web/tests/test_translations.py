"""Every string a user can see has its Romanian translation, and the compiled catalogues
are up to date with their sources.

The strings are gathered the way `makemessages` does (Django's own `templatize` for
templates, gettext calls for Python), without needing GNU gettext on the machine.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import override, trans_real
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR) / "smartcrm"
# Python files whose strings reach the screen: edges, menus, choices.
PYTHON_FILES = ["views.py", "views/*.py", "forms.py", "forms/*.py", "pages.py", "nav.py",
                "choices.py", "lists.py", "dashboard.py"]  # fmt: skip
GETTEXT_NAMES = {"gettext", "gettext_lazy", "_", "ngettext", "ngettext_lazy", "pgettext",
                 "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip
_LITERAL = r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_CALL = re.compile(rf"\b(n?p?gettext)\(\s*({_LITERAL}(?:\s*,\s*{_LITERAL})*)")


def _templates() -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob("*/templates/**/*")
        if path.is_file() and path.suffix in {".html", ".txt"}
    )


def _template_messages(path: Path) -> set[tuple[str | None, str, bool]]:
    """(context, msgid, plural?) of each translatable string of a template."""
    found = set()
    for call in _CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
        name = call.group(1)
        literals = [ast.literal_eval(text) for text in re.findall(_LITERAL, call.group(2))]
        context = literals.pop(0) if name.startswith(("pgettext", "npgettext")) else None
        found.add((context, literals[0], name.startswith(("ngettext", "npgettext"))))
    return found


def _python_messages(path: Path) -> set[tuple[str | None, str, bool]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_NAMES or not node.args:
            continue
        strings = [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
        ]
        if not strings:
            continue
        context = strings.pop(0) if name.startswith(("pgettext", "npgettext")) else None
        if strings:
            found.add((context, strings[0], name.startswith(("ngettext", "npgettext"))))
    return found


def _python_files() -> list[Path]:
    return sorted({path for pattern in PYTHON_FILES for path in ROOT.glob(f"*/{pattern}")})


def _missing(messages: set[tuple[str | None, str, bool]]) -> list[str]:
    with override("ro"):
        catalog = trans_real.translation("ro")._catalog  # type: ignore[attr-defined]  # merged catalogue
    missing = []
    for context, msgid, plural in sorted(messages, key=lambda m: (m[0] or "", m[1])):
        key = f"{context}\x04{msgid}" if context else msgid
        if not msgid.strip():
            continue
        if (plural and (key, 0) not in catalog) or (not plural and not catalog.get(key)):
            missing.append(msgid if context is None else f"{context}|{msgid}")
    return missing


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_template_string_is_translated_to_romanian(path):
    missing = _missing(_template_messages(path))
    assert not missing, f"Missing from the Romanian catalogue ({path.name}): {missing}"


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_screen_string_in_python_is_translated_to_romanian(path):
    missing = _missing(_python_messages(path))
    assert not missing, f"Missing from the Romanian catalogue ({path.name}): {missing}"


def test_the_template_extraction_finds_strings():
    """The scan itself works: a known template yields its known strings."""
    messages = _template_messages(ROOT / "web" / "templates" / "web" / "login.html")
    assert (None, "Log in to SmartCRM", False) in messages


@pytest.mark.parametrize(
    "po_path", sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")), ids=lambda p: str(p.parent)
)
def test_compiled_catalogue_matches_its_source(po_path):
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
        for entry in polib.pofile(str(po_path)).translated_entries()
        if "fuzzy" not in entry.flags
    }
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr or tuple(sorted(entry.msgstr_plural.items()))
        for entry in mo
        if entry.msgid
    }
    assert compiled == source, f"{po_path.with_suffix('.mo')} is stale: run `make messages`"
