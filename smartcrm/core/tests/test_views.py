"""Settings pages: the organisation, users and roles, departments, modules, API tokens.

Every member looks; administrators and owners change; another organisation's rows are 404.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from smartcrm.core import services
from smartcrm.core.choices import Role
from smartcrm.core.models import ApiToken, Department, Invitation, Membership, User
from smartcrm.core.tests.factories import TEST_PASSWORD, UserFactory, add_member
from smartcrm.core.tokens import api_token_create
from smartcrm.integrations.tests.conftest import (  # noqa: F401 - the loopback fixture
    ANAF_PATH,
    anaf_entry,
    anaf_json,
    loopback,
)

STALE = "Someone else changed this record meanwhile"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def admin_user(org, owner):
    user = UserFactory.create(email="dana.admin@example.ro", first_name="Dana", last_name="Pop")
    add_member(org, owner, user, Role.ADMIN)
    return user


def _organisation_post(org, **changes):
    data = {
        "name": org.name,
        "cui": org.cui,
        "trade_register": org.trade_register,
        "address": org.address,
        "postal_code": org.postal_code,
        "locality": org.locality,
        "county": org.county,
        "country": org.country,
        "phone": org.phone,
        "email": org.email,
        "website": org.website,
        "iban": org.iban,
        "bank_name": org.bank_name,
        "base_currency": org.base_currency,
        "language": org.language,
        "time_zone": org.time_zone,
        "offer_pdf_design": org.offer_pdf_design,
        "offer_terms": org.offer_terms,
        "offer_footer": org.offer_footer,
        "two_factor_required": org.two_factor_required,
        "version": org.version,
    }
    data.update(changes)
    return data


def _png(width=40, height=20):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "navy").save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    return buffer


def _match(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match


def _field_error(page: str, field: str) -> str:
    """The error shown next to a field (its id_<field>_error element)."""
    match = re.search(rf'id="id_{field}_error">([^<]*)<', page)
    assert match, f"no error next to {field}"
    return match.group(1)


# --- organisation ----------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["owner", "admin_user", "manager", "sales_user"])
def test_settings_page_opens_for_every_role(client, request, org, role_user):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get(reverse("core:settings"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="offer_terms"' in page
    assert 'data-testid="settings-nav"' in page
    can_save = role_user in ("owner", "admin_user")
    assert ("Save settings" in page) is can_save
    name_input = _match(r'<input[^>]*name="name"[^>]*>', page).group(0)
    assert ("disabled" in name_input) is not can_save


def test_owner_saves_the_organisations_details(client, org, owner):
    client.force_login(owner)
    data = _organisation_post(
        org,
        name="Alfa Soluții Noi SRL",
        cui="RO18547290",
        trade_register="J12/3456/2010",
        county="CJ",
        iban="RO49AAAA1B31007593840000",
        bank_name="Banca Transilvania",
        base_currency="EUR",
        time_zone="Europe/London",
        offer_terms="Plata în 15 zile.",
    )

    response = client.post(reverse("core:settings"), data)

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.cui, org.vat_payer) == ("Alfa Soluții Noi SRL", "18547290", True)
    assert (org.county, org.base_currency, org.time_zone) == ("CJ", "EUR", "Europe/London")
    assert org.offer_terms == "Plata în 15 zile."
    follow = client.get(response["Location"])
    assert "Settings saved." in follow.content.decode()


def test_a_bad_cui_is_shown_next_to_the_field_and_nothing_changes(client, org, owner):
    client.force_login(owner)
    before = org.version

    response = client.post(
        reverse("core:settings"), _organisation_post(org, name="Nume nou", cui="18547291")
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert _field_error(page, "cui")
    assert 'value="Nume nou"' in page  # what the user typed stays
    org.refresh_from_db()
    assert (org.name, org.version) == ("Alfa Soluții SRL", before)


def test_a_form_error_names_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("core:settings"), _organisation_post(org, name="", time_zone="Mars/Olympus")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert _field_error(page, "name")
    assert _field_error(page, "time_zone")


def test_a_stale_edit_keeps_the_input_and_says_so(client, org, owner):
    client.force_login(owner)
    stale = org.version
    services.organization_update(org=org, user=owner, name="Schimbat de altcineva")

    response = client.post(
        reverse("core:settings"), _organisation_post(org, name="Al meu", version=stale)
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert STALE in page
    assert 'value="Al meu"' in page
    org.refresh_from_db()
    assert org.name == "Schimbat de altcineva"


def test_sales_users_cannot_change_the_organisation(client, org, sales_user):
    client.force_login(sales_user)
    response = client.post(reverse("core:settings"), _organisation_post(org, name="Piratul SRL"))
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Alfa Soluții SRL"


def test_owner_uploads_and_removes_the_logo(client, org, owner):
    client.force_login(owner)

    response = client.post(reverse("core:settings"), {**_organisation_post(org), "logo": _png()})

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.logo.name.endswith(".png")
    response = client.post(reverse("core:settings"), _organisation_post(org, remove_logo="on"))
    assert response.status_code == 302
    org.refresh_from_db()
    assert not org.logo


def test_a_refused_logo_saves_nothing(client, org, owner):
    client.force_login(owner)
    fake = io.BytesIO(b"<html>not an image</html>")
    fake.name = "logo.png"

    response = client.post(
        reverse("core:settings"), {**_organisation_post(org, name="Nu se salvează"), "logo": fake}
    )

    assert response.status_code == 422
    assert "PNG, JPEG or SVG" in _field_error(response.content.decode(), "logo")
    org.refresh_from_db()
    assert (org.name, bool(org.logo)) == ("Alfa Soluții SRL", False)


def test_fill_from_anaf_fills_the_form_without_saving(client, org, owner, loopback):  # noqa: F811
    loopback.answer(ANAF_PATH, anaf_json(found=[anaf_entry(18547290, denumire="ALFA SOLUȚII SRL")]))
    client.force_login(owner)

    response = client.post(
        reverse("core:settings"), _organisation_post(org, cui="18547290", anaf="1")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="ALFA SOLUȚII SRL"' in page
    assert "Filled in from ANAF" in page
    org.refresh_from_db()
    assert (org.name, org.cui) == ("Alfa Soluții SRL", "")


def test_fill_from_anaf_without_a_cui_names_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("core:settings"), _organisation_post(org, cui="", anaf="1"))
    assert response.status_code == 422
    assert "CUI" in _field_error(response.content.decode(), "cui")


def test_anaf_unreachable_is_an_error_next_to_the_cui(client, org, owner):
    client.force_login(owner)  # the test settings point ANAF at a closed port on loopback
    response = client.post(
        reverse("core:settings"), _organisation_post(org, cui="18547290", anaf="1")
    )
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "cui")


# --- users -----------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["owner", "manager", "sales_user"])
def test_users_page_lists_the_members_for_every_role(client, request, org, role_user):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get(reverse("core:users"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "ana.popescu@example.ro" in page
    assert ('data-testid="invite-user"' in page) is (role_user == "owner")


def test_users_page_never_lists_another_organisations_members(client, org, owner, other_org):
    client.force_login(owner)
    assert "bogdan@beta.ro" not in client.get(reverse("core:users")).content.decode()


def test_invite_dialog_opens_in_the_modal(client, org, owner):
    client.force_login(owner)
    response = client.get(reverse("core:user-invite"), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="modal-header"' in page and "<html" not in page
    assert 'value="owner"' in page  # an owner may make owners


def test_admins_are_not_offered_the_owner_role(client, org, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("core:user-invite")).content.decode()
    assert 'value="owner"' not in page
    assert 'value="admin"' in page


def test_inviting_a_new_address_creates_the_login_and_emails_a_password_link(
    client, org, owner, django_capture_on_commit_callbacks
):
    department = services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:user-invite"),
            {"email": "Radu.Stoica@Example.ro", "first_name": "Radu", "last_name": "Stoica",
             "role": "manager", "department": str(department.pk)},
            **HTMX,
        )  # fmt: skip

    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("core:users")
    invited = User.objects.get(email="radu.stoica@example.ro")
    assert not invited.has_usable_password()
    membership = Membership.objects.get(organization=org, user=invited)
    assert (membership.role, membership.department_id) == ("manager", department.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["radu.stoica@example.ro"]
    assert "Alfa Soluții SRL" in message.subject
    link = _match(r"https?://\S+/password/reset/\S+/", str(message.body)).group(0)

    # The invited person chooses a password through the link, then logs in with it.
    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else "/" + path
    done = client.post(set_url, {"new_password1": "Munte-Verde-2026", "new_password2":
                                 "Munte-Verde-2026"})  # fmt: skip
    assert done.status_code == 302
    assert client.login(username="radu.stoica@example.ro", password="Munte-Verde-2026")


def test_inviting_an_existing_login_asks_them_first_and_shows_nothing_about_them(
    client, org, owner, other_org, other_owner, django_capture_on_commit_callbacks
):
    # Given an admin who invites the owner of another organisation by address
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("core:user-invite"), {"email": "bogdan@beta.ro", "role": "sales"}
        )
    # Then no membership exists yet, the page shows only the address typed
    assert response.status_code == 302
    assert not Membership.objects.filter(organization=org, user=other_owner).exists()
    page = client.get(reverse("core:users")).content.decode()
    assert 'data-testid="pending-invitation"' in page and "bogdan@beta.ro" in page
    assert other_owner.first_name not in page and other_owner.last_name not in page
    # And the person gets an e-mail that sends them to answer, their password untouched
    other_owner.refresh_from_db()
    assert other_owner.check_password(TEST_PASSWORD)
    assert len(mail.outbox) == 1
    assert "/invitations/" in mail.outbox[0].body
    assert "/password/reset/" not in mail.outbox[0].body
    # When they accept, Then they are a member with the role offered, working there now
    invited = Client()
    invited.force_login(other_owner)
    home = invited.get(reverse("web:home")).content.decode()
    assert 'data-testid="invited"' in home
    listing = invited.get(reverse("web:invitations")).content.decode()
    invitation_id = _match(r"/invitations/([0-9a-f-]{36})/accept", listing).group(1)
    accepted = invited.post(reverse("web:invitation-answer", args=[invitation_id, "accept"]))
    assert accepted.status_code == 302
    joined = Membership.objects.get(organization=org, user=other_owner)
    assert joined.role == "sales"
    assert invited.session["smartcrm_org_id"] == str(org.pk)
    # And the organisation now sees their name
    assert other_owner.first_name in client.get(reverse("core:users")).content.decode()


def test_a_declined_or_withdrawn_invitation_adds_no_one(client, org, owner, other_owner):
    client.force_login(owner)
    client.post(reverse("core:user-invite"), {"email": "bogdan@beta.ro", "role": "sales"})
    again = client.post(
        reverse("core:user-invite"), {"email": "bogdan@beta.ro", "role": "sales"}, **HTMX
    )
    assert again.status_code == 422
    assert "not answered yet" in _field_error(again.content.decode(), "email")
    invitation = Invitation.objects.get(user=other_owner)
    # The invited person declines
    invited = Client()
    invited.force_login(other_owner)
    invited.post(reverse("web:invitation-answer", args=[invitation.pk, "decline"]))
    invitation.refresh_from_db()
    assert invitation.decision == "declined"
    assert not Membership.objects.filter(organization=org, user=other_owner).exists()
    # A declined invitation cannot be accepted afterwards
    late = invited.post(reverse("web:invitation-answer", args=[invitation.pk, "accept"]))
    assert late.status_code == 404
    assert not Membership.objects.filter(organization=org, user=other_owner).exists()
    # A new invitation, withdrawn by the admin, cannot be accepted either
    client.post(reverse("core:user-invite"), {"email": "bogdan@beta.ro", "role": "sales"})
    second = Invitation.objects.get(user=other_owner, decision="")
    client.post(reverse("core:invitation-withdraw", args=[second.pk]))
    invited.post(reverse("web:invitation-answer", args=[second.pk, "accept"]))
    assert not Membership.objects.filter(organization=org, user=other_owner).exists()
    # Nobody else may answer someone's invitation
    third_client = Client()
    client.post(reverse("core:user-invite"), {"email": "bogdan@beta.ro", "role": "sales"})
    third = Invitation.objects.get(user=other_owner, decision="")
    third_client.force_login(owner)
    third_client.post(reverse("web:invitation-answer", args=[third.pk, "accept"]))
    assert not Membership.objects.filter(organization=org, user=other_owner).exists()


def test_inviting_a_member_twice_is_an_error_next_to_the_email(client, org, owner, sales_user):
    client.force_login(owner)
    response = client.post(
        reverse("core:user-invite"), {"email": sales_user.email, "role": "sales"}, **HTMX
    )
    assert response.status_code == 422
    assert "already a member" in _field_error(response.content.decode(), "email")
    assert mail.outbox == []


def test_inviting_a_bad_address_is_an_error_next_to_the_email(client, org, owner):
    client.force_login(owner)
    count = User.objects.count()
    response = client.post(reverse("core:user-invite"), {"email": "nu-e-adresa", "role": "sales"})
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "email")
    assert User.objects.count() == count


def test_an_admin_cannot_invite_an_owner(client, org, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("core:user-invite"), {"email": "nou@example.ro", "role": "owner"}
    )
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "role")
    assert not User.objects.filter(email="nou@example.ro").exists()


def test_sales_users_cannot_invite(client, org, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("core:user-invite")).status_code == 403
    response = client.post(reverse("core:user-invite"), {"email": "x@example.ro", "role": "sales"})
    assert response.status_code == 403
    assert not User.objects.filter(email="x@example.ro").exists()


def test_the_invitation_can_be_sent_again_until_a_password_is_chosen(
    client, org, owner, sales_user, django_capture_on_commit_callbacks
):
    invited = services.member_invite(org=org, user=owner, email="radu@example.ro")
    client.force_login(owner)
    assert "Send the invitation again" in client.get(reverse("core:users")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user-invite-again", args=[invited.pk]))

    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["radu@example.ro"]]
    assert "/password/reset/" in str(mail.outbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            reverse("core:user-invite-again", args=[_membership(org, sales_user).pk]),
            follow=True,
        )
    assert "has chosen a password already" in refused.content.decode()
    assert len(mail.outbox) == 1


def test_sales_users_cannot_send_invitations_again(
    client, org, owner, sales_user, django_capture_on_commit_callbacks
):
    invited = services.member_invite(org=org, user=owner, email="radu@example.ro")
    client.force_login(sales_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:user-invite-again", args=[invited.pk]))
    assert response.status_code == 403
    assert mail.outbox == []


def _membership(org, user):
    return Membership.objects.get(organization=org, user=user)


def test_owner_changes_a_members_role_and_department(client, org, owner, sales_user):
    department = services.department_create(org=org, user=owner, name="Suport")
    member = _membership(org, sales_user)
    client.force_login(owner)

    response = client.post(
        reverse("core:user-edit", args=[member.pk]),
        {"role": "manager", "department": str(department.pk), "version": member.version},
        **HTMX,
    )

    assert response.status_code == 200 and response["HX-Redirect"] == reverse("core:users")
    member.refresh_from_db()
    assert (member.role, member.department_id) == ("manager", department.pk)


def test_a_stale_role_change_says_so(client, org, owner, sales_user):
    member = _membership(org, sales_user)
    stale = member.version
    services.membership_update(org=org, user=owner, membership_id=member.pk, role="manager")
    client.force_login(owner)
    response = client.post(
        reverse("core:user-edit", args=[member.pk]), {"role": "admin", "version": stale}, **HTMX
    )
    assert response.status_code == 422
    assert STALE in response.content.decode()
    member.refresh_from_db()
    assert member.role == "manager"


def test_the_last_owner_stays_an_owner(client, org, owner):
    member = _membership(org, owner)
    client.force_login(owner)
    response = client.post(
        reverse("core:user-edit", args=[member.pk]), {"role": "admin", "version": member.version}
    )
    assert response.status_code == 422
    assert "at least one owner" in _field_error(response.content.decode(), "role")
    member.refresh_from_db()
    assert member.role == "owner"


def test_owner_deactivates_and_reactivates_a_member(client, org, owner, sales_user):
    member = _membership(org, sales_user)
    client.force_login(owner)

    response = client.post(reverse("core:user-active", args=[member.pk]), {"active": "0"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    page = client.get(reverse("core:users")).content.decode()
    assert "Deactivated" in page and "ion.ionescu@example.ro was deactivated." in page
    client.post(reverse("core:user-active", args=[member.pk]), {"active": "1"})
    member.refresh_from_db()
    assert member.is_active


def test_a_member_of_another_organisation_is_404(client, org, owner, other_org, other_owner):
    foreign = _membership(other_org, other_owner)
    client.force_login(owner)
    assert client.get(reverse("core:user-edit", args=[foreign.pk])).status_code == 404
    response = client.post(reverse("core:user-active", args=[foreign.pk]), {"active": "0"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_sales_users_cannot_change_members(client, org, owner, sales_user, manager):
    member = _membership(org, manager)
    client.force_login(sales_user)
    assert (
        client.post(reverse("core:user-active", args=[member.pk]), {"active": "0"}).status_code
        == 403
    )
    assert (
        client.post(reverse("core:user-edit", args=[member.pk]), {"role": "sales"}).status_code
        == 403
    )
    member.refresh_from_db()
    assert (member.role, member.is_active) == ("manager", True)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_users_page_query_count_does_not_grow_with_members(client, org, owner):
    department = services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(owner)

    def add(count):
        for _ in range(count):
            member = add_member(org, owner, UserFactory.create())
            services.membership_update(org=org, user=owner, membership_id=member.pk,
                                       department=department)  # fmt: skip

    add(2)
    few = _queries(client, reverse("core:users"))
    add(18)
    assert _queries(client, reverse("core:users")) == few


# --- departments -----------------------------------------------------------------------


def test_departments_page_opens_for_every_member(client, org, owner, sales_user):
    services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(sales_user)
    response = client.get(reverse("core:departments"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vânzări" in page and 'data-testid="new-department"' not in page


def test_owner_creates_renames_deactivates_and_deletes_a_department(client, org, owner):
    client.force_login(owner)

    response = client.post(reverse("core:department-new"), {"name": "Vânzări", "active": "on"},
                           **HTMX)  # fmt: skip
    assert response["HX-Redirect"] == reverse("core:departments")
    department = Department.objects.for_org(org).get()
    assert (department.name, department.active) == ("Vânzări", True)

    client.post(reverse("core:department-edit", args=[department.pk]),
                {"name": "Vânzări B2B", "version": department.version})  # fmt: skip
    department.refresh_from_db()
    assert (department.name, department.active) == ("Vânzări B2B", False)

    page = client.get(reverse("core:department-delete", args=[department.pk]), **HTMX)
    assert "Delete the department Vânzări B2B?" in page.content.decode()
    response = client.post(reverse("core:department-delete", args=[department.pk]),
                           {"version": department.version})  # fmt: skip
    assert response.status_code == 302
    assert not Department.objects.for_org(org).exists()


def test_a_duplicate_department_name_is_an_error_next_to_the_name(client, org, owner):
    services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(owner)
    response = client.post(reverse("core:department-new"), {"name": "VÂNZĂRI"}, **HTMX)
    assert response.status_code == 422
    assert "already exists" in _field_error(response.content.decode(), "name")
    assert Department.objects.for_org(org).count() == 1


def test_an_empty_department_name_is_an_error_next_to_the_name(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("core:department-new"), {"name": ""})
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "name")


def test_a_department_of_another_organisation_is_404(client, org, owner, other_org, other_owner):
    foreign = services.department_create(org=other_org, user=other_owner, name="Secret")
    client.force_login(owner)
    for name in ("core:department-edit", "core:department-delete"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
        assert client.post(reverse(name, args=[foreign.pk]), {"name": "x"}).status_code == 404
    assert Department.objects.filter(pk=foreign.pk, name="Secret").exists()


def test_sales_users_cannot_change_departments(client, org, owner, sales_user):
    department = services.department_create(org=org, user=owner, name="Vânzări")
    client.force_login(sales_user)
    assert client.post(reverse("core:department-new"), {"name": "X"}).status_code == 403
    assert client.post(reverse("core:department-delete", args=[department.pk])).status_code == 403
    assert Department.objects.for_org(org).count() == 1


def test_departments_page_query_count_does_not_grow(client, org, owner):
    client.force_login(owner)
    for index in range(2):
        services.department_create(org=org, user=owner, name=f"D{index}")
    few = _queries(client, reverse("core:departments"))
    for index in range(2, 20):
        services.department_create(org=org, user=owner, name=f"D{index}")
    assert _queries(client, reverse("core:departments")) == few


# --- modules ---------------------------------------------------------------------------


def test_owner_switches_modules_off_and_on(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("core:modules"), {"modules": ["catalog", "notes"], "version": org.version}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert set(org.disabled_modules) == {"activities", "tasks"}
    page = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="my-tasks"' not in page

    client.post(reverse("core:modules"), {"modules": ["catalog", "notes", "tasks", "activities"],
                                          "version": org.version})  # fmt: skip
    org.refresh_from_db()
    assert org.disabled_modules == []


def test_an_unknown_module_is_an_error_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("core:modules"), {"modules": ["crypto"]})
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "modules")
    org.refresh_from_db()
    assert org.disabled_modules == []


def test_sales_users_see_the_modules_but_cannot_switch_them(client, org, sales_user):
    client.force_login(sales_user)
    page = client.get(reverse("core:modules")).content.decode()
    assert "disabled" in page and "Save modules" not in page
    assert client.post(reverse("core:modules"), {"modules": []}).status_code == 403
    org.refresh_from_db()
    assert org.disabled_modules == []


# --- API tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ["owner", "sales_user"])
def test_every_member_creates_a_token_shown_once(client, request, org, role_user):
    user = request.getfixturevalue(role_user)
    client.force_login(user)

    response = client.post(reverse("core:tokens"), {"name": "Formular site", "scope": "read"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    plain = _match(r'value="(scrm_[^"]+)"', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=user, organization=org)
    assert token.name == "Formular site" and plain not in token.key_hash
    # The token works against the API, and the page never shows it again.
    client.logout()
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert me.status_code == 200 and me.json()["email"] == user.email
    client.force_login(user)
    again = client.get(reverse("core:tokens")).content.decode()
    assert plain not in again and f"scrm_{token.prefix}_" in again


def test_a_token_without_a_name_or_with_a_past_expiry_is_refused(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("core:tokens"), {"name": ""})
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "name")
    yesterday = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("core:tokens"), {"name": "Vechi", "scope": "read", "expires_on": yesterday}
    )
    assert response.status_code == 422
    assert "future" in _field_error(response.content.decode(), "expires_on")
    assert not ApiToken.objects.exists()


def test_a_token_expires_at_the_end_of_the_chosen_day(client, org, owner):
    client.force_login(owner)
    day = timezone.localdate() + dt.timedelta(days=10)
    client.post(
        reverse("core:tokens"), {"name": "Export", "scope": "read", "expires_on": day.isoformat()}
    )
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    local = token.expires_at.astimezone(ZoneInfo("Europe/Bucharest"))
    assert (local.date(), local.time()) == (day + dt.timedelta(days=1), dt.time(0, 0))


def test_owner_revokes_a_token(client, org, owner):
    token, plain = api_token_create(org=org, user=owner, name="Vechi")
    client.force_login(owner)
    response = client.post(reverse("core:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    page = client.get(reverse("core:tokens")).content.decode()
    assert "Revoked" in page
    client.logout()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_tokens_of_others_are_neither_listed_nor_revocable(
    client, org, owner, sales_user, other_org, other_owner
):
    colleague, _ = api_token_create(org=org, user=sales_user, name="Al lui Ion")
    foreign, _ = api_token_create(org=other_org, user=other_owner, name="Străin")
    client.force_login(owner)
    page = client.get(reverse("core:tokens")).content.decode()
    assert "Al lui Ion" not in page and "Străin" not in page
    assert client.post(reverse("core:token-revoke", args=[colleague.pk])).status_code == 404
    assert client.post(reverse("core:token-revoke", args=[foreign.pk])).status_code == 404
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_tokens_page_query_count_does_not_grow(client, org, owner):
    client.force_login(owner)
    for index in range(2):
        api_token_create(org=org, user=owner, name=f"T{index}")
    few = _queries(client, reverse("core:tokens"))
    for index in range(2, 20):
        api_token_create(org=org, user=owner, name=f"T{index}")
    assert _queries(client, reverse("core:tokens")) == few


# --- every settings page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["core:settings", "core:users", "core:departments", "core:modules", "core:tokens"]
)
def test_settings_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_settings_are_in_the_sidebar(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("core:settings")}"' in page


def test_users_page_names_a_members_custom_role(
    client, org, owner, sales_user, django_assert_max_num_queries
):
    # given a sales member working under a custom role
    from smartcrm.core.tests.factories import give_role

    give_role(org, owner, sales_user, {"prospects": {"view": "own"}}, "Agent teren")
    client.force_login(owner)

    # when the owner opens Settings → Users, then the role's name is there
    with django_assert_max_num_queries(20):
        page = client.get(reverse("core:users")).content.decode()
    assert "Agent teren" in page
