"""The offer PDF: what it says (read back with pypdf), in which language and format, with
which fonts, from which URLs; the organisation's settings for it; the API endpoint."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.catalog.services import exchange_rate_set, product_create
from smartcrm.contacts.services import contact_create, offer_contacts_set
from smartcrm.core.errors import Forbidden, ValidationFailed
from smartcrm.core.services import organization_set_logo, organization_update
from smartcrm.sales.documents import (
    FONT_FILES,
    OfflineURLFetcher,
    RefusedURLError,
    format_date,
    format_number,
    offer_pdf,
    offer_pdf_html,
    render_pdf,
)
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory

ISSUED = dt.date(2026, 3, 2)
TERMS = "Plata: 50% avans la semnare, restul în 15 zile de la facturare.\nGaranție 24 de luni."
FOOTER = "Alfa Soluții SRL · Str. Republicii nr. 10, Brașov · capital social 200 lei"


def pdf_text(pdf: bytes) -> str:
    """Every page's text, blanks and line breaks folded to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def supplier(org, owner):
    """The organisation with what an offer shows: identity, bank, terms, footer."""
    return organization_update(
        org=org,
        user=owner,
        cui="RO18547290",
        trade_register="J08/1234/2015",
        address="Str. Republicii nr. 10",
        postal_code="500030",
        locality="Brașov",
        county="BV",
        iban="RO49AAAA1B31007593840000",
        bank_name="Banca Transilvania",
        offer_terms=TERMS,
        offer_footer=FOOTER,
    )


def _offer(org, user, *, language="ro", currency="RON"):
    """A RON offer: a EUR licence (converted at 5.0420), a discounted service, a VAT-free
    course. net 9327.70 + 1944.00 + 1900.00; VAT 1958.82 + 408.24 + 0.00."""
    exchange_rate_set(org=org, user=user, currency="EUR", date=ISSUED, rate=Decimal("5.0420"))
    licence = product_create(
        org=org,
        user=user,
        code="LIC-ERP-PRO",
        name="Licență ERP Profesional",
        unit="buc",
        price=Decimal("1850"),
        currency="EUR",
        vat_rate=Decimal("21"),
    )
    account = AccountFactory.create(
        org=org,
        user=user,
        name="Țesătoria Bârsei SRL",
        cui="16327077",
        vat_payer=True,
        trade_register="J08/2222/2010",
        address="Str. Lungă nr. 5",
        locality="Brașov",
        county="BV",
    )
    contact = contact_create(
        org=org,
        user=user,
        account_id=account.pk,
        first_name="Ștefan",
        last_name="Țăranu",
        job_title="Director achiziții",
        email="stefan.taranu@tesatoria.ro",
    )
    offer = OfferFactory.create(
        org=org,
        user=user,
        account_id=account.pk,
        title="Implementare ERP la sediul din Brașov",
        currency=currency,
        language=language,
        issue_date=ISSUED,
        valid_until=ISSUED + dt.timedelta(days=30),
        lines=[
            {"product_id": licence.pk, "quantity": Decimal("1")},
            {
                "code": "SRV-INST",
                "name": "Instalare și configurare",
                "unit": "oră",
                "quantity": Decimal("12"),
                "unit_price": Decimal("180"),
                "discount_percent": Decimal("10"),
                "vat_rate": Decimal("21"),
            },
            {
                "code": "TRN-ACRED",
                "name": "Curs acreditat de competențe digitale",
                "unit": "zi",
                "quantity": Decimal("1"),
                "unit_price": Decimal("1900"),
                "vat_rate": Decimal("0"),
            },
        ],
    )
    offer_contacts_set(org=org, user=user, offer_id=offer.pk, contact_ids=[contact.pk])
    offer.refresh_from_db()
    return offer


@pytest.fixture
def offer(supplier, owner):
    return _offer(supplier, owner)


