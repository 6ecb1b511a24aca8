"""Validators for Romanian identifiers."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CUI_KEY = (7, 5, 3, 2, 1, 7, 5, 3, 2)
_CUI_RE = re.compile(r"^(RO)?(\d{2,10})$")
_TRADE_REGISTER_RE = re.compile(
    # J40/1234/2020 (classic), and the EUID-era form J2020001234400 (letter, year, 9 digits)
    r"^(?:[JFC](?:\d{1,2})/\d{1,6}/(?:19|20)\d{2}|[JFC](?:19|20)\d{2}\d{9})$"
)


def normalize_cui(value: str) -> tuple[str, bool]:
    """Split "RO 123 456 78" into the digits and whether the RO (VAT) prefix was given."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    vat_prefix = compact.startswith("RO")
    return (compact[2:] if vat_prefix else compact), vat_prefix


def cui_is_valid(value: str) -> bool:
    """Check a Romanian CUI/CIF by its control digit (last digit, key 753217532)."""
    match = _CUI_RE.match(re.sub(r"[\s.\-]", "", value).upper())
    if not match:
        return False
    digits = match.group(2)
    body, control = digits[:-1], int(digits[-1])
    padded = body.rjust(9, "0")
    total = sum(int(digit) * weight for digit, weight in zip(padded, _CUI_KEY, strict=True))
    expected = total * 10 % 11
    if expected == 10:
        expected = 0
    return expected == control


def validate_cui(value: str) -> None:
    if not cui_is_valid(value):
        raise ValidationError(
            _("“%(value)s” is not a valid Romanian CUI (its check digit does not match)."),
            code="invalid_cui",
            params={"value": value},
        )


def normalize_trade_register(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def validate_trade_register(value: str) -> None:
    if not _TRADE_REGISTER_RE.match(normalize_trade_register(value)):
        raise ValidationError(
            _("Enter a trade-register number such as J40/1234/2020."),
            code="invalid_trade_register",
        )


def validate_country(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValidationError(
            _("Enter a two-letter ISO country code, such as RO."), code="invalid_country"
        )


def validate_percent(value: object) -> None:
    from decimal import Decimal

    if not isinstance(value, Decimal | int) or not (0 <= Decimal(value) <= 100):
        raise ValidationError(_("Enter a percentage between 0 and 100."), code="invalid_percent")
