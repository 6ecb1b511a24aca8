"""How a line's amounts are computed. Pure functions: easy to check by hand.

Per line, half-up to 2 decimals:
- price without VAT: net = q × p × (1 − d%); VAT = net × v%; gross = net + VAT
- price with VAT:    gross = q × p × (1 − d%); net = gross ÷ (1 + v%); VAT = gross − net
Offer totals are the sums of the rounded line amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from smartcrm.core.money import HUNDRED, round_money


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(
    *,
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    vat_rate: Decimal,
    price_includes_vat: bool,
) -> LineAmounts:
    after_discount = quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED
    if price_includes_vat:
        gross = round_money(after_discount)
        net = round_money(gross * HUNDRED / (HUNDRED + vat_rate))
        return LineAmounts(net=net, vat=gross - net, gross=gross)
    net = round_money(after_discount)
    vat = round_money(net * vat_rate / HUNDRED)
    return LineAmounts(net=net, vat=vat, gross=net + vat)