# --- what the Romanian PDF says -----------------------------------------------------------


def test_romanian_pdf_shows_number_lines_totals_per_vat_rate_and_grand_total(supplier, offer):
    # given the totals the offer holds
    assert (offer.total_net, offer.total_vat, offer.total_gross) == (
        Decimal("13171.70"),
        Decimal("2367.06"),
        Decimal("15538.76"),
    )
    # when
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    # then
    assert "OFERTĂ COMERCIALĂ" in text
    assert "Nr. OF-2026-0001" in text
    for code, name in [
        ("LIC-ERP-PRO", "Licență ERP Profesional"),
        ("SRV-INST", "Instalare și configurare"),
        ("TRN-ACRED", "Curs acreditat de competențe digitale"),
    ]:
        assert code in text
        assert name in text
    # lines: quantity, unit price, discount, net, VAT rate, VAT, gross
    assert "1 9.327,70 – 9.327,70 21% 1.958,82 11.286,52" in text
    assert "12 180,00 10% 1.944,00 21% 408,24 2.352,24" in text
    assert "1 1.900,00 – 1.900,00 0% 0,00 1.900,00" in text
    # totals per VAT rate, then the offer's totals
    assert "21% 11.271,70 2.367,06 13.638,76" in text
    assert "0% 1.900,00 0,00 1.900,00" in text
    assert "Total fără TVA 13.171,70 RON" in text
    assert "Total TVA 2.367,06 RON" in text
    assert "Total general 15.538,76 RON" in text


def test_romanian_pdf_shows_the_rate_used_on_the_converted_line(supplier, offer):
    line = offer.lines.get(code="LIC-ERP-PRO")
    assert (line.source_price, line.source_currency, line.exchange_rate) == (
        Decimal("1850.0000"),
        "EUR",
        Decimal("5.042000"),
    )
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "Preț 1.850,00 EUR la cursul 1 EUR = 5,0420 RON" in text
    assert text.count("la cursul 1 ") == 1  # only on the converted line


def test_romanian_pdf_shows_supplier_client_dates_and_contact_person(supplier, offer, owner):
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "FURNIZOR" in text and "CLIENT" in text
    assert "Alfa Soluții SRL" in text
    assert "CUI RO18547290" in text
    assert "Nr. Reg. Com. J08/1234/2015" in text
    assert "Str. Republicii nr. 10, 500030 Brașov, jud. Brașov" in text
    assert "IBAN RO49AAAA1B31007593840000" in text
    assert "Banca Banca Transilvania" in text
    assert "Țesătoria Bârsei SRL" in text
    assert "CUI RO16327077" in text
    assert "Ștefan Țăranu (Director achiziții)" in text
    assert "stefan.taranu@tesatoria.ro" in text
    assert "Data emiterii 02.03.2026" in text
    assert "Valabilă până la 01.04.2026" in text
    assert "Moneda RON" in text
    assert f"Persoană de contact Ana Popescu · {owner.email}" in text
    assert "Obiect: Implementare ERP la sediul din Brașov" in text


def test_diacritics_keep_the_comma_below(supplier, offer):
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "Brașov" in text and "Soluții" in text and "Țesătoria" in text
    assert not {"ş", "ţ", "Ş", "Ţ"} & set(text)  # no cedilla letters came out


def test_terms_footer_and_page_numbers_appear(supplier, offer):
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "TERMENI ȘI CONDIȚII" in text
    assert " ".join(TERMS.split()) in text
    assert FOOTER in text
    assert "Pagina 1 din 1" in text


def test_a_long_offer_numbers_every_page(supplier, offer, owner):
    from smartcrm.sales.services import offer_line_add

    for index in range(40):
        offer_line_add(
            org=supplier,
            user=owner,
            offer_id=offer.pk,
            name=f"Poziția {index}",
            quantity=Decimal("1"),
            unit_price=Decimal("10"),
        )
    pdf = offer_pdf(org=supplier, offer=offer)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    text = pdf_text(pdf)
    assert pages >= 2
    assert [f"Pagina {n} din {pages}" in text for n in range(1, pages + 1)] == [True] * pages
    assert text.count(FOOTER) == pages


