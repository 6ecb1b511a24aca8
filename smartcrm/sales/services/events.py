"""The event rows that make a record's history (the timeline's "what happened")."""

from __future__ import annotations

from typing import Any

from smartcrm.core.models import Organization, User
from smartcrm.sales.models import Account, Offer, Prospect, RecordEvent


def record_event(
    *,
    org: Organization,
    user: User | None,
    kind: str,
    prospect: Prospect | None = None,
    account: Account | None = None,
    offer: Offer | None = None,
    **data: Any,
) -> RecordEvent:
    """Write one event on one record; called by services inside their transaction."""
    return RecordEvent.objects.create(
        organization=org,
        created_by=user,
        kind=kind,
        prospect=prospect,
        account=account,
        offer=offer,
        data=data,
    )
