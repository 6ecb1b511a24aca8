"""The client's public pages: no login, no session, the signed link is the key."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from smartcrm.notifications.models import Notification
from smartcrm.outreach import links
from smartcrm.outreach.models import OfferLink
from smartcrm.outreach.selectors import link_from_token
from smartcrm.outreach.services import offer_link_revoke
from smartcrm.outreach.tests.conftest import LINE, sent_offer_link
from smartcrm.sales import services as sales
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory


def page(token: str, suffix: str = "") -> str:
    return f"/o/{token}/{suffix}"


def _reload(offer: Offer) -> Offer:
    return Offer.objects.get(pk=offer.pk)


def _accept(client: Client, token: str, **fields: str):
    data = {f"accept-{name}": value for name, value in fields.items()}
    return client.post(page(token, "accept"), data)


def _decline(client: Client, token: str, **fields: str):
    data = {f"decline-{name}": value for name, value in fields.items()}
    return client.post(page(token, "decline"), data)


# --- the offer page ----------------------------------------------------------------------


def test_the_client_sees_the_offer_without_logging_in(client, org, offer, token):
    response = client.get(page(token))

    assert response.status_code == 200
    html = response.content.decode()
    assert offer.number in html
    assert "Implementare CRM" in html
    assert "Licență SmartCRM (12 luni)" in html
    assert "Alfa Soluții SRL" in html
    assert "3.630,00 RON" in html  # in the offer's language: Romanian
    assert 'name="accept-name"' in html
    assert 'name="decline-reason"' in html
    assert 'lang="ro"' in html


def test_the_page_keeps_no_session_and_is_not_cached(client, offer, token):
    response = client.get(page(token))

    assert django_settings.SESSION_COOKIE_NAME not in response.cookies
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]


def test_an_english_offer_is_shown_in_english(client, org, owner, offer):
    sales.offer_update(org=org, user=owner, offer_id=offer.pk, language="en")
    token = sent_offer_link(org, owner, offer)

    response = client.get(page(token), HTTP_ACCEPT_LANGUAGE="ro")

    html = response.content.decode()
    assert "Accept the offer" in html
    assert "3,630.00 RON" in html
    assert response["Content-Language"] == "en"


def test_the_client_downloads_the_pdf(client, offer, token):
    response = client.get(page(token, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{offer.number}.pdf"'
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert offer.number in text


def test_the_client_pages_answer_429_past_their_rate_per_address(client, offer, token, settings):
    # Given a rate of three requests a minute per address
    settings.SMARTCRM_CLIENT_PAGE_RATE = "3/minute"
    assert [client.get(page(token, "pdf")).status_code for _ in range(3)] == [200] * 3
    # When a fourth comes (page, PDF or answer), Then it is refused and nothing changes
    refused = client.get(page(token))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Cache-Control"] == "private, no-store"
    assert "Too many requests" in refused.content.decode()
    assert _accept(client, token, name="Ion Ionescu").status_code == 429
    assert _reload(offer).status != "won"
    # And another address is answered
    assert Client(REMOTE_ADDR="203.0.113.5").get(page(token)).status_code == 200


# --- deciding --------------------------------------------------------------------------


def test_accepting_shows_a_thank_you_and_wins_the_offer(client, owner, offer, token):
    response = _accept(client, token, name="Ștefan Mureșan", note="Mulțumim!")

    assert response.status_code == 302
    assert response["Location"] == page(token)
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "Vă mulțumim! Ați acceptat această ofertă." in html
    assert 'name="accept-name"' not in html
    assert _reload(offer).status == "won"
    assert Notification.objects.get().user_id == owner.pk


def test_declining_with_a_reason_loses_the_offer(client, offer, token):
    response = _decline(client, token, reason="Am ales alt furnizor.")

    assert response.status_code == 302
    offer = _reload(offer)
    assert (offer.status, offer.lost_reason) == ("lost", "Am ales alt furnizor.")


def test_declining_without_a_reason_shows_the_error_and_changes_nothing(client, offer, token):
    response = _decline(client, token, reason="  ")

    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode()
    assert _reload(offer).status == "sent"


def test_the_forms_work_with_csrf_checks_and_no_session(offer, token):
    browser = Client(enforce_csrf_checks=True)
    browser.get(page(token))  # sets the CSRF cookie, nothing else
    csrf = browser.cookies[django_settings.CSRF_COOKIE_NAME].value

    forged = Client(enforce_csrf_checks=True).post(
        page(token, "accept"), {"accept-name": "Ștefan Mureșan"}
    )
    response = browser.post(
        page(token, "accept"), {"accept-name": "Ștefan Mureșan", "csrfmiddlewaretoken": csrf}
    )

    assert forged.status_code == 403
    assert response.status_code == 302
    assert django_settings.SESSION_COOKIE_NAME not in browser.cookies
    assert _reload(offer).status == "won"


def test_a_second_decision_gets_a_clear_page_and_changes_nothing(client, offer, token):
    _accept(client, token, name="Ștefan Mureșan")
    version = _reload(offer).version

    response = _decline(client, token, reason="M-am răzgândit.")

    assert response.status_code == 410
    assert "Ați răspuns deja" in response.content.decode()
    offer = _reload(offer)
    assert (offer.status, offer.version) == ("won", version)


# --- links that do not work ---------------------------------------------------------------


def test_an_expired_link_gets_a_clear_page(client, offer, token):
    link = link_from_token(token=token)
    OfferLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))

    for response in (client.get(page(token)), _accept(client, token, name="Ștefan Mureșan")):
        assert response.status_code == 410
        assert "Acest link a expirat" in response.content.decode()
    assert _reload(offer).status == "sent"


def test_a_revoked_link_gets_a_clear_page(client, org, owner, offer, token):
    offer_link_revoke(org=org, user=owner, offer_id=offer.pk)

    response = client.get(page(token))

    assert response.status_code == 410
    assert "Acest link a fost retras" in response.content.decode()
    assert client.get(page(token, "pdf")).status_code == 410


def test_a_tampered_link_is_not_found(client, settings, offer, token):
    settings.LANGUAGE_CODE = "ro"  # no link, no organisation: the site's language
    tampered = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")

    for response in (client.get(page(tampered)), _accept(client, tampered, name="X")):
        assert response.status_code == 404
        assert "Acest link nu funcționează" in response.content.decode()
    assert _reload(offer).status == "sent"


@pytest.mark.parametrize("junk", ["x", "a.b.c", "%00", "." * 200, "0" * 32 + ".x.y"])
def test_junk_in_place_of_the_link_is_not_found(client, junk):
    assert client.get(page(junk)).status_code == 404


def test_a_link_of_another_organisations_offer_cannot_act_on_ours(
    client, org, owner, offer, token, other_org, other_owner
):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, lines=[LINE]
    )
    foreign_token = sent_offer_link(other_org, other_owner, foreign)
    _, foreign_plain = links.unsign(foreign_token)

    swapped = offer.pk.hex + foreign_token[32:]
    forged = links.sign(offer.pk, foreign_plain)
    for bad in (swapped, forged):
        assert client.get(page(bad)).status_code == 404
        assert _accept(client, bad, name="Intrus").status_code == 404

    assert _reload(offer).status == "sent"
    assert _reload(foreign).status == "sent"
