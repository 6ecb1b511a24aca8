"""Offers out the door: e-mail an offer with its PDF, and the client's link to decide on it.

Sending is one transaction: the link, the logged e-mail activity and the draft → sent move
are written first, the message goes out last, and an SMTP failure rolls all of it back.
A client's decision (no user: the link stands for its organisation) moves the offer to
won or lost as its owner, logs an activity, notifies the owner, and e-mails them after
commit when real e-mail is configured.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from smartcrm.activities.choices import ActivityKind, ActivityStatus
from smartcrm.activities.models import Activity
from smartcrm.contacts.models import Contact
from smartcrm.core import writes
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.permissions import membership_of
from smartcrm.core.text import clean_text, normalize_ro
from smartcrm.outreach import links, selectors
from smartcrm.outreach.choices import LinkDecision
from smartcrm.outreach.models import OfferLink
from smartcrm.sales.choices import OfferStatus
from smartcrm.sales.models import Offer

logger = logging.getLogger(__name__)

# Where the client's link goes in a subject or message the user wrote themselves.
LINK_PLACEHOLDER = "{link}"
SUBJECT_LENGTH = 200
NAME_LENGTH = OfferLink._meta.get_field("decided_by_name").max_length or 200
NOTE_LENGTH = 2000
REASON_LENGTH = Offer._meta.get_field("lost_reason").max_length or 255
# Backends that only pretend to send: the owner is not e-mailed through them.
NOT_REAL_EMAIL = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@dataclass(frozen=True)
class EmailDraft:
    """The subject and message /send would use, in the offer's language."""

    subject: str
    body: str


@dataclass(frozen=True)
class LinkCreated:
    link: OfferLink
    url: str


@dataclass(frozen=True)
class OfferSendResult:
    """What was sent, to whom, and the offer afterwards."""

    offer: Offer
    link: OfferLink
    url: str
    recipients: list[str]
    cc: list[str]
    subject: str
    activity: Activity | None


# --- helpers -------------------------------------------------------------------------


def _locked_offer(org: Organization, offer_id: RecordId, version: int | None = None) -> Offer:
    return writes.lock(Offer.objects.for_org(org), offer_id, version=version, label=_("Offer"))


def _refuse_nul(value: str, field: str) -> None:
    if "\x00" in value:
        raise ValidationFailed(
            _("Remove the NUL character from this text."), field=field, code="nul_character"
        )


def _sender(offer: Offer, user: User) -> User:
    """Who the client writes back to: the offer's owner, else whoever sends it."""
    return offer.owner or user


def _language_of(user: User | None, org: Organization) -> str:
    return (user.language if user is not None else "") or org.language


def _offer_page(offer: Offer) -> str:
    """The offer's page in SmartCRM (for the owner's notification and e-mail)."""
    try:
        return reverse("sales:offer", kwargs={"offer_id": offer.pk})
    except NoReverseMatch:  # the web UI is not mounted (an API-only deployment)
        return ""


def _render(template: str, context: dict[str, Any]) -> str:
    return render_to_string(f"outreach/email/{template}", context)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _draft(org: Organization, offer: Offer, sender: User, link: str) -> EmailDraft:
    context = {
        "org": org,
        "offer": offer,
        "link": link,
        "sender_name": sender.full_name or sender.email,
        "sender_email": sender.email,
    }
    with translation.override(offer.language):
        subject = _one_line(_render("offer_subject.txt", context))
        body = _render("offer_body.txt", context).strip() + "\n"
    return EmailDraft(subject=subject, body=body)


def _message_text(
    org: Organization,
    offer: Offer,
    sender: User,
    url: str,
    subject: str | None,
    body: str | None,
) -> EmailDraft:
    """The templates' subject and message unless the user wrote their own. The client link
    replaces {link} in the user's message, or follows it when the message has no {link}."""
    default = _draft(org, offer, sender, url)
    if subject is not None and subject.strip():
        _refuse_nul(subject, "subject")
        subject = _one_line(normalize_ro(subject))
        if len(subject) > SUBJECT_LENGTH:
            raise ValidationFailed(
                _("The subject is at most %(n)s characters.") % {"n": SUBJECT_LENGTH},
                field="subject",
                code="too_long",
            )
    else:
        subject = default.subject
    if body is not None and body.strip():
        _refuse_nul(body, "body")
        body = normalize_ro(body).strip()
        if LINK_PLACEHOLDER in body:
            body = body.replace(LINK_PLACEHOLDER, url)
        else:
            with translation.override(offer.language):
                body = f"{body}\n\n{_render('link_line.txt', {'link': url}).strip()}"
        body += "\n"
    else:
        body = default.body
    return EmailDraft(subject=subject, body=body)


