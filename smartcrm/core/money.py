"""Money: Decimal with explicit quantisation, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.000001")
HUNDRED = Decimal(100)


def round_money(amount: Decimal) -> Decimal:
    """Round to 2 decimals, half-up (0.005 -> 0.01), as Romanian invoicing does per line."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_price(amount: Decimal) -> Decimal:
    """Unit prices keep 4 decimals (a converted price must not lose precision per unit)."""
    return amount.quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)


def round_rate(rate: Decimal) -> Decimal:
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# ISO 4217 codes a Romanian company meets; the field accepts any three-letter code in
# this list so a typo ("EUO") is an error, not a new currency.
CURRENCIES: tuple[str, ...] = (
    "RON",
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "HUF",
    "PLN",
    "CZK",
    "BGN",
    "SEK",
    "DKK",
    "NOK",
    "MDL",
    "UAH",
    "RSD",
    "TRY",
    "JPY",
    "CNY",
    "CAD",
    "AUD",
    "NZD",
    "INR",
    "ILS",
    "AED",
    "RUB",
    "ZAR",
    "MXN",
    "BRL",
    "KRW",
    "THB",
    "XAU",
    "XDR",
)
CURRENCY_CHOICES = [(code, code) for code in CURRENCIES]
