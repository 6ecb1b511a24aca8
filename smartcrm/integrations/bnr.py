"""Reference exchange rates of the National Bank of Romania (BNR).

BNR publishes static XML documents (``nbrfxrates.xml``: the latest banking day;
``nbrfxrates<YYYY>.xml``: every banking day of a year)::

    <DataSet xmlns="http://www.bnr.ro/xsd">
      <Header>...</Header>
      <Body>
        <OrigCurrency>RON</OrigCurrency>
        <Cube date="2026-11-26">
          <Rate currency="EUR">4.9771</Rate>
          <Rate currency="HUF" multiplier="100">1.2345</Rate>
        </Cube>
      </Body>
    </DataSet>

A rate is RON for ``multiplier`` units (1 when absent), so one unit is value / multiplier.
Elements are matched by local name: BNR has served the document under more than one
namespace URI, and a namespace is no reason to refuse the same numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from smartcrm.catalog.choices import RateSource
from smartcrm.catalog.models import ExchangeRate
from smartcrm.catalog.services import exchange_rate_set
from smartcrm.core.choices import Role
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import Module, require_module
from smartcrm.core.money import CURRENCIES, round_rate
from smartcrm.core.permissions import require_role
from smartcrm.integrations.http import busy_error, fetch, unavailable

BNR = "bnr"
BNR_LABEL = "BNR"
BNR_CURRENCY = "RON"
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # a year file is about half a megabyte
FIRST_DAY = dt.date(2005, 1, 1)  # BNR's XML archive starts in 2005
BUCHAREST = ZoneInfo("Europe/Bucharest")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
# A DOCTYPE is the door to entity expansion and external entities; BNR never sends one.
_DOCTYPE_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class BnrDay:
    """The rates BNR published for one day: RON for one unit of each currency (exact)."""

    date: dt.date
    rates: dict[str, Decimal]


@dataclass(frozen=True)
class BnrLoadResult:
    """What a load stored: the days, how many rates were written or already there, and the
    currencies left out (unknown to SmartCRM, or the organisation's base currency)."""

    days: tuple[dt.date, ...]
    rates: int
    unchanged: int = 0
    skipped: tuple[str, ...] = ()
    requested_date: dt.date | None = None
    fell_back: bool = field(default=False)

    def __str__(self) -> str:
        """One line for a person, in their language: what was stored, for which day."""
        if not self.days:
            return _("no rates stored")
        days = _short(self.days[0])
        if len(self.days) > 1:
            days = _("%(first)s to %(last)s") % {"first": days, "last": _short(self.days[-1])}
        text = _("%(written)s rates stored, %(unchanged)s unchanged, for %(days)s") % {
            "written": self.rates,
            "unchanged": self.unchanged,
            "days": days,
        }
        if self.fell_back and self.requested_date is not None:
            text += " " + _("(BNR has no rates on %(date)s; the latest earlier day is used)") % {
                "date": _short(self.requested_date)
            }
        return text


def bucharest_today() -> dt.date:
    """BNR's calendar is Bucharest's, whatever the server's time zone."""
    return dt.datetime.now(BUCHAREST).date()


def _short(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _malformed(message: str, field_name: str) -> ValidationFailed:
    return ValidationFailed(message, field=field_name, code="bnr_malformed")


def parse_bnr_xml(source: bytes, *, field_name: str = "file") -> list[BnrDay]:
    """Read a BNR rates document (daily or yearly) into days, oldest first.

    Anything that is not such a document (not XML, a DOCTYPE, no Cube, a rate that is not
    a positive number) is one ValidationFailed naming ``field_name``; nothing is guessed.
    """
    if not source or not source.strip():
        raise _malformed(_("The BNR document is empty."), field_name)
    if len(source) > MAX_DOCUMENT_BYTES:
        raise _malformed(
            _("The BNR document is too large (over %(limit)s MB).")
            % {"limit": MAX_DOCUMENT_BYTES // (1024 * 1024)},
            field_name,
        )
    if _DOCTYPE_RE.search(source):
        raise _malformed(
            _("The BNR document declares a DOCTYPE or entities; we do not read those."),
            field_name,
        )
    try:
        root = ElementTree.fromstring(source)
    except ElementTree.ParseError as error:
        raise _malformed(
            _("This is not a well-formed BNR XML document (%(detail)s).") % {"detail": error},
            field_name,
        ) from None
    if _local(root.tag) != "DataSet":
        raise _malformed(
            _("This XML is not a BNR rates document (its root is “%(tag)s”, not DataSet).")
            % {"tag": _local(root.tag)},
            field_name,
        )
    days: dict[dt.date, dict[str, Decimal]] = {}
    for cube in root.iter():
        if _local(cube.tag) != "Cube":
            continue
        try:
            day = dt.date.fromisoformat((cube.get("date") or "").strip())
        except ValueError:
            raise _malformed(
                _("A Cube of the BNR document has no valid date (“%(value)s”).")
                % {"value": cube.get("date", "")},
                field_name,
            ) from None
        rates = days.setdefault(day, {})
        for rate in cube:
            if _local(rate.tag) != "Rate":
                continue
            currency, per_unit = _rate_of(rate, day, field_name)
            rates[currency] = per_unit
    if not days or not any(days.values()):
        raise _malformed(_("The BNR document holds no rates."), field_name)
    return [BnrDay(day, rates) for day, rates in sorted(days.items()) if rates]


def _rate_of(rate: ElementTree.Element, day: dt.date, field_name: str) -> tuple[str, Decimal]:
    currency = (rate.get("currency") or "").strip().upper()
    if not _CURRENCY_RE.match(currency):
        raise _malformed(
            _("A rate of %(date)s has no valid currency code (“%(value)s”).")
            % {"date": _short(day), "value": rate.get("currency", "")},
            field_name,
        )
    try:
        value = Decimal((rate.text or "").strip())
        multiplier = int((rate.get("multiplier") or "1").strip())
    except (InvalidOperation, ValueError):
        raise _malformed(
            _("The %(currency)s rate of %(date)s is not a number (“%(value)s”).")
            % {"currency": currency, "date": _short(day), "value": (rate.text or "").strip()},
            field_name,
        ) from None
    if not value.is_finite() or value <= 0 or multiplier < 1:
        raise _malformed(
            _("The %(currency)s rate of %(date)s must be a positive number.")
            % {"currency": currency, "date": _short(day)},
            field_name,
        )
    return currency, value / multiplier


def select_day(days: Sequence[BnrDay], requested: dt.date) -> BnrDay | None:
    """The requested day, or the latest earlier day that has rates (None if there is none)."""
    earlier = [day for day in days if day.date <= requested]
    return earlier[-1] if earlier else None


def _rates_in_base(day: BnrDay, base: str) -> tuple[dict[str, Decimal], list[str]]:
    """One day's rates as units of ``base`` for one unit of each currency.

    BNR quotes RON; an organisation keeping its books in another currency that BNR quotes
    gets cross rates through RON (EUR base: USD = RON per USD / RON per EUR)."""
    if base == BNR_CURRENCY:
        in_ron = dict(day.rates)
        divisor = Decimal(1)
    else:
        if base not in day.rates:
            raise ValidationFailed(
                _(
                    "BNR publishes no rate for %(base)s, the organisation's base currency, on "
                    "%(date)s."
                )
                % {"base": base, "date": _short(day.date)},
                field="currency",
                code="bnr_no_base_rate",
            )
        in_ron = {**day.rates, BNR_CURRENCY: Decimal(1)}
        divisor = day.rates[base]
    stored: dict[str, Decimal] = {}
    skipped: list[str] = []
    for currency, per_unit in sorted(in_ron.items()):
        if currency == base or currency not in CURRENCIES:
            skipped.append(currency)
            continue
        rate = round_rate(per_unit / divisor)
        if rate <= 0:  # a currency worth less than a millionth of the base cannot be stored
            skipped.append(currency)
            continue
        stored[currency] = rate
    return stored, skipped


@transaction.atomic
def bnr_rates_store(
    *,
    org: Organization,
    user: User | None,
    days: Iterable[BnrDay],
    requested: dt.date | None = None,
    field_name: str = "date",
) -> BnrLoadResult:
    """Store parsed BNR days as the organisation's rates (source "bnr"), all or nothing.

    With ``requested``, only that day is kept, or the latest earlier one if BNR published
    nothing that day (a weekend, a holiday, before 13:00); the result says which.
    A rate already stored with the same value and source is left alone (no new version).
    """
    require_module(org, Module.CATALOG)
    if user is not None:
        require_role(org, user, Role.MANAGER)
    chosen = list(days)
    fell_back = False
    if requested is not None:
        day = select_day(chosen, requested)
        if day is None:
            raise ValidationFailed(
                _("BNR has no rates on or before %(date)s in this document.")
                % {"date": _short(requested)},
                field=field_name,
                code="bnr_no_rates",
            )
        fell_back = day.date != requested
        chosen = [day]
    existing = {
        (row.currency, row.date): (row.rate, row.source)
        for row in ExchangeRate.objects.for_org(org).filter(date__in=[d.date for d in chosen])
    }
    written = unchanged = 0
    skipped: set[str] = set()
    for day in chosen:
        rates, left_out = _rates_in_base(day, org.base_currency)
        skipped.update(left_out)
        for currency, rate in rates.items():
            if existing.get((currency, day.date)) == (rate, RateSource.BNR):
                unchanged += 1
                continue
            exchange_rate_set(
                org=org,
                user=user,
                currency=currency,
                date=day.date,
                rate=rate,
                source=RateSource.BNR,
            )
            written += 1
    return BnrLoadResult(
        days=tuple(day.date for day in chosen),
        rates=written,
        unchanged=unchanged,
        skipped=tuple(sorted(skipped)),
        requested_date=requested,
        fell_back=fell_back,
    )


def bnr_rates_load(
    *,
    org: Organization,
    user: User | None,
    source: bytes,
    only_date: dt.date | None = None,
    field_name: str = "file",
) -> BnrLoadResult:
    """Load a BNR document (a downloaded file) as the organisation's rates, all or nothing:
    a malformed document changes nothing and names ``field_name``."""
    require_module(org, Module.CATALOG)
    if user is not None:
        require_role(org, user, Role.MANAGER)
    days = parse_bnr_xml(source, field_name=field_name)
    return bnr_rates_store(org=org, user=user, days=days, requested=only_date)


def _check_day(day: dt.date) -> None:
    if day > bucharest_today():
        raise ValidationFailed(
            _("BNR publishes no rates for a future day (%(date)s).") % {"date": _short(day)},
            field="date",
            code="future_date",
        )
    if day < FIRST_DAY:
        raise ValidationFailed(
            _("BNR's rates archive starts on %(date)s.") % {"date": _short(FIRST_DAY)},
            field="date",
            code="before_archive",
        )


def _download(url: str) -> list[BnrDay]:
    reply = fetch("GET", url, service=BNR, label=BNR_LABEL, field="date")
    if not reply.ok:
        raise busy_error(reply, service=BNR, label=BNR_LABEL, field="date")
    try:
        return parse_bnr_xml(reply.body, field_name="date")
    except ValidationFailed as error:
        # BNR's own document is unreadable: that is BNR's trouble, not the caller's input
        raise unavailable(
            BNR,
            _("BNR sent a document we cannot read (%(detail)s); try again later.")
            % {"detail": error.message},
            field="date",
        ) from error


def bnr_download(day: dt.date | None = None) -> list[BnrDay]:
    """Download the rates for ``day`` (None: the latest published day).

    Today, or no day, reads SMARTCRM_BNR_URL (the latest banking day); an earlier day reads
    that year's file (SMARTCRM_BNR_YEAR_URL), and the previous year's when the day comes
    before the year's first fixing (1-2 January). The days are not filtered here.
    """
    if day is None:
        return _download(settings.SMARTCRM_BNR_URL)
    _check_day(day)
    if day == bucharest_today():
        return _download(settings.SMARTCRM_BNR_URL)
    days = _download(settings.SMARTCRM_BNR_YEAR_URL.format(year=day.year))
    if select_day(days, day) is None and day.year > FIRST_DAY.year:
        days = _download(settings.SMARTCRM_BNR_YEAR_URL.format(year=day.year - 1)) + days
    return days


def bnr_rates_fetch(
    *, org: Organization, user: User | None, day: dt.date | None = None
) -> BnrLoadResult:
    """Fetch BNR's rates for ``day`` (default: the latest published) and store them.

    The download happens outside any transaction; nothing is stored unless it all reads."""
    require_module(org, Module.CATALOG)
    if user is not None:
        require_role(org, user, Role.MANAGER)
    days = bnr_download(day)
    return bnr_rates_store(org=org, user=user, days=days, requested=day)
