"""The client link: create, revoke, and the client's one decision (accept or decline)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from smartcrm.activities.models import Activity
from smartcrm.core.errors import Conflict, NotFound, ValidationFailed
from smartcrm.core.models import Membership
from smartcrm.core.modules import Module
from smartcrm.core.services import membership_update, organization_set_modules
from smartcrm.core.tests.factories import UserFactory, add_member, give_role
from smartcrm.notifications.models import Notification
from smartcrm.notifications.selectors import unread_count
from smartcrm.notifications.tests.helpers import run_worker
from smartcrm.outreach import links, services
from smartcrm.outreach.models import OfferLink
from smartcrm.outreach.selectors import link_from_token
from smartcrm.outreach.tests.conftest import LINE, sent_offer_link, token_of
from smartcrm.sales import services as sales
from smartcrm.sales.models import Offer
from smartcrm.sales.services.offers import org_today
from smartcrm.sales.tests.factories import AccountFactory, OfferFactory


def _reload(offer: Offer) -> Offer:
    return Offer.objects.get(pk=offer.pk)


def _expire(token: str) -> None:
    """Time passes: the link's last day was yesterday."""
    link = link_from_token(token=token)
    OfferLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))


def _flip(token: str, position: int = 40) -> str:
    """The same link with one character changed."""
    swapped = "A" if token[position] != "A" else "B"
    return token[:position] + swapped + token[position + 1 :]


# --- creating and revoking -------------------------------------------------------------


def test_a_link_keeps_only_the_hash_of_its_token(org, owner, offer):
    token = sent_offer_link(org, owner, offer)

    offer_id, plain = links.unsign(token)
    link = OfferLink.objects.get(offer=offer)
    assert offer_id == offer.pk
    assert len(plain) >= 43  # 32 random bytes
    assert link.token_hash == links.token_hash(plain)
    assert plain not in link.token_hash
    assert link.expires_at > timezone.now() + dt.timedelta(days=29)


def test_a_new_link_revokes_the_previous_one(org, owner, offer):
    first = sent_offer_link(org, owner, offer)

    second = token_of(services.offer_link_create(org=org, user=owner, offer_id=offer.pk).url)

    assert first != second
    assert OfferLink.objects.filter(offer=offer, revoked_at__isnull=True).count() == 1
    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=first, decision="accepted", name="Ștefan Mureșan")
    assert refused.value.code == "link_revoked"


def test_a_draft_offer_gets_no_link(org, owner, offer):
    with pytest.raises(Conflict) as refused:
        services.offer_link_create(org=org, user=owner, offer_id=offer.pk)

    assert refused.value.code == "offer_not_sent"
    assert OfferLink.objects.count() == 0


def test_another_organisations_offer_gets_no_link_from_us(org, owner, other_org, other_owner):
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, lines=[LINE]
    )
    sales.offer_change_status(org=other_org, user=other_owner, offer_id=foreign.pk, status="sent")

    with pytest.raises(NotFound):
        services.offer_link_create(org=org, user=owner, offer_id=foreign.pk)

    assert OfferLink.objects.count() == 0


def test_a_revoked_link_cannot_decide(org, owner, offer, token):
    services.offer_link_revoke(org=org, user=owner, offer_id=offer.pk)

    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert refused.value.code == "link_revoked"
    assert _reload(offer).status == "sent"


def test_revoking_without_a_live_link_is_not_found(org, owner, offer):
    with pytest.raises(NotFound) as refused:
        services.offer_link_revoke(org=org, user=owner, offer_id=offer.pk)

    assert refused.value.code == "no_link"


# --- accepting -------------------------------------------------------------------------


def test_accepting_wins_the_offer_today(org, owner, offer, token):
    link = services.offer_link_decide(
        token=token, decision="accepted", name="  Ştefan   Mureşan ", note="Livrare în martie."
    )

    offer = _reload(offer)
    assert offer.status == "won"
    assert offer.closed_date == org_today(org)
    assert offer.probability == 100
    link.refresh_from_db()
    assert link.decision == "accepted"
    assert link.decided_by_name == "Ștefan Mureșan"  # cedillas become comma-below
    assert link.decision_note == "Livrare în martie."
    assert link.decided_at is not None


def test_accepting_logs_an_email_activity_on_the_offer(org, owner, offer, token):
    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    activity = Activity.objects.get(offer=offer)
    assert activity.kind == "email"
    assert activity.status == "done"
    assert activity.owner_id == owner.pk
    assert "Ștefan Mureșan" in activity.subject
    assert offer.number in activity.description


