"""Log in, log out, reset a forgotten password by e-mail, change the password."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from smartcrm.core.tests.factories import TEST_PASSWORD

NEW_PASSWORD = "Brad-Verde-Carpati-2026"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password/reset/[^/\s]+/[^/\s]+/)", str(message.body))
    assert match is not None, message.body
    return match.group(1)


def _ask_reset(client, email):
    return client.post(reverse("web:password-reset"), {"email": email})


def _field_error(page: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error">([^<]*)<', page)
    assert match is not None, f"no error next to {field}"
    return match.group(1)


def test_login_page_links_to_the_password_reset(client):
    page = client.get(reverse("web:login")).content.decode()
    assert f'href="{reverse("web:password-reset")}"' in page


def test_password_reset_page_asks_for_the_email(client):
    response = client.get(reverse("web:password-reset"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label class="form-label" for="id_email">' in page
    assert "Send the reset link" in page


def test_password_reset_emails_a_link_that_sets_the_new_password(client, owner):
    response = _ask_reset(client, "Ana.Popescu@example.ro")

    assert response.status_code == 302
    assert response["Location"] == reverse("web:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.popescu@example.ro"]
    assert message.subject == "Reset your SmartCRM password"

    form_page = client.get(_reset_link(message), follow=True)
    assert form_page.status_code == 200
    assert 'name="new_password1"' in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302
    assert done["Location"] == reverse("web:password-reset-complete")
    assert "Log in with it now" in client.get(done["Location"]).content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert not owner.check_password(TEST_PASSWORD)
    login = client.post(reverse("web:login"), {"username": owner.email, "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_a_reset_link_works_only_once(client, owner):
    _ask_reset(client, owner.email)
    link = _reset_link(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    page = again.content.decode()
    assert 'data-testid="invalid-link"' in page
    assert 'name="new_password1"' not in page


def test_a_forged_reset_link_is_refused(client, owner):
    _ask_reset(client, owner.email)
    link = _reset_link(mail.outbox[0])
    forged = link.rstrip("/").rsplit("/", 1)[0] + "/cxk-0123456789abcdef0123456789abcdef/"
    page = client.get(forged, follow=True).content.decode()
    assert 'data-testid="invalid-link"' in page


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, owner):
    response = _ask_reset(client, "nimeni@example.ro")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:password-reset-done")
    assert mail.outbox == []


def test_a_bad_address_is_an_error_next_to_the_field(client, owner):
    response = _ask_reset(client, "nu-e-adresa")
    assert response.status_code == 200
    assert _field_error(response.content.decode(), "email")
    assert mail.outbox == []


def test_new_passwords_that_differ_are_an_error_and_change_nothing(client, owner):
    _ask_reset(client, owner.email)
    set_password_url = client.get(_reset_link(mail.outbox[0]), follow=True).redirect_chain[-1][0]

    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "Altceva-2026-x"}
    )

    assert response.status_code == 200
    assert _field_error(response.content.decode(), "new_password2")
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)


def test_password_change_needs_a_login(client):
    response = client.get(reverse("web:password-change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_password_change_requires_the_old_password(client, org, owner):
    client.force_login(owner)

    response = client.post(
        reverse("web:password-change"),
        {"old_password": "gresita", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert _field_error(response.content.decode(), "old_password")
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)


def test_a_weak_new_password_is_refused_next_to_the_field(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("web:password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert _field_error(response.content.decode(), "new_password2")
    owner.refresh_from_db()
    assert owner.check_password(TEST_PASSWORD)


def test_password_change_saves_and_keeps_the_session(client, org, owner):
    client.force_login(owner)

    response = client.post(
        reverse("web:password-change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
    )  # fmt: skip

    assert response.status_code == 302
    assert response["Location"] == reverse("web:password-change-done")
    assert "Your password was changed." in client.get(response["Location"]).content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert client.get(reverse("web:home")).status_code == 200  # still logged in


def test_the_user_menu_offers_the_password_change(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("web:home")).content.decode()
    assert f'href="{reverse("web:password-change")}"' in page


def test_logout_ends_the_session(client, org, owner):
    client.force_login(owner)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


# --- API tokens and the password -------------------------------------------------------


def _tokens(org, owner, other_org=None):
    """Two live tokens of the owner (one in another organisation when given) and a revoked one."""
    from smartcrm.core.tokens import api_token_create, api_token_revoke

    first, _plain = api_token_create(org=org, user=owner, name="Integrare ERP")
    old, _plain = api_token_create(org=org, user=owner, name="Vechi")
    api_token_revoke(org=org, user=owner, token_id=old.pk)
    tokens = [first]
    if other_org is not None:
        from smartcrm.core.models import Membership

        Membership.objects.create(organization=other_org, user=owner, role="sales")
        second, _plain = api_token_create(org=other_org, user=owner, name="Alt birou")
        tokens.append(second)
    return tokens, old


def test_a_password_reset_revokes_every_api_token_of_the_user(client, org, owner, other_org):
    tokens, old = _tokens(org, owner, other_org)
    revoked_before = type(old).objects.get(pk=old.pk).revoked_at
    _ask_reset(client, owner.email)
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    for token in tokens:
        token.refresh_from_db()
        assert token.revoked_at is not None
    old.refresh_from_db()
    assert old.revoked_at == revoked_before  # an earlier revocation keeps its time


def test_a_failed_reset_revokes_nothing(client, org, owner):
    tokens, _old = _tokens(org, owner)
    _ask_reset(client, owner.email)
    form_page = client.get(_reset_link(mail.outbox[0]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
    )

    tokens[0].refresh_from_db()
    assert tokens[0].revoked_at is None


@pytest.mark.parametrize("revoke", [True, False])
def test_a_password_change_revokes_the_tokens_only_when_asked(client, org, owner, revoke):
    tokens, _old = _tokens(org, owner)
    client.force_login(owner)
    page = client.get(reverse("web:password-change")).content.decode()
    assert 'name="revoke_tokens"' in page
    data = {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}  # fmt: skip
    if revoke:
        data["revoke_tokens"] = "on"

    response = client.post(reverse("web:password-change"), data)

    assert response.status_code == 302
    tokens[0].refresh_from_db()
    assert (tokens[0].revoked_at is not None) is revoke
