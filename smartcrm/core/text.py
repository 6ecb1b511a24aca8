"""Text normalisation for Romanian data.

Older sources (Windows-1250 / ISO-8859-2 files, old keyboards) carry the cedilla
letters ş ţ Ş Ţ instead of the correct comma-below ș ț Ș Ț. Stored text is normalised
to comma-below; search folds both, and the bare letter, to the same key.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _

_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})


def normalize_ro(value: str) -> str:
    """Replace cedilla ş/ţ with comma-below ș/ț and compose the string (NFC)."""
    return unicodedata.normalize("NFC", value).translate(_CEDILLA_TO_COMMA)


def clean_text(value: str) -> str:
    """Normalise a single-line value: Romanian letters, surrounding and repeated blanks."""
    return " ".join(normalize_ro(value).split())


def search_key(value: str) -> str:
    """Lower-case, diacritics removed: "Ștefan" and "Ştefan" and "stefan" give "stefan"."""
    decomposed = unicodedata.normalize("NFKD", normalize_ro(value).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def listed(items: Sequence[object], *, shown: int = 5) -> str:
    """The first ``shown`` items by name, then how many more: "A, B, C, D, E and 3 more"."""
    names = ", ".join(str(item) for item in items[:shown])
    if len(items) > shown:
        names += " " + _("and %(count)s more") % {"count": len(items) - shown}
    return names
