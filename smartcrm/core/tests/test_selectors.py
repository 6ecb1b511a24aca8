import pytest

from smartcrm.core.errors import NotFound
from smartcrm.core.selectors import tenant_get
from smartcrm.sales.models import Prospect
from smartcrm.sales.tests.factories import ProspectFactory


def test_tenant_get_returns_the_organisations_row(org, owner):
    prospect = ProspectFactory.create(org=org, user=owner)
    assert tenant_get(Prospect, org=org, record_id=prospect.pk) == prospect


@pytest.mark.parametrize("record_id", ["foreign", "missing", "not-a-uuid"])
def test_tenant_get_answers_not_found_alike(org, owner, other_org, other_owner, record_id):
    foreign = ProspectFactory.create(org=other_org, user=other_owner)
    ids = {
        "foreign": foreign.pk,
        "missing": "01a21b00-0000-7000-8000-000000000000",
        "not-a-uuid": "not-a-uuid",
    }
    with pytest.raises(NotFound) as refused:
        tenant_get(Prospect, org=org, record_id=ids[record_id])
    assert (refused.value.code, refused.value.message) == ("not_found", "Prospect not found.")
