"""How records of this module are found by the global search."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartcrm.contacts.models import Contact
    from smartcrm.core.search import SearchDocument


def contact_document(contact: Contact) -> SearchDocument:
    """A contact is found by name (either order), e-mail and phone; it shows where it works."""
    from smartcrm.core.search import SearchDocument

    parent = contact.account or contact.prospect
    return SearchDocument(
        title=contact.full_name,
        subtitle=" · ".join(part for part in (contact.job_title, str(parent or "")) if part),
        terms=[
            f"{contact.last_name} {contact.first_name}",
            contact.email,
            contact.phone,
        ],
    )