def _recipients(org: Organization, offer: Offer, contact_ids: Iterable[RecordId]) -> list[Contact]:
    """The chosen contacts: contacts of the offer's account, each with an e-mail address."""
    wanted = {str(contact_id) for contact_id in contact_ids}
    if not wanted:
        raise ValidationFailed(
            _("Choose at least one contact to send the offer to."),
            field="contact_ids",
            code="required",
        )
    try:
        contacts = list(
            Contact.objects.for_org(org)
            .filter(account_id=offer.account_id, pk__in=wanted)
            .order_by("last_name", "first_name", "id")
        )
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        contacts = []
    missing = sorted(wanted - {str(contact.pk) for contact in contacts})
    if missing:
        raise ValidationFailed(
            _("These are not contacts of the offer's account: %(ids)s.")
            % {"ids": ", ".join(missing)},
            field="contact_ids",
            code="not_account_contact",
        )
    without_email = [contact for contact in contacts if not contact.email]
    if without_email:
        raise ValidationFailed(
            _("These contacts have no e-mail address: %(names)s.")
            % {"names": ", ".join(f"{c.full_name} ({c.pk})" for c in without_email)},
            field="contact_ids",
            code="no_email",
        )
    return contacts


def _create_link(org: Organization, user: User | None, offer: Offer) -> LinkCreated:
    """A new link for the offer; the previous live one, if any, is revoked."""
    now = timezone.now()
    OfferLink.objects.for_org(org).filter(offer=offer, revoked_at__isnull=True).update(
        revoked_at=now, version=F("version") + 1
    )
    token = links.new_token()
    link = OfferLink(
        organization=org,
        created_by=user,
        offer=offer,
        token_hash=links.token_hash(token),
        expires_at=now + dt.timedelta(days=settings.SMARTCRM_OFFER_LINK_DAYS),
    )
    writes.save(link)
    return LinkCreated(link=link, url=links.client_url(links.sign(offer.pk, token)))


def _send(message: EmailMessage) -> None:
    """Hand the message to the configured backend; any failure is a domain error."""
    try:
        sent = get_connection(fail_silently=False).send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Sending an offer by e-mail failed: %r", error)
        raise Conflict(
            _(
                "The e-mail could not be sent (%(reason)s). Nothing was marked as sent; "
                "check the e-mail settings and try again."
            )
            % {"reason": _smtp_reason(error)},
            field="email",
            code="email_failed",
        ) from error
    if sent != 1:
        raise Conflict(
            _("The e-mail server did not accept the message. Nothing was marked as sent."),
            field="email",
            code="email_failed",
        )


