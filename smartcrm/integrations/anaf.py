"""Company data by CUI from ANAF's public VAT-payer web service (PlatitorTvaRest v9).

The request is a JSON list of ``{"cui": <number>, "data": "YYYY-MM-DD"}``; the answer is
``{"cod": 200, "message": "SUCCESS", "found": [...], "notFound": [...]}`` where each found
entry groups its fields: ``date_generale`` (cui, denumire, adresa, nrRegCom, telefon,
codPostal...), ``inregistrare_scop_Tva`` (scpTVA: VAT payer that day) and
``adresa_sediu_social`` (sdenumire_Strada, snumar_Strada, sdetalii_Adresa,
sdenumire_Localitate, sdenumire_Judet, scod_JudetAuto, scod_Postal...). Any key may be
missing or blank; what is missing is simply not filled.

Answers are cached per CUI and day in AnafCompanyCache (public data, shared by every
organisation), so a CUI is asked at most once a day however many records carry it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.core.choices import County
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.core.text import clean_text, search_key
from smartcrm.core.validators import (
    cui_is_valid,
    normalize_cui,
    normalize_trade_register,
    validate_trade_register,
)
from smartcrm.integrations.bnr import bucharest_today
from smartcrm.integrations.http import busy_error, fetch, unavailable
from smartcrm.integrations.models import AnafCompanyCache

logger = logging.getLogger(__name__)

ANAF = "anaf"
ANAF_LABEL = "ANAF"
MAX_ANSWER_BYTES = 1024 * 1024
CACHE_KEEP = dt.timedelta(days=2)
# "Mun. Timișoara" is Timișoara; "Sector 3 Mun. București" stays as ANAF wrote it.
_LOCALITY_PREFIX = re.compile(r"^(?:mun\.|municipiul|oraș|oraş|or\.)\s+", re.IGNORECASE)
_COUNTY_PREFIX = re.compile(r"^(?:municipiul|jud\.|judetul)\s+")
_COUNTY_BY_NAME = {search_key(label): code for code, label in County.choices}


@dataclass(frozen=True)
class CompanyData:
    """What ANAF says about a company, in SmartCRM's fields ("" or None: ANAF said nothing)."""

    cui: str
    name: str
    trade_register: str = ""
    address: str = ""
    locality: str = ""
    county: str = ""
    postal_code: str = ""
    phone: str = ""
    vat_payer: bool | None = None

    def identity_changes(self) -> dict[str, Any]:
        """The identity fields to write: only those ANAF gave (it never blanks ours)."""
        changes: dict[str, Any] = {"country": "RO"}
        for name in ("trade_register", "address", "locality", "county", "postal_code", "phone"):
            value = getattr(self, name)
            if value:
                changes[name] = value
        if self.vat_payer is not None:
            changes["vat_payer"] = self.vat_payer
        return changes


def lookup_cui(value: str) -> str:
    """The CUI as ANAF wants it (digits), or a ValidationFailed naming "cui"."""
    digits, _vat_prefix = normalize_cui(value or "")
    if not digits:
        raise ValidationFailed(
            _("Enter the CUI first; ANAF is asked by CUI."), field="cui", code="required"
        )
    if not digits.isdigit() or not cui_is_valid(digits):
        raise ValidationFailed(
            _("“%(value)s” is not a valid Romanian CUI (its check digit does not match).")
            % {"value": value},
            field="cui",
            code="invalid_cui",
        )
    return digits


def _text(value: object, limit: int = 255) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    text = clean_text(str(value))
    return text if len(text) <= limit else ""


def _section(entry: dict[str, Any], key: str) -> dict[str, Any]:
    value = entry.get(key)
    return value if isinstance(value, dict) else {}


def _trade_register(value: str) -> str:
    compact = normalize_trade_register(value)
    try:
        validate_trade_register(compact)
    except ValidationError:
        return ""  # a form our validator does not know is left for a person to type
    return compact


def _county(code: str, name: str) -> str:
    code = code.strip().upper()
    if code in County.values:
        return code
    key = _COUNTY_PREFIX.sub("", search_key(name)).strip()
    return _COUNTY_BY_NAME.get(key, "")


def _postal_code(value: str) -> str:
    compact = value.replace(" ", "")
    if compact.isdigit() and len(compact) < 6:
        compact = compact.zfill(6)  # ANAF keeps postal codes as numbers: 031472 became 31472
    return compact if len(compact) <= 12 else ""


def _address(seat: dict[str, Any], general: dict[str, Any]) -> str:
    street = _text(seat.get("sdenumire_Strada"))
    number = _text(seat.get("snumar_Strada"))
    details = _text(seat.get("sdetalii_Adresa"))
    # stored data, in Romanian whatever the user's language: "Str. Exemplu nr. 10"
    street_line = " ".join(part for part in (street, f"nr. {number}" if number else "") if part)
    address = ", ".join(part for part in (street_line, details) if part)
    if not address:
        address = _text(general.get("adresa"), limit=1000)
    return address[:255].rstrip(", ")


