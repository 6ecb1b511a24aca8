"""The offer as a PDF document: WeasyPrint over HTML/CSS templates, in the offer's language.

A read: nothing is written. WeasyPrint fetches nothing from the network: the fonts ship
with the project (static/sales/fonts, referenced by file:// URLs), the logo is embedded as a
data: URL, and the URL fetcher refuses anything else, so a PDF looks the same on every
machine and a stray link in a template or an SVG logo cannot make the server call out.

Numbers and dates follow the document's language, not the server's format settings:
Romanian "1.234,56" and "27.11.2026"; English "1,234.56" and "27 Nov 2026" (day,
abbreviated month, year: read the same way on both sides of the Atlantic, unlike 11/27).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import mimetypes
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import weasyprint
from django.core.cache import caches
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import dateformat, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from smartcrm.contacts.models import OfferContact
from smartcrm.core.choices import County, Language, OfferPdfDesign
from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.core.models import CompanyIdentity, Organization
from smartcrm.sales.models import Offer, OfferLine
from smartcrm.sales.selectors import offer_vat_breakdown

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
FONT_DIR = PACKAGE_DIR / "static" / "sales" / "fonts"
TEMPLATE_DIR = PACKAGE_DIR / "templates" / "sales" / "pdf"
FONT_FILES = {
    "regular": FONT_DIR / "DejaVuSans.ttf",
    "bold": FONT_DIR / "DejaVuSans-Bold.ttf",
    "italic": FONT_DIR / "DejaVuSans-Oblique.ttf",
}
# The only folders a document may read files from.
READABLE_ROOTS = (FONT_DIR, TEMPLATE_DIR)


# --- Fetching: files we ship, data: URLs, nothing else ------------------------------------


class RefusedURLError(ValueError):
    """WeasyPrint asked for a URL a document must not use (network, or a file elsewhere)."""


class OfflineURLFetcher(URLFetcher):
    """Serves files under ``roots`` and data: URLs; refuses every other URL before any
    connection is made. Remembers what it served and refused (logged, and seen by tests)."""

    def __init__(self, roots: tuple[Path, ...] = READABLE_ROOTS) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = tuple(root.resolve() for root in roots)
        self.served: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                self.served.append(url)
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                )
        self.refused.append(url)
        logger.warning("Offer PDF: refused to fetch %s", url[:200])
        raise RefusedURLError(f"A document may not fetch {url[:200]}")


def render_pdf(html: str, *, fetcher: OfflineURLFetcher | None = None) -> bytes:
    """HTML to PDF bytes; relative URLs resolve inside the PDF templates' folder."""
    document = HTML(
        string=html, base_url=str(TEMPLATE_DIR), url_fetcher=fetcher or OfflineURLFetcher()
    )
    return bytes(document.write_pdf(font_config=FontConfiguration()))


# --- Formatting in the document's language ------------------------------------------------

SEPARATORS = {Language.RO: (".", ","), Language.EN: (",", ".")}  # (thousands, decimal)


def format_number(value: Decimal, *, language: str, places: int, min_places: int = -1) -> str:
    """Half-up to ``places`` decimals, trailing zeros dropped down to ``min_places``
    (default: keep them all), grouped by thousands: ro 1.234,56, en 1,234.56."""
    thousands, decimal_mark = SEPARATORS[Language(language)]
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _dot, fraction = f"{abs(rounded):f}".partition(".")
    keep = places if min_places < 0 else max(min_places, len(fraction.rstrip("0")))
    fraction = fraction[:keep]
    groups: list[str] = []
    while len(whole) > 3:
        whole, group = whole[:-3], whole[-3:]
        groups.insert(0, group)
    grouped = thousands.join([whole, *groups])
    return f"{sign}{grouped}{decimal_mark}{fraction}" if fraction else f"{sign}{grouped}"


def format_money(value: Decimal, language: str) -> str:
    return format_number(value, language=language, places=2)


def format_percent(value: Decimal, language: str) -> str:
    return format_number(value, language=language, places=2, min_places=0) + "%"


def format_date(value: Any, language: str) -> str:
    """ro 27.11.2026; en 27 Nov 2026 (month names from the active translation)."""
    if value is None:
        return ""
    if language == Language.RO:
        return str(value.strftime("%d.%m.%Y"))
    return str(dateformat.format(value, "j M Y"))


def css_string(text: str) -> str:
    """A CSS string literal (for ``content:``), safe whatever the translation holds."""
    escaped = "".join(ch if ch.isalnum() or ch in " .,;:-/" else f"\\{ord(ch):x} " for ch in text)
    return f'"{escaped}"'


# --- What the templates show ----------------------------------------------------------------


@dataclass(frozen=True)
class PartyBlock:
    """A company (or person) as shown on the document: name, then labelled details."""

    name: str
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ContactLine:
    name: str  # with the job title
    reach: str  # e-mail and phone


