"""A login ends after a time without activity, after a maximum length, or everywhere at once."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.crypto import salted_hmac

from smartcrm.api.tests.helpers import ApiClient
from smartcrm.web.sessions import SEEN_EVERY_SECONDS, SEEN_KEY, STARTED_KEY

HOME = reverse("web:home")
LOGIN = reverse("web:login")


@pytest.fixture
def logged_in(client, org, owner):
    client.force_login(owner)
    return client


def _shift(client, **seconds_ago: float) -> None:
    """Move the session's stamps into the past (the clock itself stays)."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[STARTED_KEY] = now - seconds_ago["started"]
    if "seen" in seconds_ago:
        session[SEEN_KEY] = now - seconds_ago["seen"]
    session.save()


def test_a_login_notes_when_the_session_began(logged_in):
    session = logged_in.session

    assert time.time() - session[STARTED_KEY] < 60
    assert session[SEEN_KEY] == session[STARTED_KEY]


def test_an_idle_session_lands_on_the_login_page_with_a_message(logged_in, settings):
    settings.SMARTCRM_SESSION_IDLE_SECONDS = 3600
    _shift(logged_in, seen=3601)

    response = logged_in.get(HOME, follow=True)

    assert response.redirect_chain == [(f"{LOGIN}?next={HOME}", 302)]
    page = response.content.decode()
    assert "You were logged out after a period of inactivity. Please log in again." in page
    assert logged_in.get(HOME).status_code == 302  # the session is gone, not only this page


def test_a_session_active_within_the_idle_time_goes_on(logged_in, settings):
    settings.SMARTCRM_SESSION_IDLE_SECONDS = 3600
    _shift(logged_in, seen=3500)

    response = logged_in.get(HOME)

    assert response.status_code == 200
    assert time.time() - logged_in.session[SEEN_KEY] < 60  # activity noted: idle time restarts


def test_an_idle_htmx_request_sends_the_whole_tab_to_the_login_page(logged_in, settings):
    settings.SMARTCRM_SESSION_IDLE_SECONDS = 3600
    _shift(logged_in, seen=3601)

    response = logged_in.get(
        reverse("web:search"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/prospects/?q=ab"},
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{LOGIN}?next=%2Fprospects%2F%3Fq%3Dab"
    assert response.content == b""


def test_a_session_older_than_the_maximum_ends_even_when_active(logged_in, settings):
    settings.SMARTCRM_SESSION_MAX_SECONDS = 86400
    _shift(logged_in, started=86401, seen=10)

    response = logged_in.get(HOME, follow=True)

    assert response.redirect_chain == [(f"{LOGIN}?next={HOME}", 302)]
    assert "Your session has reached its maximum length. Please log in again." in (
        response.content.decode()
    )


def test_an_expired_session_is_refused_by_the_api_too(logged_in, settings):
    settings.SMARTCRM_SESSION_IDLE_SECONDS = 3600
    _shift(logged_in, seen=3601)

    assert logged_in.get("/api/v1/me").status_code == 401


def test_a_recent_request_notes_activity_without_writing(logged_in):
    logged_in.get(HOME)  # warm caches
    _shift(logged_in, seen=SEEN_EVERY_SECONDS - 60)

    with CaptureQueriesContext(connection) as queries:
        assert logged_in.get(HOME).status_code == 200

    session_writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].lstrip().startswith("SELECT")
    ]
    assert session_writes == []


def test_the_seen_stamp_is_written_once_it_is_older_than_the_interval(logged_in):
    _shift(logged_in, seen=SEEN_EVERY_SECONDS + 60)

    with CaptureQueriesContext(connection) as queries:
        assert logged_in.get(HOME).status_code == 200

    session_writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].lstrip().startswith("SELECT")
    ]
    assert len(session_writes) == 1


def test_log_out_everywhere_ends_the_sessions_on_other_devices(logged_in, owner):
    laptop = Client()
    laptop.force_login(owner)
    assert laptop.get(HOME).status_code == 200

    response = logged_in.post(reverse("web:logout-everywhere"), follow=True)

    assert response.redirect_chain == [(LOGIN, 302)]
    assert "You were logged out on every device." in response.content.decode()
    assert logged_in.get(HOME)["Location"] == f"{LOGIN}?next={HOME}"
    assert laptop.get(HOME)["Location"] == f"{LOGIN}?next={HOME}"


def test_after_log_out_everywhere_a_new_login_works(logged_in, owner):
    logged_in.post(reverse("web:logout-everywhere"))

    owner.refresh_from_db()
    logged_in.force_login(owner)

    assert logged_in.get(HOME).status_code == 200


def test_log_out_everywhere_keeps_api_tokens(org, owner, logged_in):
    api = ApiClient(org, owner)

    logged_in.post(reverse("web:logout-everywhere"))

    assert api.get("/api/v1/me").status_code == 200


def test_log_out_everywhere_is_in_the_user_menu_and_needs_a_post(logged_in):
    page = logged_in.get(HOME).content.decode()

    assert f'action="{reverse("web:logout-everywhere")}"' in page
    assert logged_in.get(reverse("web:logout-everywhere")).status_code == 405


def test_without_a_salt_the_session_hash_is_djangos_so_older_sessions_stay_valid(owner):
    django_hash = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        owner.password,
        algorithm="sha256",
    ).hexdigest()

    assert owner.session_salt == ""
    assert owner.get_session_auth_hash() == django_hash


def test_a_login_from_before_the_limits_gets_its_stamps_and_goes_on(logged_in):
    session = logged_in.session
    del session[STARTED_KEY], session[SEEN_KEY]
    session.save()

    assert logged_in.get(HOME).status_code == 200
    assert time.time() - logged_in.session[STARTED_KEY] < 60
