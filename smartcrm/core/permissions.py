"""Who may do what: roles ranked owner > admin > manager > sales.

- sales: works the records of the organisation; deletes only records they own.
- manager: also deletes any record, edits the catalogue and exchange rates.
- admin: also manages members, departments, modules and organisation settings.
- owner: also manages the owners and the organisation itself.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smartcrm.core.choices import Role
from smartcrm.core.errors import Forbidden, NotFound
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User

ROLE_RANK: dict[str, int] = {Role.SALES: 1, Role.MANAGER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def membership_of(org: Organization, user: User) -> Membership:
    """The user's active membership; a non-member is told the organisation does not exist."""
    membership = (
        Membership.objects.filter(organization=org, user=user, is_active=True, user__is_active=True)
        .only("id", "role", "user_id", "organization_id")
        .first()
    )
    if membership is None:
        raise NotFound(_("Organisation not found."), code="not_member")
    return membership


def has_role(membership: Membership, minimum: str) -> bool:
    return ROLE_RANK[membership.role] >= ROLE_RANK[minimum]


def require_role(org: Organization, user: User, minimum: str) -> Membership:
    membership = membership_of(org, user)
    if not has_role(membership, minimum):
        raise Forbidden(
            _("Your role does not allow this; ask a %(role)s.") % {"role": Role(minimum).label},
            code="forbidden",
        )
    return membership


def require_owner_or_role(
    org: Organization, user: User, *, owner_id: RecordId | None, minimum: str = Role.MANAGER
) -> Membership:
    """Sales users may change what they own; from ``minimum`` up, anything."""
    membership = membership_of(org, user)
    if owner_id == user.pk or has_role(membership, minimum):
        return membership
    raise Forbidden(
        _("Only the record's owner or a %(role)s may do this.") % {"role": Role(minimum).label},
        code="forbidden",
    )


def ensure_member(
    org: Organization, user_id: RecordId | None, *, field: str, acting: User | None = None
) -> None:
    """A record's owner or assignee must be an active member of the organisation.

    ``acting``: the acting user, whose membership the service read first (``membership_of``,
    in the same transaction); naming them asks nothing more."""
    if user_id is None or (acting is not None and user_id == acting.pk):
        return
    try:
        exists = Membership.objects.filter(
            organization=org, user_id=user_id, is_active=True, user__is_active=True
        ).exists()
    except (ValueError, TypeError, ValidationError):
        exists = False
    if not exists:
        from smartcrm.core.errors import ValidationFailed

        raise ValidationFailed(_("No active member of this organisation has this id."), field=field)