@dataclass(frozen=True)
class LineRow:
    number: int
    code: str
    name: str
    description: str
    unit: str
    quantity: str
    unit_price: str
    price_includes_vat: bool
    discount: str
    net: str
    vat_rate: str
    vat: str
    gross: str
    conversion: str


@dataclass(frozen=True)
class VatRow:
    rate: str
    net: str
    vat: str
    gross: str


def _tax_id(party: CompanyIdentity) -> str:
    """The CUI as printed on Romanian documents: RO prefix for VAT payers."""
    if not party.cui:
        return ""
    return f"RO{party.cui}" if party.vat_payer and party.country == "RO" else party.cui


def _address(party: CompanyIdentity, language: str) -> str:
    place = " ".join(part for part in (party.postal_code, party.locality) if part)
    county = County(party.county).label if party.county in County.values else ""
    if party.county == County.B:
        # Bucharest is a municipality, not a county: named once, without "jud."
        if county.casefold() in (party.locality or "").casefold():
            county = ""
    elif county:
        county = _("%(county)s County") % {"county": county}
    country = party.country if party.country and party.country != "RO" else ""
    return ", ".join(part for part in (party.address, place, county, country) if part)


def _identity_details(party: CompanyIdentity, language: str) -> list[tuple[str, str]]:
    details = [
        (_("Tax ID (CUI)"), _tax_id(party)),
        (_("Trade register no."), party.trade_register),
        (_("Address"), _address(party, language)),
    ]
    return [(label, value) for label, value in details if value]


def _supplier(org: Organization, language: str) -> PartyBlock:
    details = _identity_details(org, language)
    details += [
        (_("IBAN"), org.iban),
        (_("Bank"), org.bank_name),
        (_("Phone"), org.phone),
        (_("E-mail"), org.email),
        (_("Website"), org.website),
    ]
    return PartyBlock(org.name, [(label, value) for label, value in details if value])


def _client(offer: Offer, language: str) -> PartyBlock:
    account = offer.account
    details = _identity_details(account, language)
    details += [(_("Phone"), account.phone), (_("E-mail"), account.email)]
    return PartyBlock(account.name, [(label, value) for label, value in details if value])


def _contact_lines(offer: Offer) -> list[ContactLine]:
    lines = []
    for link in offer.offer_contacts.all():
        contact = link.contact
        name = contact.full_name
        if contact.job_title:
            name = f"{name} ({contact.job_title})"
        reach = " · ".join(value for value in (contact.email, contact.phone) if value)
        lines.append(ContactLine(name, reach))
    return lines


def _places(values: list[Decimal], *, low: int, high: int) -> int:
    """Decimals a column needs so that every value shows exactly (between low and high):
    one count per column keeps the decimal marks aligned."""
    needed = low
    for value in values:
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            needed = max(needed, min(high, -exponent))
    return needed


def _line_rows(offer: Offer, language: str) -> list[LineRow]:
    lines = list(offer.lines.all())
    quantity_places = _places([line.quantity for line in lines], low=0, high=3)
    price_places = _places([line.unit_price for line in lines], low=2, high=4)
    return [
        _line_row(number, line, offer, language, quantity_places, price_places)
        for number, line in enumerate(lines, start=1)
    ]


def _line_row(
    number: int,
    line: OfferLine,
    offer: Offer,
    language: str,
    quantity_places: int,
    price_places: int,
) -> LineRow:
    conversion = ""
    if line.source_currency and line.source_currency != offer.currency:
        conversion = _(
            "Price %(price)s %(source)s at the rate 1 %(source)s = %(rate)s %(target)s"
        ) % {
            "price": format_number(line.source_price, language=language, places=4, min_places=2),
            "source": line.source_currency,
            "rate": format_number(line.exchange_rate, language=language, places=6, min_places=4),
            "target": offer.currency,
        }
    return LineRow(
        number=number,
        code=line.code,
        name=line.name,
        description=line.description,
        unit=line.unit,
        quantity=format_number(line.quantity, language=language, places=quantity_places),
        unit_price=format_number(line.unit_price, language=language, places=price_places),
        price_includes_vat=line.price_includes_vat,
        discount=format_percent(line.discount_percent, language) if line.discount_percent else "–",
        net=format_money(line.net_amount, language),
        vat_rate=format_percent(line.vat_rate, language),
        vat=format_money(line.vat_amount, language),
        gross=format_money(line.gross_amount, language),
        conversion=conversion,
    )


