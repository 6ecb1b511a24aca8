"""README.md and docs/*.md stand alone: every Markdown link points to a file of the
repository, and none leaves it (no `../` out of the repository, no http(s) address).

Code is not a link: fenced code blocks and inline code spans are left out, so example
addresses in commands and settings (`http://127.0.0.1:8000`) stay allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
# [text](destination "title") and ![alt](destination); <destination> may hold blanks.
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)")
# [label]: destination
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)
# <https://...>, and any address GitHub would turn into a link by itself.
_ADDRESS = re.compile(
    r"\b(?:https?|ftp)://[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]"  # ends before punctuation
    r"|<[a-z][a-z0-9+.-]*:[^>\s]*>",
    re.I,
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def prose(markdown: str) -> str:
    """The text outside fenced code blocks and inline code spans."""
    kept: list[str] = []
    fence = ""
    for line in markdown.splitlines():
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            kept.append("")
        elif opening:
            fence = opening.group(1)
            kept.append("")
        else:
            kept.append(line)
    return _CODE_SPAN.sub("", "\n".join(kept))


def link_problems(document: Path, markdown: str, root: Path = ROOT) -> list[str]:
    """What is wrong with the links of one document: each one that leaves the repository,
    or points to a file that does not exist."""
    text = prose(markdown)
    problems = [f"{address} leaves the repository" for address in _ADDRESS.findall(text)]
    destinations = _INLINE_LINK.findall(text) + _REFERENCE.findall(text)
    for destination in destinations:
        target = destination.strip("<>").strip()
        if not target or target.startswith("#"):
            continue  # a heading of the same document
        if _SCHEME.match(target):
            if not any(target in problem for problem in problems):
                problems.append(f"{target} leaves the repository")
            continue
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        base = root if path.startswith("/") else document.parent
        resolved = (base / path.lstrip("/")).resolve()
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{target} leaves the repository")
        elif not resolved.exists():
            problems.append(f"{target} does not exist")
    return problems


def test_the_documents_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in DOCUMENTS}
    assert {"README.md", "docs/architecture.md", "docs/design.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_link_of_the_document_stays_in_the_repository_and_exists(document: Path):
    assert link_problems(document, document.read_text(encoding="utf-8")) == []


def test_the_checker_finds_missing_files_and_links_leaving_the_repository(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("here", encoding="utf-8")
    document = tmp_path / "README.md"
    markdown = "\n".join(
        [
            "[fine](docs/here.md#a-heading) [heading](#usage) [from the root](/docs/here.md)",
            "[gone](docs/missing.md) [out](../shared/DESIGN.md) ![image](docs/logo.png)",
            "[site](https://example.org/page) <http://example.org> see https://example.net",
            "[ref]: docs/also-missing.md",
            "`http://127.0.0.1:8000` and `[not a link](nowhere.md)` are code",
            "```sh",
            "curl http://127.0.0.1:8000/api/v1/  # [nor](this.md)",
            "```",
        ]
    )

    problems = link_problems(document, markdown, root=tmp_path)

    assert sorted(problems) == sorted(
        [
            "docs/missing.md does not exist",
            "../shared/DESIGN.md leaves the repository",
            "docs/logo.png does not exist",
            "https://example.org/page leaves the repository",
            "<http://example.org> leaves the repository",
            "https://example.net leaves the repository",
            "docs/also-missing.md does not exist",
        ]
    )