def _smtp_reason(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return _("the server refused the recipients")
    return str(error) or error.__class__.__name__


def _redacted(text: str, url: str) -> str:
    """The message as logged: the client link's token is never stored in clear."""
    return text.replace(url, _("[client link]"))


# --- sending ---------------------------------------------------------------------------


def offer_email_draft(*, org: Organization, user: User, offer_id: RecordId) -> EmailDraft:
    """The subject and message the templates give for this offer, in its language; the
    client link stands as {link} in the message (it is made when the offer is sent)."""
    membership_of(org, user)
    try:
        offer = Offer.objects.for_org(org).select_related("owner").filter(pk=offer_id).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        offer = None
    if offer is None:
        raise NotFound(_("Offer not found."), code="not_found")
    return _draft(org, offer, _sender(offer, user), LINK_PLACEHOLDER)


@transaction.atomic
def offer_send(
    *,
    org: Organization,
    user: User,
    offer_id: RecordId,
    contact_ids: Iterable[RecordId],
    subject: str | None = None,
    body: str | None = None,
    version: int | None = None,
) -> OfferSendResult:
    """E-mail the offer with its PDF to chosen contacts of its account (the owner in CC),
    with a new client link; log the e-mail and move a draft to sent. If the message does
    not go out, nothing is kept."""
    from smartcrm.activities.services import activity_create
    from smartcrm.sales.services import offer_change_status

    membership_of(org, user)
    offer = _locked_offer(org, offer_id, version)
    if offer.is_closed:
        raise Conflict(
            _("The offer is %(status)s; a closed offer is not sent again.")
            % {"status": OfferStatus(offer.status).label.lower()},
            field="status",
            code="offer_closed",
        )
    if not offer.lines.exists():
        raise Conflict(
            _("Add at least one line before sending the offer."), field="lines", code="no_lines"
        )
    contacts = _recipients(org, offer, contact_ids)
    sender = _sender(offer, user)
    created = _create_link(org, user, offer)
    text = _message_text(org, offer, sender, created.url, subject, body)
    to = [formataddr((contact.full_name, contact.email)) for contact in contacts]
    cc = [sender.email] if sender.email not in {c.email for c in contacts} else []

    activity = None
    if module_enabled(org, Module.ACTIVITIES):
        lines = [
            _("To: %(to)s") % {"to": ", ".join(to)},
            _("Cc: %(cc)s") % {"cc": ", ".join(cc) or "—"},
            _("Attachment: %(name)s") % {"name": f"{offer.number}.pdf"},
            "",
            _redacted(text.body, created.url),
        ]
        activity = activity_create(
            org=org,
            user=user,
            offer_id=offer.pk,
            kind=ActivityKind.EMAIL,
            status=ActivityStatus.DONE,
            subject=text.subject[:SUBJECT_LENGTH],
            description="\n".join(lines),
            start_at=timezone.now(),
            participant_ids=[contact.pk for contact in contacts],
        )
    if offer.status == OfferStatus.DRAFT:
        offer = offer_change_status(org=org, user=user, offer_id=offer.pk, status=OfferStatus.SENT)

    from smartcrm.sales.documents import offer_pdf  # WeasyPrint: loaded when first needed

    pdf = offer_pdf(org=org, offer=offer, language=offer.language)
    from_name = f"{sender.full_name or sender.email} · {org.name}"
    message = EmailMessage(
        subject=text.subject,
        body=text.body,
        from_email=formataddr((from_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=to,
        cc=cc,
        reply_to=[formataddr((sender.full_name, sender.email))],
    )
    message.attach(f"{offer.number}.pdf", pdf, "application/pdf")
    # Last: every row above is written and checked, so only the commit can still fail.
    _send(message)
    return OfferSendResult(
        offer=offer,
        link=created.link,
        url=created.url,
        recipients=[contact.email for contact in contacts],
        cc=cc,
        subject=text.subject,
        activity=activity,
    )


# --- the client link ---------------------------------------------------------------------


@transaction.atomic
def offer_link_create(
    *, org: Organization, user: User, offer_id: RecordId, version: int | None = None
) -> LinkCreated:
    """A new client link for a sent offer (the previous one stops working)."""
    membership_of(org, user)
    offer = _locked_offer(org, offer_id, version)
    if offer.status not in selectors.DECIDABLE_STATUSES:
        raise Conflict(
            _("Only a sent offer (or one in negotiation) gets a client link."),
            field="status",
            code="offer_not_sent",
        )
    return _create_link(org, user, offer)


@transaction.atomic
def offer_link_revoke(*, org: Organization, user: User, offer_id: RecordId) -> OfferLink:
    """Withdraw the offer's client link: the client sees a "withdrawn" page from now on."""
    membership_of(org, user)
    offer = _locked_offer(org, offer_id)
    link = (
        OfferLink.objects.for_org(org)
        .select_for_update()
        .filter(offer=offer, revoked_at__isnull=True)
        .first()
    )
    if link is None:
        raise NotFound(_("This offer has no client link to withdraw."), code="no_link")
    link.revoked_at = timezone.now()
    return writes.save(link)


def _acting_member(org: Organization, offer: Offer, link: OfferLink) -> User:
    """Whom a client's decision acts as: the offer's owner, else who made the link, else an
    owner of the organisation (all must still be active members)."""
    active = Membership.objects.filter(
        organization=org, is_active=True, user__is_active=True
    ).select_related("user")
    for user_id in (offer.owner_id, link.created_by_id):
        if user_id is not None:
            membership = active.filter(user_id=user_id).first()
            if membership is not None:
                return membership.user
    membership = active.filter(role=Role.OWNER).order_by("created_at").first()
    if membership is None:
        raise selectors.offer_not_open()
    return membership.user


def _client_text(value: str, field: str, limit: int, *, multiline: bool) -> str:
    value = value or ""
    _refuse_nul(value, field)
    value = normalize_ro(value).strip() if multiline else clean_text(value)
    if len(value) > limit:
        raise ValidationFailed(
            _("At most %(n)s characters.") % {"n": limit}, field=field, code="too_long"
        )
    return value


@transaction.atomic
def offer_link_decide(
    *, token: str, decision: str, name: str = "", note: str = "", reason: str = ""
) -> OfferLink:
    """The client accepts (with their name and an optional note) or declines (with a
    reason) through the link: the offer becomes won or lost, once."""
    from smartcrm.activities.services import activity_log_for
    from smartcrm.notifications.choices import NotificationKind
    from smartcrm.notifications.services import notify
    from smartcrm.sales.services import offer_client_decision

    found = selectors.link_from_token(token=token)
    # Locked, then checked: two clicks racing end with one decision and one refusal.
    link = (
        OfferLink.objects.select_for_update()
        .select_related("organization", "offer", "offer__account")
        .get(pk=found.pk)
    )
    refusal = selectors.link_refusal(link, deciding=True)
    if refusal is not None:
        raise refusal
    if decision not in LinkDecision.values:
        raise ValidationFailed(_("Accept or decline."), field="decision", code="invalid_decision")
    accepted = decision == LinkDecision.ACCEPTED
    name = _client_text(name, "name", NAME_LENGTH, multiline=False)
    note = _client_text(note, "note", NOTE_LENGTH, multiline=True)
    reason = _client_text(reason, "reason", REASON_LENGTH, multiline=False)
    if accepted and not name:
        raise ValidationFailed(
            _("Write your name to accept the offer."), field="name", code="required"
        )
    if not accepted and not reason:
        raise ValidationFailed(
            _("Tell us why you decline the offer."), field="reason", code="required"
        )

    org = link.organization
    offer = link.offer
    if accepted and not offer.lines.exists():  # its lines were removed since it was sent
        raise selectors.offer_not_open()
    owner = _acting_member(org, offer, link)
    offer = offer_client_decision(
        org=org, user=owner, offer_id=offer.pk, accepted=accepted, reason=reason
    )
    link.offer = offer
    link.decision = decision
    link.decided_at = timezone.now()
    link.decided_by_name = name
    link.decision_note = note if accepted else reason
    writes.validate(link, exclude=["offer", "token_hash"])
    writes.save(link)

    context = {
        "accepted": accepted,
        "offer": offer,
        "name": name,
        "note": note,
        "reason": reason,
        "offer_url": settings.SMARTCRM_PUBLIC_URL + _offer_page(offer),
    }
    with translation.override(_language_of(owner, org)):
        title = _one_line(_render("owner_decision_subject.txt", context))
        text = _render("owner_decision_body.txt", context).strip()
        if module_enabled(org, Module.ACTIVITIES):
            # An answer the client wrote to us: the closest kind of activity is an e-mail.
            activity_log_for(
                org=org,
                user=owner,
                offer_id=offer.pk,
                kind=ActivityKind.EMAIL,
                subject=(
                    _("Accepted online by %(name)s") % {"name": name}
                    if accepted
                    else _("Declined online")
                )[:SUBJECT_LENGTH],
                description=text,
                start_at=link.decided_at,
            )
    notify(
        org=org,
        user=owner,
        kind=NotificationKind.OFFER_ACCEPTED if accepted else NotificationKind.OFFER_DECLINED,
        title=title,
        body=note if accepted else reason,
        url=_offer_page(offer),
    )
    # The notification also reaches the owner by e-mail, through the worker, if they want it.
    return link
