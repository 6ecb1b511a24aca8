"""Canonical forms of contact data, for matching: duplicates, import upserts.

Two records are "the same e-mail" or "the same phone" when their canonical forms match,
whatever the spelling the user typed ("Ion@Firma.ro ", "0722 123 456", "+40722123456").
"""

from __future__ import annotations

import re

import phonenumbers

from smartcrm.core.models import normalize_email

__all__ = ["DEFAULT_PHONE_REGION", "normalize_email", "phone_e164"]

# Numbers written without a country prefix are Romanian ("0722 123 456").
DEFAULT_PHONE_REGION = "RO"

# A Romanian number as people usually write it ("0722 123 456", "+40 722-123-456",
# "0040.722.123.456"): the national 9 digits after 0, +40 or 0040. phonenumbers gives the
# same E.164 for every such number (tests/test_normalize.py compares them); skipping it
# makes an import of 100,000 rows seconds faster. Anything else goes to phonenumbers.
_RO_SEPARATORS = str.maketrans("", "", " .-")
_RO_NATIONAL = re.compile(r"(?:\+40|0040|0)([2-9][0-9]{8})")


def phone_e164(value: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """The E.164 form of a phone number ("+40722123456"), or "" when it is not one."""
    text = (value or "").strip()
    if not text:
        return ""
    if region == "RO" and text.isascii():
        match = _RO_NATIONAL.fullmatch(text.translate(_RO_SEPARATORS))
        if match is not None:
            return "+40" + match.group(1)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
