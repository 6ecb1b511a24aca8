"""The contacts list's filters and orderings, shared by the API, the pages and the exports."""

from __future__ import annotations

import uuid

from django.db.models import F
from pydantic import Field

from smartcrm.api.pagination import Sort
from smartcrm.api.schemas import SEARCH_Q_DESCRIPTION, SearchableFilters
from smartcrm.contacts.choices import ContactDepartment
from smartcrm.contacts.models import Contact


class ContactFilters(SearchableFilters):
    search_kind = "contact"

    prospect_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    department: ContactDepartment | None = None
    is_primary: bool | None = None
    q: str | None = Field(None, description=SEARCH_Q_DESCRIPTION)


CONTACT_ORDERINGS = {
    "last_name": Sort(F("last_name")),
    "created_at": Sort(F("created_at"), Contact._meta.get_field("created_at")),
    "updated_at": Sort(F("updated_at"), Contact._meta.get_field("updated_at")),
}
