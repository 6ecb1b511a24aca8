"""Sending an offer from its web page, through the loopback SMTP server."""

from __future__ import annotations

from django.urls import reverse

from smartcrm.sales.models import Offer


def test_offer_page_sends_the_offer_and_shows_it_sent(client, org, owner, offer, buyer, smtp_inbox):
    client.force_login(owner)
    page = client.get(reverse("web:offer", args=[offer.pk]))
    assert page.status_code == 200
    assert buyer.email in page.content.decode()

    response = client.post(
        reverse("web:offer-send", args=[offer.pk]),
        {"contact_ids": [str(buyer.pk)], "subject": "", "body": "", "version": offer.version},
        follow=True,
    )

    assert response.status_code == 200
    assert "The offer was sent." in response.content.decode() or "Oferta a fost trimis" in (
        response.content.decode()
    )
    assert len(smtp_inbox.envelopes) == 1
    assert Offer.objects.get(pk=offer.pk).status == "sent"


def test_offer_page_send_without_a_recipient_changes_nothing(client, org, owner, offer, smtp_inbox):
    client.force_login(owner)
    response = client.post(
        reverse("web:offer-send", args=[offer.pk]), {"subject": "x"}, follow=True
    )
    assert response.status_code == 200
    assert smtp_inbox.envelopes == []
    assert Offer.objects.get(pk=offer.pk).status == "draft"
