"""Matching keys: the canonical forms two records are compared by to find duplicates.

Pure functions (no models), so the services of sales and contacts, the importer and the
data migrations can all compute the same keys.
"""

from __future__ import annotations

import re
from typing import Any

from smartcrm.core.normalize import normalize_email, phone_e164
from smartcrm.core.text import search_key

# Legal forms say nothing about which company it is: "Alfa Soluții S.R.L." is "Alfa Soluții".
LEGAL_FORMS = frozenset(
    {
        "srl",
        "srld",
        "sa",
        "sca",
        "scs",
        "snc",
        "pfa",
        "ii",
        "if",
        "ong",
        "ltd",
        "llc",
        "inc",
        "gmbh",
        "ag",
        "sas",
        "sarl",
        "bv",
        "spa",
    }
)
_WORD = re.compile(r"[0-9a-z]+")
# Dotted abbreviations ("s.r.l.", "s. r. l.") are folded into one word before splitting.
_DOTTED = re.compile(r"\b(?:[a-z]\s*\.\s*){2,}")
NAME_KEY_LENGTH = 200


def name_key(value: str) -> str:
    """A name folded for matching: lower-case, no diacritics or punctuation, no legal form,
    words sorted ("S.C. Soluții Alfa S.R.L." and "ALFA SOLUTII SRL" give "alfa solutii")."""
    folded = search_key(value or "")
    folded = _DOTTED.sub(
        lambda match: match.group(0).replace(".", "").replace(" ", "") + " ", folded
    )
    words = [word for word in _WORD.findall(folded) if word not in LEGAL_FORMS and word != "sc"]
    return " ".join(sorted(words))[:NAME_KEY_LENGTH]


def email_key(value: str) -> str:
    return normalize_email(value or "")


def set_matching_keys(record: Any, *, name: str) -> None:
    """Fill ``email_normalized``, ``phone_e164`` and ``name_key`` of a prospect, account or
    contact from its current values (call after the fields are normalised, before saving)."""
    record.email_normalized = email_key(record.email)
    record.phone_e164 = phone_e164(record.phone)
    record.name_key = name_key(name)


# --- similarity --------------------------------------------------------------------------


def trigrams(value: str) -> set[str]:
    """The trigrams of a text as pg_trgm counts them: each word padded with two blanks in
    front and one behind, so both databases score a pair of names the same way."""
    grams: set[str] = set()
    for word in _WORD.findall(search_key(value or "")):
        padded = f"  {word} "
        grams.update(padded[index : index + 3] for index in range(len(padded) - 2))
    return grams


def similarity(first: str, second: str) -> float:
    """pg_trgm's similarity(): shared trigrams over all trigrams of the two texts."""
    a, b = trigrams(first), trigrams(second)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
