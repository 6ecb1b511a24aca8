"""docs/security.md names, for each security requirement, the tests that prove it: each one
named must exist, so the list cannot point at a test that was renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`((?:[a-z_]+/)+tests/(?:[a-z_]+/)*test_[a-z_]+\.py)(?:::(test_[a-z_]+))?`")


def test_every_test_the_security_document_names_exists():
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) >= 30
    missing = []
    for path, name in references:
        module = ROOT / "smartcrm" / path
        if not module.exists():
            missing.append(path)
        elif name and not re.search(rf"^def {name}\(", module.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []
