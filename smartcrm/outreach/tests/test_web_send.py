"""Sending an offer from its web page, through the loopback SMTP server."""

from __future__ import annotations

from django.urls import reverse

from smartcrm.sales.models import Offer

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_offer_page_sends_the_offer_and_shows_it_sent(client, org, owner, offer, buyer, smtp_inbox):
    client.force_login(owner)
    dialog = client.get(reverse("sales:offer-send", args=[offer.pk]), **HTMX)
    assert dialog.status_code == 200
    assert buyer.email in dialog.content.decode()

    response = client.post(
        reverse("sales:offer-send", args=[offer.pk]),
        {"contact_ids": [str(buyer.pk)], "subject": "", "body": "", "version": offer.version},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert buyer.email in page  # "The offer was sent to …", in the page's language
    assert len(smtp_inbox.envelopes) == 1
    assert Offer.objects.get(pk=offer.pk).status == "sent"


def test_offer_page_send_without_a_recipient_changes_nothing(client, org, owner, offer, smtp_inbox):
    client.force_login(owner)
    response = client.post(reverse("sales:offer-send", args=[offer.pk]), {"subject": "x"}, **HTMX)
    assert response.status_code == 422
    assert "contact_ids" in response.context["form"].errors
    assert smtp_inbox.envelopes == []
    assert Offer.objects.get(pk=offer.pk).status == "draft"