def company_from_anaf(cui: str, entry: dict[str, Any]) -> CompanyData | None:
    """One found entry of ANAF's answer in SmartCRM's fields; None without a name."""
    general = _section(entry, "date_generale") or entry
    seat = _section(entry, "adresa_sediu_social")
    vat = _section(entry, "inregistrare_scop_Tva")
    name = _text(general.get("denumire"), limit=200)
    if not name:
        return None
    vat_payer = vat.get("scpTVA", general.get("scpTVA"))
    locality = _LOCALITY_PREFIX.sub("", _text(seat.get("sdenumire_Localitate"), limit=100))
    return CompanyData(
        cui=cui,
        name=name,
        trade_register=_trade_register(_text(general.get("nrRegCom"), limit=20)),
        address=_address(seat, general),
        locality=locality,
        county=_county(_text(seat.get("scod_JudetAuto")), _text(seat.get("sdenumire_Judet"))),
        postal_code=_postal_code(_text(seat.get("scod_Postal")) or _text(general.get("codPostal"))),
        phone=_text(general.get("telefon"), limit=32),
        vat_payer=vat_payer if isinstance(vat_payer, bool) else None,
    )


def _unreadable() -> Conflict:
    return unavailable(ANAF, _("ANAF sent an answer we cannot read; try again later."), field="cui")


def _lists(value: object, cui: str) -> bool:
    """Whether ANAF's notFound names ``cui`` (as a number, a string or {"cui": ...})."""
    if not isinstance(value, list):
        return False
    for item in value:
        named = item.get("cui") if isinstance(item, dict) else item
        if str(named).strip() == cui:
            return True
    return False


def _ask_anaf(cui: str, day: dt.date) -> dict[str, Any] | None:
    """ANAF's found entry for ``cui`` on ``day``, or None when ANAF does not know it."""
    reply = fetch(
        "POST",
        settings.SMARTCRM_ANAF_URL,
        service=ANAF,
        label=ANAF_LABEL,
        field="cui",
        json=[{"cui": int(cui), "data": day.isoformat()}],
        max_bytes=MAX_ANSWER_BYTES,
    )
    # ANAF has been seen answering "not found" with an HTTP 404 and the usual JSON body,
    # so a 404 is read like a 200 when its body is ANAF's document.
    if reply.status not in (200, 404):
        raise busy_error(reply, service=ANAF, label=ANAF_LABEL, field="cui")
    try:
        document = json.loads(reply.body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or not ({"found", "notFound"} & set(document)):
        if reply.status == 404:
            raise busy_error(reply, service=ANAF, label=ANAF_LABEL, field="cui")
        raise _unreadable()
    found = document.get("found") or []
    if not isinstance(found, list):
        raise _unreadable()
    for entry in found:
        if not isinstance(entry, dict):
            raise _unreadable()
        general = _section(entry, "date_generale") or entry
        if str(general.get("cui", cui)).strip() == cui:
            return entry
    if _lists(document.get("notFound"), cui) or document.get("cod") in (None, 200):
        return None
    raise unavailable(
        ANAF,
        _("ANAF refused the request (code %(code)s); try again later.")
        % {"code": _text(document.get("cod"), limit=10) or "?"},
        field="cui",
    )


def _remember(cui: str, day: dt.date, entry: dict[str, Any] | None) -> None:
    try:
        with transaction.atomic():
            AnafCompanyCache.objects.filter(fetched_at__lt=timezone.now() - CACHE_KEEP).delete()
            AnafCompanyCache.objects.update_or_create(
                cui=cui, day=day, defaults={"payload": {"found": entry}}
            )
    except IntegrityError:  # another request stored the same answer meanwhile
        logger.info("ANAF answer for %s on %s was cached concurrently", cui, day)


def anaf_lookup(cui: str, *, day: dt.date | None = None) -> CompanyData | None:
    """What ANAF knows about ``cui`` on ``day`` (default today); None if it knows nothing.

    An invalid CUI is a ValidationFailed on "cui"; a timeout, an error answer or an
    unreadable one is a Conflict with code "anaf_unavailable". Answers (found or not) are
    cached for the day."""
    digits = lookup_cui(cui)
    day = day or bucharest_today()
    cached = AnafCompanyCache.objects.filter(cui=digits, day=day).first()
    if cached is not None and isinstance(cached.payload, dict) and "found" in cached.payload:
        entry = cached.payload["found"]
    else:
        entry = _ask_anaf(digits, day)
        _remember(digits, day, entry)
    if not isinstance(entry, dict):
        return None
    return company_from_anaf(digits, entry)
