"""Duplicate detection: on create (overridable), per record, and as groups."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from django.db import connection
from django.test import RequestFactory

from smartcrm.api.api import api as ninja_api
from smartcrm.api.tests.helpers import ApiClient
from smartcrm.contacts import services as contacts
from smartcrm.dedupe.keys import name_key, similarity
from smartcrm.dedupe.selectors import (
    NAME_SIMILARITY,
    PossibleDuplicate,
    _name_trigrams,
    _trigram_groups,
    duplicate_candidates,
    duplicate_groups,
)
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Prospect


@pytest.fixture
def api(org, owner):
    return ApiClient(org, owner)


def test_name_key_ignores_case_diacritics_punctuation_legal_form_and_word_order():
    assert name_key("S.C. Soluții Alfa S.R.L.") == name_key("ALFA SOLUTII SRL") == "alfa solutii"
    assert name_key("Ştefan Popescu") == name_key("popescu ștefan")
    assert similarity("alfa solutii", "alfa solutions") > 0.6 > similarity("alfa", "alfa consult")


def test_keys_are_stored_and_kept_right_on_update(org, owner):
    prospect = sales.prospect_create(
        org=org, user=owner, company_name="Alfa SRL", email=" Ion@Alfa.RO ", phone="0722 123 456"
    )
    assert (prospect.email_normalized, prospect.phone_e164, prospect.name_key) == (
        "ion@alfa.ro",
        "+40722123456",
        "alfa",
    )
    sales.prospect_update(org=org, user=owner, prospect_id=prospect.pk, company_name="Beta SA")
    assert Prospect.objects.get(pk=prospect.pk).name_key == "beta"


def test_create_with_the_same_email_is_409_with_the_candidates(api, org, owner):
    first = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", email="ion@alfa.ro")
    response = api.post("/api/v1/prospects", {"company_name": "Gama SRL", "email": "ION@alfa.ro"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicate"
    assert [(d["id"], d["matched"]) for d in body["duplicates"]] == [(str(first.pk), ["email"])]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("email", "possible_duplicate")]
    assert Prospect.objects.count() == 1


def test_the_api_tells_a_possible_duplicate_with_its_candidates_whichever_route_raised_it(
    org, owner
):
    # given a prospect, and the refusal of a look-alike as a service raises it
    first = sales.prospect_create(
        org=org, user=owner, company_name="Carpați Distribuție SRL", email="office@carpati.ro"
    )
    with pytest.raises(PossibleDuplicate) as raised:
        sales.prospect_create(
            org=org,
            user=owner,
            company_name="Munteanu Logistic SRL",
            email="OFFICE@carpati.ro",
            allow_duplicate=False,
        )

    # when the API's error mapping answers it (not a route catching it)
    response = ninja_api.on_exception(RequestFactory().post("/api/v1/prospects"), raised.value)

    # then it is the 409 problem with the candidates, as the create routes send it
    body = json.loads(response.content)
    refusal = raised.value.issues[0].message
    assert (response.status_code, response["Content-Type"]) == (409, "application/problem+json")
    assert (body["code"], body["errors"]) == (
        "possible_duplicate",
        [{"field": "email", "message": refusal, "code": "possible_duplicate"}],
    )
    assert [(d["id"], d["name"], d["matched"]) for d in body["duplicates"]] == [
        (str(first.pk), "Carpați Distribuție SRL", ["email"])
    ]
    assert body["owned_by_others"] == []


def test_allow_duplicate_creates_it_anyway(api, org, owner):
    sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    response = api.post(
        "/api/v1/prospects", {"company_name": "ALFA S.R.L.", "allow_duplicate": True}
    )
    assert response.status_code == 201
    assert Prospect.objects.count() == 2


@pytest.mark.parametrize(
    ("existing", "new", "matched"),
    [
        ({"phone": "0722 123 456"}, {"phone": "+40722123456"}, ["phone"]),
        ({"cui": "RO18547290"}, {"cui": "18547290"}, ["cui"]),
        ({}, {"name": "S.C. ALFA SOLUȚII S.R.L."}, ["name"]),
        ({}, {"name": "Alfa Solutions"}, ["similar_name"]),
    ],
)
def test_account_duplicates_by_phone_cui_name_and_similar_name(
    api, org, owner, existing, new, matched
):
    sales.account_create(org=org, user=owner, name="Alfa Soluții SRL", **existing)
    payload = {"name": "Zeta Grup", **new}
    response = api.post("/api/v1/accounts", payload)
    assert response.status_code == 409, response.content
    assert response.json()["duplicates"][0]["matched"] == matched
    assert Account.objects.count() == 1


def test_different_records_are_not_duplicates(api, org, owner):
    sales.prospect_create(org=org, user=owner, company_name="Alfa SRL", email="a@alfa.ro")
    for name in ("Alfa Consult SRL", "Beta SRL", "Delta Agro"):
        assert api.post("/api/v1/prospects", {"company_name": name}).status_code == 201


def test_another_organisations_records_are_never_candidates(api, org, other_org, other_owner):
    sales.prospect_create(
        org=other_org, user=other_owner, company_name="Alfa SRL", email="x@alfa.ro"
    )
    response = api.post("/api/v1/prospects", {"company_name": "Alfa SRL", "email": "x@alfa.ro"})
    assert response.status_code == 201


def test_services_check_only_when_asked(org, owner):
    sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")  # importer, demo data
    with pytest.raises(PossibleDuplicate) as raised:
        sales.prospect_create(org=org, user=owner, company_name="alfa", allow_duplicate=False)
    assert raised.value.issues[0].field == "company_name"
    assert len(raised.value.candidates) == 2


def test_contact_same_email_anywhere_but_same_name_only_at_the_same_record(api, org, owner):
    alfa = sales.account_create(org=org, user=owner, name="Alfa SRL")
    beta = sales.account_create(org=org, user=owner, name="Beta SRL")
    contacts.contact_create(
        org=org,
        user=owner,
        account_id=alfa.pk,
        first_name="Ion",
        last_name="Popescu",
        email="ion@alfa.ro",
    )
    same_name_elsewhere = api.post(
        "/api/v1/contacts",
        {"account_id": str(beta.pk), "first_name": "Ion", "last_name": "Popescu"},
    )
    assert same_name_elsewhere.status_code == 201
    same_name_here = api.post(
        "/api/v1/contacts",
        {"account_id": str(alfa.pk), "first_name": "ION", "last_name": "Popescu"},
    )
    assert (same_name_here.status_code, same_name_here.json()["duplicates"][0]["matched"]) == (
        409,
        ["name"],
    )
    same_email = api.post(
        "/api/v1/contacts",
        {"account_id": str(beta.pk), "last_name": "Ionescu", "email": "Ion@Alfa.ro"},
    )
    assert (same_email.status_code, same_email.json()["errors"][0]["field"]) == (409, "email")


def test_record_duplicates_endpoint_and_404_across_organisations(
    api, org, owner, other_org, other_owner
):
    first = sales.prospect_create(org=org, user=owner, company_name="Alfa SRL")
    second = sales.prospect_create(
        org=org, user=owner, company_name="ALFA S.R.L.", phone="0722123456"
    )
    response = api.get(f"/api/v1/prospects/{first.pk}/duplicates")
    assert [(i["id"], i["matched"]) for i in response.json()["items"]] == [
        (str(second.pk), ["name"])
    ]
    theirs = sales.prospect_create(org=other_org, user=other_owner, company_name="Alfa SRL")
    assert api.get(f"/api/v1/prospects/{theirs.pk}/duplicates").status_code == 404


def test_groups_join_records_transitively(api, org, owner):
    # a and b share an e-mail, b and c a phone: one group of three; d alone
    a = sales.prospect_create(org=org, user=owner, company_name="Unu", email="x@y.ro")
    b = sales.prospect_create(
        org=org, user=owner, company_name="Doi", email="X@y.ro", phone="0722 111 222"
    )
    c = sales.prospect_create(org=org, user=owner, company_name="Trei", phone="+40 722 111 222")
    sales.prospect_create(org=org, user=owner, company_name="Patru")
    e = sales.prospect_create(org=org, user=owner, company_name="Cinci SRL")
    f = sales.prospect_create(org=org, user=owner, company_name="cinci s.r.l.")
    groups = duplicate_groups(org=org, kind="prospect")
    assert [({r.pk for r in g.records}, g.matched) for g in groups] == [
        ({a.pk, b.pk, c.pk}, ["email", "phone"]),
        ({e.pk, f.pk}, ["name"]),
    ]
    response = api.get("/api/v1/prospects/duplicates")
    assert response.status_code == 200
    assert [len(g["records"]) for g in response.json()["items"]] == [3, 2]


def test_contact_groups_stay_within_one_record(org, owner):
    alfa = sales.account_create(org=org, user=owner, name="Alfa SRL")
    beta = sales.account_create(org=org, user=owner, name="Beta SRL")
    for account in (alfa, beta, alfa):
        contacts.contact_create(
            org=org, user=owner, account_id=account.pk, first_name="Ion", last_name="Popescu"
        )
    groups = duplicate_groups(org=org, kind="contact")
    assert [[c.account_id for c in g.records] for g in groups] == [[alfa.pk, alfa.pk]]


def test_duplicate_groups_take_constant_queries(api, org, owner, django_assert_max_num_queries):
    for index in range(15):
        sales.prospect_create(
            org=org, user=owner, company_name=f"Firma {index}", email=f"f{index}@x.ro"
        )
        sales.prospect_create(
            org=org, user=owner, company_name=f"FIRMA {index} SRL", phone=f"07220000{index:02d}"
        )
    # auth (token, membership) + one query per key + the records
    with django_assert_max_num_queries(9):
        response = api.get("/api/v1/prospects/duplicates")
    assert len(response.json()["items"]) == 15


def test_candidates_take_at_most_three_queries(org, owner, django_assert_max_num_queries):
    for index in range(10):
        sales.prospect_create(
            org=org, user=owner, company_name=f"Alfa {index}", email="same@alfa.ro"
        )
    probe = Prospect(
        organization=org, company_name="Alfa 1", email_normalized="same@alfa.ro", name_key="1 alfa"
    )
    with django_assert_max_num_queries(3):
        found = duplicate_candidates(org=org, kind="prospect", record=probe, limit=20)
    assert len(found) == 10


def test_a_common_word_alone_does_not_make_a_candidate(api, org, owner):
    for word in ("Alfa", "Beta", "Delta", "Omega", "Sigma"):
        sales.prospect_create(org=org, user=owner, company_name=f"SC {word} Construct SRL")
    response = api.post("/api/v1/prospects", {"company_name": "Gama Construct SRL"})
    assert response.status_code == 201, response.content


def test_a_very_similar_name_is_found_among_many_sharing_its_words(api, org, owner):
    # given many names sharing a common word, and one close to the new name
    for index in range(60):
        sales.prospect_create(org=org, user=owner, company_name=f"Construct Firma{index} SRL")
    target = sales.prospect_create(org=org, user=owner, company_name="Mipantex Construct SRL")
    # when a name one letter off is created
    response = api.post("/api/v1/prospects", {"company_name": "S.C. Mipantexx Construct S.R.L."})
    # then only that one is a candidate
    assert response.status_code == 409
    assert [(d["id"], d["matched"]) for d in response.json()["duplicates"]] == [
        (str(target.pk), ["similar_name"])
    ]


@pytest.mark.parametrize(
    "name", ["alfa", "alfa solutii", "anghel cristina", "ion popescu", "gravomesmetberar intl"]
)
def test_a_name_holding_most_trigrams_holds_a_whole_group(name):
    # the SQLite candidate search relies on it (pigeonhole): every way of keeping
    # NAME_SIMILARITY of the trigrams keeps every trigram of at least one group
    grams = _name_trigrams(name)
    groups = _trigram_groups(grams)
    kept = math.ceil(NAME_SIMILARITY * len(grams))
    assert sorted(g for group in groups for g in group) == sorted(grams)
    for subset in itertools.combinations(grams, kept):
        assert any(set(group) <= set(subset) for group in groups), subset


def test_the_check_costs_the_same_queries_however_many_names_look_alike(
    org, owner, django_assert_num_queries
):
    # exact keys, similar names; PostgreSQL first sets pg_trgm's threshold for the transaction
    expected = 3 if connection.vendor == "postgresql" else 2
    probe = Prospect(
        organization=org,
        company_name="Alfa Solutii",
        email_normalized="a@alfa.ro",
        name_key="alfa solutii",
    )
    counts = []
    for batch in range(2):
        for index in range(10 * batch, 10 * batch + 10):
            sales.prospect_create(
                org=org, user=owner, company_name=f"Alfa Solutions {index}", email="a@alfa.ro"
            )
            sales.prospect_create(org=org, user=owner, company_name=f"Alfa Soluții{index}")
        with django_assert_num_queries(expected):
            counts.append(len(duplicate_candidates(org=org, kind="prospect", record=probe)))
    assert counts == [10, 10]


def test_a_frequent_name_is_answered_by_its_exact_matches_alone(
    org, owner, django_assert_num_queries
):
    # given as many people of the same name as the check lists, and one of a similar name
    same = [
        sales.prospect_create(
            org=org, user=owner, kind="person", first_name="Ion", last_name="Popescu"
        )
        for _ in range(3)
    ]
    sales.prospect_create(
        org=org, user=owner, kind="person", first_name="Ioan", last_name="Popescu"
    )
    probe = Prospect(organization=org, kind="person", first_name="ION", last_name="Popescu")
    probe.name_key = name_key(probe.display_name)
    # when the check lists three: the exact names, in one query (no similar-name search)
    with django_assert_num_queries(1):
        found = duplicate_candidates(org=org, kind="prospect", record=probe, limit=3)
    assert [(c.id, c.matched) for c in found] == sorted(
        [(p.pk, ("name",)) for p in same], key=lambda pair: str(pair[0])
    )
    # and with room for more, the similar name follows them
    found = duplicate_candidates(org=org, kind="prospect", record=probe, limit=10)
    assert [c.matched for c in found] == [("name",)] * 3 + [("similar_name",)]
