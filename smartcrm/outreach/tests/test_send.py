"""Sending an offer by e-mail, through a real SMTP server on loopback."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from smartcrm.activities.models import Activity
from smartcrm.contacts.services import contact_create
from smartcrm.core.errors import Conflict, ValidationFailed
from smartcrm.outreach import links, services
from smartcrm.outreach.models import OfferLink
from smartcrm.outreach.tests.conftest import token_of
from smartcrm.sales import services as sales
from smartcrm.sales.models import Offer
from smartcrm.sales.tests.factories import AccountFactory


def _send(org, user, offer, *contacts, **fields):
    return services.offer_send(
        org=org, user=user, offer_id=offer.pk, contact_ids=[c.pk for c in contacts], **fields
    )


def _reload(offer: Offer) -> Offer:
    return Offer.objects.get(pk=offer.pk)


def _subject(message) -> str:
    # Python folds a long encoded subject after "Subject:"; the unfolded value keeps the
    # leading blank, which mail clients drop.
    return str(message["Subject"]).strip()


def _body(message) -> str:
    plain = message.get_body(preferencelist=("plain",))
    return plain.get_content().replace("\r\n", "\n")


def _pdf_attachments(message):
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"
    ]


# --- the message ---------------------------------------------------------------------


def test_the_server_receives_one_message_with_the_right_recipients(
    org, owner, offer, buyer, accountant, smtp_inbox
):
    _send(org, owner, offer, buyer, accountant)

    (envelope,) = smtp_inbox.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(
        ["stefan.muresan@carpati.ro", "contabilitate@carpati.ro", "ana.popescu@example.ro"]
    )
    assert envelope.mail_from == "oferte@alfa.ro"
    (message,) = smtp_inbox.messages()
    assert [a.addr_spec for a in message["To"].addresses] == [
        "contabilitate@carpati.ro",  # ordered by last name: Dobre, Mureșan
        "stefan.muresan@carpati.ro",
    ]
    assert message["To"].addresses[1].display_name == "Ștefan Mureșan"
    assert [a.addr_spec for a in message["Cc"].addresses] == ["ana.popescu@example.ro"]
    assert [a.addr_spec for a in message["Reply-To"].addresses] == ["ana.popescu@example.ro"]
    assert message["From"].addresses[0].display_name == "Ana Popescu · Alfa Soluții SRL"


def test_the_subject_comes_from_the_template_in_the_offers_language(
    org, owner, offer, buyer, smtp_inbox
):
    result = _send(org, owner, offer, buyer)

    (message,) = smtp_inbox.messages()
    assert _subject(message) == f"Oferta {offer.number} de la Alfa Soluții SRL: Implementare CRM"
    assert result.subject == _subject(message)


def test_an_english_offer_is_sent_in_english(org, owner, offer, buyer, smtp_inbox):
    sales.offer_update(org=org, user=owner, offer_id=offer.pk, language="en")

    _send(org, owner, offer, buyer)

    (message,) = smtp_inbox.messages()
    assert _subject(message) == f"Offer {offer.number} from Alfa Soluții SRL: Implementare CRM"
    body = _body(message)
    assert "3,630.00 RON" in body


def test_the_pdf_is_attached_and_names_the_offer(org, owner, offer, buyer, smtp_inbox):
    _send(org, owner, offer, buyer)

    (message,) = smtp_inbox.messages()
    (attachment,) = _pdf_attachments(message)
    assert attachment.get_filename() == f"{offer.number}.pdf"
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert offer.number in text


def test_the_body_carries_a_working_client_link(org, owner, offer, buyer, smtp_inbox, settings):
    result = _send(org, owner, offer, buyer)

    (message,) = smtp_inbox.messages()
    body = _body(message)
    assert result.url in body
    assert result.url.startswith(f"{settings.SMARTCRM_PUBLIC_URL}/o/")
    assert "3.630,00 RON" in body  # Romanian: decimal comma
    page = Client().get(result.url.removeprefix(settings.SMARTCRM_PUBLIC_URL))
    assert page.status_code == 200
    assert offer.number in page.content.decode()


def test_an_edited_subject_and_message_are_sent_with_the_link_in_place(
    org, owner, offer, buyer, smtp_inbox
):
    result = _send(
        org,
        owner,
        offer,
        buyer,
        subject="Oferta noastră\n pentru Carpați",
        body="Bună ziua,\n\nDetalii și acceptare: {link}\n\nAna",
    )

    (message,) = smtp_inbox.messages()
    assert _subject(message) == "Oferta noastră pentru Carpați"
    body = _body(message)
    assert f"Detalii și acceptare: {result.url}\n" in body
    assert "{link}" not in body


def test_an_edited_message_without_the_placeholder_gets_the_link_at_the_end(
    org, owner, offer, buyer, smtp_inbox
):
    result = _send(org, owner, offer, buyer, body="Vă trimit oferta.")

    (message,) = smtp_inbox.messages()
    body = _body(message)
    assert body.startswith("Vă trimit oferta.\n\n")
    assert body.rstrip().endswith(result.url)


def test_the_draft_shows_the_placeholder_where_the_link_goes(org, owner, offer):
    draft = services.offer_email_draft(org=org, user=owner, offer_id=offer.pk)

    assert draft.subject == f"Oferta {offer.number} de la Alfa Soluții SRL: Implementare CRM"
    assert services.LINK_PLACEHOLDER in draft.body
    assert "Ana Popescu" in draft.body


# --- what changes on success ----------------------------------------------------------


def test_sending_a_draft_marks_it_sent_with_its_date(org, owner, offer, buyer, smtp_inbox):
    result = _send(org, owner, offer, buyer)

    offer = _reload(offer)
    assert offer.status == "sent"
    assert offer.sent_at is not None
    assert result.offer.status == "sent"


def test_sending_logs_a_done_email_activity_with_recipients_and_subject(
    org, owner, offer, buyer, accountant, smtp_inbox
):
    result = _send(org, owner, offer, buyer, accountant)

    activity = Activity.objects.get(offer=offer)
    assert result.activity == activity
    assert (activity.kind, activity.status) == ("email", "done")
    assert activity.subject == result.subject
    assert "stefan.muresan@carpati.ro" in activity.description
    assert "contabilitate@carpati.ro" in activity.description
    assert "ana.popescu@example.ro" in activity.description
    assert {c.pk for c in activity.participants.all()} == {buyer.pk, accountant.pk}


def test_the_logged_activity_does_not_keep_the_link_token(org, owner, offer, buyer, smtp_inbox):
    result = _send(org, owner, offer, buyer)

    _, plain = links.unsign(token_of(result.url))
    activity = Activity.objects.get(offer=offer)
    assert plain not in activity.description
    assert token_of(result.url) not in activity.description


def test_resending_keeps_the_status_and_replaces_the_link(org, owner, offer, buyer, smtp_inbox):
    first = _send(org, owner, offer, buyer)
    sent_at = _reload(offer).sent_at

    second = _send(org, owner, offer, buyer)

    offer = _reload(offer)
    assert (offer.status, offer.sent_at) == ("sent", sent_at)
    assert len(smtp_inbox.envelopes) == 2
    assert Activity.objects.filter(offer=offer).count() == 2
    assert OfferLink.objects.get(offer=offer, revoked_at__isnull=True).pk == second.link.pk
    first.link.refresh_from_db()
    assert first.link.revoked_at is not None


# --- failures: nothing is kept --------------------------------------------------------


def _assert_nothing_changed(offer: Offer) -> None:
    after = _reload(offer)
    assert (after.status, after.sent_at, after.version) == ("draft", None, offer.version)
    assert Activity.objects.count() == 0
    assert OfferLink.objects.count() == 0


def test_a_refusing_smtp_server_leaves_the_offer_a_draft(org, owner, offer, buyer, smtp_refusing):
    with pytest.raises(Conflict) as refused:
        _send(org, owner, offer, buyer)

    assert refused.value.code == "email_failed"
    assert "554" in refused.value.message
    assert smtp_refusing.envelopes == []
    _assert_nothing_changed(offer)


def test_an_unreachable_smtp_server_leaves_the_offer_a_draft(
    org, owner, offer, buyer, smtp_closed_port
):
    with pytest.raises(Conflict) as refused:
        _send(org, owner, offer, buyer)

    assert refused.value.code == "email_failed"
    _assert_nothing_changed(offer)


def test_a_contact_of_another_account_is_refused(org, owner, offer, buyer, smtp_inbox):
    stranger_account = AccountFactory.create(org=org, user=owner)
    stranger = contact_create(
        org=org, user=owner, account_id=stranger_account.pk, last_name="Străin", email="s@x.ro"
    )

    with pytest.raises(ValidationFailed) as refused:
        _send(org, owner, offer, buyer, stranger)

    assert (refused.value.field, refused.value.code) == ("contact_ids", "not_account_contact")
    assert str(stranger.pk) in refused.value.message
    assert smtp_inbox.envelopes == []
    _assert_nothing_changed(offer)


def test_a_contact_without_email_is_refused_by_name(org, owner, offer, buyer, account, smtp_inbox):
    mute = contact_create(org=org, user=owner, account_id=account.pk, last_name="Fărămail")

    with pytest.raises(ValidationFailed) as refused:
        _send(org, owner, offer, buyer, mute)

    assert (refused.value.field, refused.value.code) == ("contact_ids", "no_email")
    assert "Fărămail" in refused.value.message
    _assert_nothing_changed(offer)


def test_no_contact_is_refused(org, owner, offer, smtp_inbox):
    with pytest.raises(ValidationFailed) as refused:
        _send(org, owner, offer)

    assert (refused.value.field, refused.value.code) == ("contact_ids", "required")


def test_a_closed_offer_is_not_sent(org, owner, offer, buyer, smtp_inbox):
    sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="sent")
    sales.offer_change_status(
        org=org,
        user=owner,
        offer_id=offer.pk,
        status="lost",
        closed_date=offer.issue_date,
        lost_reason="Buget tăiat",
    )

    with pytest.raises(Conflict) as refused:
        _send(org, owner, offer, buyer)

    assert refused.value.code == "offer_closed"
    assert smtp_inbox.envelopes == []
