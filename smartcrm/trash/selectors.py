"""Reads of the trash: what a member may see of it, and when each entry is purged."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from smartcrm.core.choices import Role
from smartcrm.core.models import Membership
from smartcrm.core.permissions import has_role
from smartcrm.trash.models import TrashBatch


def purge_on(batch: TrashBatch) -> dt.datetime:
    """When the worker purges ``batch`` (the retention counts from the delete)."""
    return batch.deleted_at + dt.timedelta(days=settings.SMARTCRM_TRASH_DAYS)


def trash_list(*, membership: Membership) -> QuerySet[TrashBatch]:
    """The trash as the member sees it, newest first: an admin or owner sees all of the
    organisation's; anyone else, what they held or deleted (what they may restore)."""
    batches = TrashBatch.objects.filter(organization_id=membership.organization_id)
    if not has_role(membership, Role.ADMIN):
        batches = batches.filter(
            Q(owner_id=membership.user_id) | Q(deleted_by_id=membership.user_id)
        )
    return batches.select_related("deleted_by").order_by("-deleted_at", "-id")