# --- English ------------------------------------------------------------------------------


def test_english_offer_has_english_labels_and_number_format(supplier, owner):
    offer = _offer(supplier, owner, language="en")
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "COMMERCIAL OFFER" in text
    assert "No. OF-2026-0001" in text
    assert "Issue date 2 Mar 2026" in text
    assert "Valid until 1 Apr 2026" in text
    assert "Price 1,850.00 EUR at the rate 1 EUR = 5.0420 RON" in text
    assert "1 9,327.70 – 9,327.70 21% 1,958.82 11,286.52" in text
    assert "21% 11,271.70 2,367.06 13,638.76" in text
    assert "0% 1,900.00 0.00 1,900.00" in text
    assert "Total without VAT 13,171.70 RON" in text
    assert "Grand total 15,538.76 RON" in text
    assert "TERMS AND CONDITIONS" in text
    assert "Page 1 of 1" in text
    assert "Brașov County" in text
    assert "Total general" not in text and "Pagina" not in text


def test_language_argument_overrides_the_offer_language(supplier, offer):
    text = pdf_text(offer_pdf(org=supplier, offer=offer, language="en"))
    assert "Grand total 15,538.76 RON" in text


def test_unknown_language_or_design_is_refused_naming_the_field(supplier, offer):
    with pytest.raises(ValidationFailed) as language:
        offer_pdf(org=supplier, offer=offer, language="fr")
    with pytest.raises(ValidationFailed) as design:
        offer_pdf(org=supplier, offer=offer, design="baroque")
    assert (language.value.field, design.value.field) == ("language", "design")


@pytest.mark.parametrize(
    ("value", "places", "min_places", "ro", "en"),
    [
        (Decimal("1234567.891"), 2, -1, "1.234.567,89", "1,234,567.89"),
        (Decimal("0.005"), 2, -1, "0,01", "0.01"),
        (Decimal("999.995"), 2, -1, "1.000,00", "1,000.00"),
        (Decimal("-1234.5"), 2, -1, "-1.234,50", "-1,234.50"),
        (Decimal("12.000"), 3, 0, "12", "12"),
        (Decimal("5.042000"), 6, 4, "5,0420", "5.0420"),
        (Decimal("0.198334"), 6, 4, "0,198334", "0.198334"),
    ],
)
def test_number_format_per_language(value, places, min_places, ro, en):
    assert format_number(value, language="ro", places=places, min_places=min_places) == ro
    assert format_number(value, language="en", places=places, min_places=min_places) == en


def test_date_format_per_language():
    from django.utils import translation

    with translation.override("en"):
        assert format_date(dt.date(2026, 11, 27), "en") == "27 Nov 2026"
    assert format_date(dt.date(2026, 11, 27), "ro") == "27.11.2026"


# --- designs, fonts, no network -------------------------------------------------------------


def test_both_designs_render_and_differ(supplier, offer):
    classic = pdf_text(offer_pdf(org=supplier, offer=offer, design="classic"))
    modern = pdf_text(offer_pdf(org=supplier, offer=offer, design="modern"))
    assert classic != modern
    assert "OFERTĂ COMERCIALĂ" in classic and "OFERTĂ COMERCIALĂ" not in modern
    for text in (classic, modern):
        assert "Total general 15.538,76 RON" in text
        assert "LIC-ERP-PRO" in text


def test_the_organisation_design_is_the_default(supplier, owner, offer):
    org = organization_update(org=supplier, user=owner, offer_pdf_design="modern")
    chosen = pdf_text(offer_pdf(org=org, offer=offer))
    assert chosen == pdf_text(offer_pdf(org=org, offer=offer, design="modern"))