def _logo_data_url(org: Organization) -> str:
    """The logo inlined as a data: URL (works with any storage, needs no fetching)."""
    if not org.logo:
        return ""
    try:
        with org.logo.open("rb") as logo:
            content = logo.read()
    except (OSError, ValueError):
        logger.warning("Offer PDF: the logo %s of %s cannot be read", org.logo.name, org.pk)
        return ""
    if content.startswith(b"\x89PNG"):
        content_type = "image/png"
    elif content.startswith(b"\xff\xd8\xff"):
        content_type = "image/jpeg"
    else:
        content_type = "image/svg+xml"
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def _page_counter_css() -> SafeString:
    """'Pagina 1 din 2' as CSS content: the translated words around the page counters."""
    template = _("Page %(page)s of %(pages)s")
    parts: list[str] = []
    rest = template
    for placeholder, counter in (("%(page)s", "counter(page)"), ("%(pages)s", "counter(pages)")):
        before, _found, rest = rest.partition(placeholder)
        parts += [css_string(before), counter]
    parts.append(css_string(rest))
    return mark_safe(" ".join(part for part in parts if part != '""'))


def _offer_for_document(org: Organization, offer: Offer) -> Offer:
    """The offer again, scoped to ``org``, with everything the document shows (3 queries)."""
    found = (
        Offer.objects.for_org(org)
        .select_related("account", "owner")
        .prefetch_related(
            Prefetch("lines", queryset=OfferLine.objects.order_by("position", "created_at")),
            Prefetch(
                "offer_contacts",
                queryset=OfferContact.objects.select_related("contact").order_by(
                    "contact__last_name", "contact__first_name", "created_at"
                ),
            ),
        )
        .filter(pk=offer.pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Offer not found."), code="not_found")
    return found


def offer_pdf_context(
    *, org: Organization, offer: Offer, language: str, design: str
) -> dict[str, Any]:
    """Everything the templates show, formatted for ``language`` (call it with that
    language active: labels are translated here)."""
    offer = _offer_for_document(org, offer)
    rows = _line_rows(offer, language)
    vat_rows = [
        VatRow(
            rate=format_percent(row.vat_rate, language),
            net=format_money(row.net, language),
            vat=format_money(row.vat, language),
            gross=format_money(row.gross, language),
        )
        for row in offer_vat_breakdown(offer=offer)
    ]
    owner = offer.owner
    return {
        "design": design,
        "language": language,
        # Our own paths, percent-encoded by as_uri(): safe inside url("...").
        "fonts": {name: mark_safe(path.as_uri()) for name, path in FONT_FILES.items()},
        "page_counter": _page_counter_css(),
        "org": org,
        "logo": _logo_data_url(org),
        "supplier": _supplier(org, language),
        "client": _client(offer, language),
        "contacts": _contact_lines(offer),
        "offer": offer,
        "issue_date": format_date(offer.issue_date, language),
        "valid_until": format_date(offer.valid_until, language),
        "lines": rows,
        "any_converted": any(row.conversion for row in rows),
        "any_price_with_vat": any(row.price_includes_vat for row in rows),
        "vat_rows": vat_rows,
        "total_net": format_money(offer.total_net, language),
        "total_vat": format_money(offer.total_vat, language),
        "total_gross": format_money(offer.total_gross, language),
        "owner_name": (owner.full_name or owner.email) if owner else "",
        "owner_email": owner.email if owner else "",
        "terms": org.offer_terms,
        "footer": org.offer_footer,
    }


def offer_pdf_html(
    *, org: Organization, offer: Offer, language: str | None = None, design: str | None = None
) -> str:
    """The HTML the PDF is made from (the same for the preview in a browser)."""
    language = language or offer.language or org.language
    design = design or org.offer_pdf_design or OfferPdfDesign.CLASSIC
    if language not in Language.values:
        raise ValidationFailed(_("Unknown language."), field="language", code="invalid_language")
    if design not in OfferPdfDesign.values:
        raise ValidationFailed(_("Unknown design."), field="design", code="invalid_design")
    with translation.override(language):
        context = offer_pdf_context(org=org, offer=offer, language=language, design=design)
        return render_to_string(f"sales/pdf/{design}.html", context)


def offer_pdf(
    *, org: Organization, offer: Offer, language: str | None = None, design: str | None = None
) -> bytes:
    """The offer as an A4 PDF in ``language`` (default: the offer's) and ``design``
    (default: the organisation's). Reads only.

    A PDF takes WeasyPrint a few hundred milliseconds; its HTML a few. So the PDF is kept
    in the documents cache under the digest of its HTML: any change that shows (the
    offer's version, a line, the account's address, the organisation's logo) makes new
    HTML and so a new PDF, and a client opening the link again gets the same bytes."""
    html = offer_pdf_html(org=org, offer=offer, language=language, design=design)
    digest = hashlib.sha256(f"{weasyprint.__version__}\n{html}".encode()).hexdigest()
    key = f"offer-pdf:{digest}"
    documents = caches["documents"]
    try:
        cached = documents.get(key)
    except Exception:  # an unreadable cache file: make the PDF again
        logger.warning("Offer PDF cache unreadable.", exc_info=True)
        cached = None
    if isinstance(cached, bytes):
        return cached
    pdf = render_pdf(html)
    try:
        documents.set(key, pdf)
    except Exception:  # a full or read-only disk: serve it anyway
        logger.warning("Offer PDF not cached.", exc_info=True)
    return pdf