def test_accepting_notifies_the_owner(org, owner, offer, token):
    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    notification = Notification.objects.get()
    assert notification.user_id == owner.pk
    assert notification.organization_id == org.pk
    assert notification.kind == "offer_accepted"
    assert offer.number in notification.title
    assert notification.url == f"/offers/{offer.pk}/"
    assert unread_count(org=org, user=owner) == 1


def test_the_owner_hears_of_the_decision_in_the_app_and_by_e_mail_from_the_worker(
    org, owner, offer, token, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")
    assert mail.outbox == []  # nothing leaves inside the client's request
    assert Notification.objects.get(user=owner).kind == "offer_accepted"

    run_worker()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert offer.number in mail.outbox[0].subject
    assert f"/offers/{offer.pk}/" in mail.outbox[0].body


def test_accepting_needs_a_name(org, owner, offer, token):
    with pytest.raises(ValidationFailed) as refused:
        services.offer_link_decide(token=token, decision="accepted", name="   ")

    assert refused.value.field == "name"
    assert _reload(offer).status == "sent"
    assert OfferLink.objects.get(offer=offer).decision == ""


def test_the_decision_is_logged_even_when_activities_are_switched_off(org, owner, offer, token):
    organization_set_modules(org=org, user=owner, enabled=[Module.CATALOG, Module.TASKS])

    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert _reload(offer).status == "won"
    assert Activity.objects.count() == 0
    assert Notification.objects.count() == 1


def test_a_decision_acts_as_an_owner_of_the_organisation_when_the_offer_has_none(
    org, owner, offer, sales_user
):
    # given an offer owned and sent by a salesperson who then left
    sales.offer_update(org=org, user=owner, offer_id=offer.pk, owner_id=sales_user.pk)
    token = sent_offer_link(org, sales_user, offer)
    membership = Membership.objects.get(organization=org, user=sales_user)
    membership_update(org=org, user=owner, membership_id=membership.pk, is_active=False)

    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert _reload(offer).status == "won"
    assert Notification.objects.get().user_id == owner.pk


# --- declining -------------------------------------------------------------------------


def test_declining_loses_the_offer_with_the_reason(org, owner, offer, token):
    services.offer_link_decide(
        token=token, decision="declined", reason="Preț prea mare.", name="Ștefan Mureșan"
    )

    offer = _reload(offer)
    assert offer.status == "lost"
    assert offer.lost_reason == "Preț prea mare."
    assert offer.closed_date == org_today(org)
    notification = Notification.objects.get()
    assert notification.kind == "offer_declined"
    assert notification.body == "Preț prea mare."
    assert Activity.objects.get(offer=offer).kind == "email"


def test_declining_needs_a_reason(org, owner, offer, token):
    with pytest.raises(ValidationFailed) as refused:
        services.offer_link_decide(token=token, decision="declined", reason="")

    assert refused.value.field == "reason"
    assert _reload(offer).status == "sent"
    assert Activity.objects.count() == 0
    assert Notification.objects.count() == 0


# --- links that cannot decide ----------------------------------------------------------


def test_an_expired_link_cannot_decide(org, owner, offer, token):
    _expire(token)

    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert refused.value.code == "link_expired"
    assert _reload(offer).status == "sent"
    assert Notification.objects.count() == 0


def test_a_tampered_link_is_not_found(org, owner, offer, token):
    with pytest.raises(NotFound) as refused:
        services.offer_link_decide(token=_flip(token), decision="accepted", name="Ștefan Mureșan")

    assert refused.value.code == "link_invalid"
    assert _reload(offer).status == "sent"


@pytest.mark.parametrize("position", [0, 20, 33, 60, -5])
def test_changing_any_part_of_the_link_breaks_it(org, owner, offer, token, position):
    with pytest.raises(NotFound):
        link_from_token(token=_flip(token, position % len(token)))


def test_a_second_decision_changes_nothing(org, owner, offer, token):
    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")
    won = _reload(offer)

    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=token, decision="declined", reason="M-am răzgândit.")

    assert refused.value.code == "link_decided"
    offer = _reload(offer)
    assert (offer.status, offer.version, offer.lost_reason) == ("won", won.version, "")
    assert Activity.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_decisions_racing_end_with_one(org, owner, offer):
    # given a sent offer whose link is clicked "accept" and "decline" at the same moment
    token = sent_offer_link(org, owner, offer)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def decide(decision: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(
                services.offer_link_decide(
                    token=token, decision=decision, name="Ștefan Mureșan", reason="Preț"
                )
            )
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("accepted", "declined")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then one decision stands, the other got a clear conflict, and the offer agrees
    decided = [o for o in outcomes if isinstance(o, OfferLink)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(decided), len(conflicts)) == (1, 1), outcomes
    assert conflicts[0].code == "link_decided"
    expected = {"accepted": "won", "declined": "lost"}[decided[0].decision]
    assert _reload(offer).status == expected
    assert Notification.objects.count() == 1


def test_an_offer_taken_back_to_draft_cannot_be_decided(org, owner, offer, token):
    sales.offer_change_status(org=org, user=owner, offer_id=offer.pk, status="draft")

    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert refused.value.code == "offer_not_open"
    assert _reload(offer).status == "draft"


def test_an_offer_whose_lines_were_removed_since_it_was_sent_cannot_be_accepted_online(
    org, owner, offer, token
):
    # given a sent offer whose lines were all removed since
    offer.lines.all().delete()

    # when the client accepts it, then they are told to contact the sender, and it stays open
    with pytest.raises(Conflict) as refused:
        services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")
    assert refused.value.code == "offer_not_open"
    assert _reload(offer).status == "sent"


def test_an_offer_dated_ahead_is_accepted_today(org, owner, offer, token):
    # given a sent offer dated tomorrow
    tomorrow = org_today(org) + dt.timedelta(days=1)
    Offer.objects.filter(pk=offer.pk).update(issue_date=tomorrow, valid_until=tomorrow)

    # when the client accepts it today, then it is won today
    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")
    offer = _reload(offer)
    assert (offer.status, offer.closed_date) == ("won", org_today(org))


def test_a_decision_needs_no_grant_of_the_owner_it_is_told_to(org, owner, offer, token):
    # given an offer owner whose role may see offers but not change them
    grants = {"offers": {"view": "all"}, "accounts": {"view": "all"}}
    seller = UserFactory.create()
    add_member(org, owner, seller, "sales")
    give_role(org, owner, seller, grants, "Doar citire")
    Offer.objects.filter(pk=offer.pk).update(owner=seller)

    # when the client declines, then the offer is lost: the link decides, not the role
    services.offer_link_decide(token=token, decision="declined", reason="Preț prea mare")
    offer = _reload(offer)
    assert (offer.status, offer.lost_reason) == ("lost", "Preț prea mare")


# --- another organisation ----------------------------------------------------------------


@pytest.fixture
def foreign_token(other_org, other_owner) -> tuple[Offer, str]:
    """A sent offer of another organisation, and its client link."""
    foreign_account = AccountFactory.create(org=other_org, user=other_owner)
    foreign = OfferFactory.create(
        org=other_org, user=other_owner, account_id=foreign_account.pk, lines=[LINE]
    )
    return foreign, sent_offer_link(other_org, other_owner, foreign)


def test_another_organisations_link_cannot_act_on_our_offer(org, owner, offer, foreign_token):
    foreign, foreign_signed = foreign_token
    _, foreign_plain = links.unsign(foreign_signed)
    # their token under our offer's id: without the key the signature breaks...
    swapped = f"{offer.pk.hex}{foreign_signed[32:]}"
    # ...and even signed with the key, the token belongs to their offer, not ours
    forged = links.sign(offer.pk, foreign_plain)

    for token in (swapped, forged):
        with pytest.raises(NotFound):
            services.offer_link_decide(token=token, decision="accepted", name="Intrus")

    assert _reload(offer).status == "draft"
    assert _reload(foreign).status == "sent"
    assert Notification.objects.count() == 0


def test_another_organisations_link_decides_only_its_own_offer(
    org, owner, offer, foreign_token, other_org, other_owner
):
    ours = sent_offer_link(org, owner, offer)
    foreign, foreign_signed = foreign_token

    services.offer_link_decide(token=foreign_signed, decision="accepted", name="Bogdan Marin")

    assert _reload(foreign).status == "won"
    assert _reload(offer).status == "sent"
    notification = Notification.objects.get()
    assert (notification.organization_id, notification.user_id) == (other_org.pk, other_owner.pk)
    assert unread_count(org=org, user=owner) == 0
    assert link_from_token(token=ours).decision == ""


def test_totals_are_untouched_by_a_decision(org, owner, offer, token):
    services.offer_link_decide(token=token, decision="accepted", name="Ștefan Mureșan")

    assert _reload(offer).total_gross == Decimal("3630.00")