def test_pdf_embeds_the_shipped_dejavu_font_fetched_from_the_package(supplier, offer):
    fetcher = OfflineURLFetcher()
    pdf = render_pdf(offer_pdf_html(org=supplier, offer=offer), fetcher=fetcher)
    assert {path.as_uri() for path in FONT_FILES.values()} <= set(fetcher.served)
    assert fetcher.refused == []
    families = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            data = descendant["/FontDescriptor"]["/FontFile2"].get_data()
            families.add(TTFont(io.BytesIO(data))["name"].getDebugName(1))
    assert families == {"DejaVu Sans"}


def test_fetcher_refuses_network_and_files_outside_the_package_without_connecting():
    fetcher = OfflineURLFetcher()
    for url in ("http://127.0.0.1:9/x.png", "https://example.com/a.css", "file:///etc/passwd"):
        with pytest.raises(RefusedURLError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


@pytest.fixture
def loopback_server():
    """An HTTP server on loopback that counts the requests it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_a_template_referencing_http_urls_makes_no_request(loopback_server):
    base, hits = loopback_server
    html = f"""<html><head>
      <link rel="stylesheet" href="{base}/style.css">
      <style>@import url("{base}/more.css");
        @font-face {{ font-family: Remote; src: url("{base}/font.ttf"); }}
        body {{ background: url("{base}/bg.png"); font-family: Remote; }}</style>
      </head><body><img src="{base}/logo.png"><p>Brașov</p></body></html>"""
    fetcher = OfflineURLFetcher()
    pdf = render_pdf(html, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    assert hits == []
    assert {f"{base}/{name}" for name in ("style.css", "more.css", "font.ttf", "logo.png")} <= set(
        fetcher.refused
    )


def test_building_the_document_takes_four_queries(supplier, offer, django_assert_num_queries):
    # the offer with account and owner, its lines, its contacts, the VAT breakdown
    with django_assert_num_queries(4):
        offer_pdf_html(org=supplier, offer=offer)


def test_another_organisations_offer_is_not_found(other_org, supplier, offer):
    from smartcrm.core.errors import NotFound

    with pytest.raises(NotFound):
        offer_pdf(org=other_org, offer=offer)


# --- organisation settings: logo, design ----------------------------------------------------


def _png(size=(120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (15, 92, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_logo_is_judged_by_content_and_stored_under_our_name(org, owner, media):
    # a PNG called .svg is stored as the PNG it is
    organization_set_logo(org=org, user=owner, uploaded_file=SimpleUploadedFile("logo.svg", _png()))
    org.refresh_from_db()
    assert org.logo.name.startswith(f"logos/{org.pk}-") and org.logo.name.endswith(".png")


def test_svg_logo_without_scripts_is_accepted(org, owner, media):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="url(#g)"/></svg>'
    )
    organization_set_logo(org=org, user=owner, uploaded_file=SimpleUploadedFile("l.svg", svg))
    org.refresh_from_db()
    assert org.logo.name.endswith(".svg")


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not an image at all", "logo_type"),
        (b"\x89PNG\r\n\x1a\nbroken", "logo_type"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo_type"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo_type"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<image x:href="http://example.com/a.png"/></svg>',
            "logo_type",
        ),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "logo_type"),
        (b"", "logo_size"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "logo_size"),
    ],
)
def test_bad_logo_is_refused_and_nothing_changes(org, owner, media, content, code):
    with pytest.raises(ValidationFailed) as error:
        organization_set_logo(
            org=org, user=owner, uploaded_file=SimpleUploadedFile("logo.png", content)
        )
    assert (error.value.field, error.value.code) == ("logo", code)
    org.refresh_from_db()
    assert not org.logo


def test_only_admins_set_the_logo(org, sales_user, media):
    with pytest.raises(Forbidden):
        organization_set_logo(
            org=org, user=sales_user, uploaded_file=SimpleUploadedFile("l.png", _png())
        )


def test_logo_can_be_removed(org, owner, media):
    organization_set_logo(org=org, user=owner, uploaded_file=SimpleUploadedFile("l.png", _png()))
    organization_set_logo(org=org, user=owner, uploaded_file=None)
    org.refresh_from_db()
    assert not org.logo


def test_the_logo_is_drawn_on_the_pdf(supplier, owner, offer, media):
    organization_set_logo(
        org=supplier, user=owner, uploaded_file=SimpleUploadedFile("l.png", _png())
    )
    pdf = offer_pdf(org=supplier, offer=offer)
    resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    images = [x for x in resources["/XObject"].values() if x["/Subtype"] == "/Image"]
    assert [(image["/Width"], image["/Height"]) for image in images] == [(120, 40)]


def test_unknown_design_is_refused_by_the_settings(org, owner):
    with pytest.raises(ValidationFailed) as error:
        organization_update(org=org, user=owner, offer_pdf_design="baroque")
    assert error.value.field == "offer_pdf_design"


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def api(org, owner):
    return ApiClient(org, owner)


def test_api_returns_the_pdf_inline_or_as_attachment(api, offer):
    url = f"/api/v1/offers/{offer.pk}/pdf"
    inline = api.get(url)
    attachment = api.get(f"{url}?download=true")
    assert (inline.status_code, inline["Content-Type"]) == (200, "application/pdf")
    assert inline["Content-Disposition"] == 'inline; filename="OF-2026-0001.pdf"'
    assert attachment["Content-Disposition"] == 'attachment; filename="OF-2026-0001.pdf"'
    assert "Total general 15.538,76 RON" in pdf_text(inline.content)


def test_api_language_override(api, offer):
    response = api.get(f"/api/v1/offers/{offer.pk}/pdf?language=en&design=modern")
    assert response.status_code == 200
    assert "Grand total 15,538.76 RON" in pdf_text(response.content)


def test_api_refuses_an_unknown_language_or_parameter(api, offer):
    bad_language = api.get(f"/api/v1/offers/{offer.pk}/pdf?language=fr")
    unknown = api.get(f"/api/v1/offers/{offer.pk}/pdf?colour=red")
    assert (bad_language.status_code, bad_language.json()["errors"][0]["field"]) == (
        400,
        "language",
    )
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (400, "colour")


def test_api_another_organisations_offer_is_404_problem(other_org, other_owner, offer):
    response = ApiClient(other_org, other_owner).get(f"/api/v1/offers/{offer.pk}/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


# --- the cache ------------------------------------------------------------------------------


def test_a_pdf_is_kept_by_what_it_shows_and_made_again_when_that_changes(supplier, offer, owner):
    import hashlib

    import weasyprint
    from django.core.cache import caches

    from smartcrm.sales.documents import offer_pdf_html
    from smartcrm.sales.services.accounts import account_update

    # Given the PDF made once, kept under the digest of its HTML
    first = offer_pdf(org=supplier, offer=offer)
    html = offer_pdf_html(org=supplier, offer=offer)
    digest = hashlib.sha256(f"{weasyprint.__version__}\n{html}".encode()).hexdigest()
    documents = caches["documents"]
    assert documents.get(f"offer-pdf:{digest}") == first
    # When it is asked again, Then the kept bytes are served (not made again)
    documents.set(f"offer-pdf:{digest}", b"%PDF-kept")
    assert offer_pdf(org=supplier, offer=offer) == b"%PDF-kept"
    # When the client's name changes (not the offer), Then the PDF is made again and says so
    account = offer.account
    account_update(org=supplier, user=owner, account_id=account.pk, name="Beta Construcții Noi SRL")
    offer.refresh_from_db()
    text = pdf_text(offer_pdf(org=supplier, offer=offer))
    assert "Beta Construcții Noi SRL" in text
