"""What every page shares: the language switch, the typeahead search, saved filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smartcrm.core.errors import Forbidden, ValidationFailed
from smartcrm.sales import services as sales
from smartcrm.web import services
from smartcrm.web.models import SavedFilter
from smartcrm.web.selectors import saved_filters_for


def test_the_language_switch_is_kept_on_the_user(client, org, owner):
    client.force_login(owner)

    response = client.post(reverse("web:set-language"), {"language": "ro", "next": "/prospects/"})

    assert response.status_code == 302 and response["Location"] == "/prospects/"
    owner.refresh_from_db()
    assert owner.language == "ro"
    page = client.get(reverse("sales:prospect-list")).content.decode()
    assert '<html lang="ro">' in page and "Prospecți" in page


def test_an_unknown_language_changes_nothing(client, org, owner):
    client.force_login(owner)
    client.post(reverse("web:set-language"), {"language": "xx"})
    owner.refresh_from_db()
    assert owner.language == "en"


def test_the_switch_never_sends_the_user_to_another_site(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("web:set-language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_member_without_a_language_reads_the_organisations(client, org, owner):
    owner.language = ""
    owner.save(update_fields=["language"])
    client.force_login(owner)
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ro">' in page


def test_the_typeahead_finds_records_of_the_organisation_only(
    client, org, owner, other_org, other_owner
):
    mine = sales.prospect_create(org=org, user=owner, company_name="Livada Verde SRL")
    sales.prospect_create(org=other_org, user=other_owner, company_name="Livada Ascunsă SRL")
    client.force_login(owner)

    response = client.get(reverse("web:search"), {"q": "livada"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Livada Verde SRL" in page and reverse("sales:prospect", args=[mine.pk]) in page
    assert "Ascunsă" not in page


def test_the_typeahead_says_when_nothing_matches(client, org, owner):
    client.force_login(owner)
    page = client.get(reverse("web:search"), {"q": "nimic\x00"}).content.decode()
    assert "Nothing found" in page


def test_a_saved_filter_is_offered_on_its_list_and_applies_its_query(client, org, owner):
    client.force_login(owner)
    response = client.post(
        reverse("web:saved-filter-save", args=["prospects"]),
        {"name": "  Calificați  ", "next": "/prospects/?status=qualified&cursor=abc"},
    )
    assert response.status_code == 302

    saved = SavedFilter.objects.get(organization=org, user=owner)
    assert (saved.name, saved.query, saved.shared) == ("Calificați", "status=qualified", False)
    page = client.get(reverse("sales:prospect-list")).content.decode()
    assert 'href="?status=qualified"' in page and "Calificați" in page


def test_a_shared_filter_is_seen_by_colleagues_and_a_private_one_is_not(
    org, owner, sales_user, other_org, other_owner
):
    services.saved_filter_save(
        org=org, user=owner, list_key="prospects", name="Echipa", query="q=a", shared=True
    )
    services.saved_filter_save(org=org, user=owner, list_key="prospects", name="Doar eu", query="")
    services.saved_filter_save(
        org=other_org, user=other_owner, list_key="prospects", name="Străin", query="", shared=True
    )

    names = [f.name for f in saved_filters_for(org=org, user=sales_user, list_key="prospects")]

    assert names == ["Echipa"]


def test_saving_a_filter_under_its_name_again_overwrites_it(org, owner):
    services.saved_filter_save(org=org, user=owner, list_key="offers", name="Mari", query="a=1")
    services.saved_filter_save(org=org, user=owner, list_key="offers", name="Mari", query="a=2")
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["a=2"]


def test_a_filter_needs_a_name(org, owner):
    with pytest.raises(ValidationFailed) as refused:
        services.saved_filter_save(org=org, user=owner, list_key="offers", name=" ", query="")
    assert refused.value.field == "name"
    assert not SavedFilter.objects.exists()


def test_only_its_author_deletes_a_shared_filter(org, owner, sales_user):
    saved = services.saved_filter_save(
        org=org, user=owner, list_key="offers", name="Echipa", query="", shared=True
    )
    with pytest.raises(Forbidden):
        services.saved_filter_delete(org=org, user=sales_user, saved_filter_id=saved.pk)
    services.saved_filter_delete(org=org, user=owner, saved_filter_id=saved.pk)
    assert not SavedFilter.objects.exists()


def test_a_bad_filter_value_is_named_and_ignored_not_a_500(client, org, owner):
    sales.prospect_create(org=org, user=owner, company_name="Livada Verde SRL")
    client.force_login(owner)

    response = client.get(reverse("sales:prospect-list"), {"status": "nope", "ordering": "x"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Livada Verde SRL" in page
    assert "status" in page and "Cannot sort by" in page
