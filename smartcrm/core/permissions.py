"""Who may do what: roles ranked owner > admin > manager > sales.

- sales: works the records of the organisation; deletes only records they own, and hands
  over to someone else (reassigns) only records they own: they cannot take a record that
  is someone else's.
- manager: also deletes and reassigns any record, edits the catalogue and exchange rates.
- admin: also manages members, departments, modules and organisation settings.
- owner: also manages the owners and the organisation itself.

These are the built-in grant tables of ``core.scopes``; a member with a custom role has its
grants instead (per module and action: none, own, department or all), and keeps their
built-in role for the powers over the organisation. Callers that name the ``module`` ask
the grants; the others keep the rank rule.

Whose own a record is (who "holds" it):

- a prospect, an account, an offer, an activity: its owner;
- a task: its assignee, and the member who created it (who delegated it);
- a contact: the owner of the prospect or account it belongs to;
- a note: its author.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smartcrm.core.choices import Role
from smartcrm.core.errors import Forbidden, NotFound
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User, scope_user_ids
from smartcrm.core.scopes import UNHELD_MODULES, Scope, scope_for
from smartcrm.core.text import listed

ROLE_RANK: dict[str, int] = {Role.SALES: 1, Role.MANAGER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def membership_of(org: Organization, user: User) -> Membership:
    """The user's active membership; a non-member is told the organisation does not exist."""
    membership = (
        Membership.objects.filter(organization=org, user=user, is_active=True, user__is_active=True)
        .select_related("custom_role")
        .only(
            "id",
            "role",
            "user_id",
            "organization_id",
            "department_id",
            "custom_role__id",
            "custom_role__grants",
        )
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


def same_id(first: object, second: object) -> bool:
    """Whether two ids (UUIDs, or their text in any case) name the same row; anything that is
    not an id equals only itself."""
    if first is None or second is None:
        return first is second
    try:
        return uuid.UUID(str(first)) == uuid.UUID(str(second))
    except ValueError:
        return str(first) == str(second)


def holds(user_id: RecordId, holders: Iterable[RecordId | None]) -> bool:
    """Whether the record whose holders these are is the user's own."""
    return any(same_id(holder, user_id) for holder in holders)


def scope_covers(membership: Membership, scope: str, holders: Iterable[RecordId | None]) -> bool:
    """Whether ``scope`` reaches the record ``holders`` hold: all does, none does not, own
    when the member holds it, department when someone of their department tree does."""
    if scope == Scope.ALL:
        return True
    if scope == Scope.NONE:
        return False
    user_ids = scope_user_ids(membership, scope)
    return any(holds(user_id, holders) for user_id in user_ids)


def may(
    membership: Membership, module: str, action: str, holders: Iterable[RecordId | None] = ()
) -> bool:
    """Whether the member's grant of ``action`` in ``module`` reaches this record (for
    create, and in a module whose records nobody holds, whether they have the grant at
    all)."""
    scope = scope_for(membership, module, action)
    if action == "create" or module in UNHELD_MODULES:
        return scope != Scope.NONE
    return scope_covers(membership, scope, tuple(holders))


def require_visible(
    membership: Membership, module: str, holders: Iterable[RecordId | None], *, label: object = ""
) -> None:
    """A record outside the member's view scope is not found, as another organisation's."""
    if not may(membership, module, "view", holders):
        raise NotFound(
            _("%(label)s not found.") % {"label": str(label or _("Record")).capitalize()},
            code="not_found",
        )


def _role_refusal(membership: Membership, minimum: str) -> str:
    if membership.custom_role_id is not None:
        return _("Your role does not allow this on this record.")
    return _("Only the record's owner or a %(role)s may do this.") % {"role": Role(minimum).label}


def may_act_on(
    membership: Membership,
    holders: Iterable[RecordId | None],
    minimum: str = Role.MANAGER,
    *,
    module: str | None = None,
    action: str = "delete",
) -> bool:
    """Whether the member may change or delete the record ``holders`` hold: with a
    ``module``, as the member's grant of ``action`` there says; without, its holder or from
    ``minimum`` up. The rule ``require_owner_or_role`` enforces, and a page asks to offer
    only what will be allowed."""
    if module is not None:
        return may(membership, module, action, holders)
    return holds(membership.user_id, holders) or has_role(membership, minimum)


def require_owner_or_role(
    org: Organization,
    user: User,
    *,
    owner_id: RecordId | None = None,
    holders: Iterable[RecordId | None] = (),
    minimum: str = Role.MANAGER,
    module: str | None = None,
    action: str = "delete",
    membership: Membership | None = None,
    label: object = "",
) -> Membership:
    """Sales users may change (and delete) what they own: ``owner_id``, or any of ``holders``
    when several members hold the record; from ``minimum`` up, anything.

    With a ``module``, the member's grants decide instead: a record outside their view
    scope is not found (``label`` names its kind), one outside the scope of ``action`` is
    refused."""
    membership = membership or membership_of(org, user)
    every_holder = (owner_id, *holders)
    if module is not None:
        require_visible(membership, module, every_holder, label=label)
    if may_act_on(membership, every_holder, minimum, module=module, action=action):
        return membership
    raise Forbidden(_role_refusal(membership, minimum), code="forbidden")


def require_record_right(
    membership: Membership,
    *,
    module: str,
    action: str,
    holders: Callable[[], Iterable[RecordId | None]],
    label: object = "",
) -> None:
    """The member's grants reach this record for ``action`` (and it is in their view
    scope: else not found). ``holders`` is asked only when a scope is narrower than all, so
    the built-in roles' "edit: all" costs no query."""
    if scope_for(membership, module, "view") == Scope.ALL and (
        scope_for(membership, module, action) == Scope.ALL
    ):
        return
    every_holder = tuple(holders())
    require_visible(membership, module, every_holder, label=label)
    if not may(membership, module, action, every_holder):
        raise Forbidden(_role_refusal(membership, Role.MANAGER), code="forbidden")


def own_holders(record: Any) -> tuple[RecordId | None, ...]:
    """Who holds ``record`` by its own fields (its model's ``HOLDER_FIELDS``, by default its
    owner): whose it is to change, delete and hand over."""
    fields = getattr(type(record), "HOLDER_FIELDS", ("owner",))
    return tuple(getattr(record, f"{field}_id") for field in fields)


def viewing_holders(record: Any) -> tuple[RecordId | None, ...]:
    """Who holds ``record`` for reading it: its own holders, and the owner of the prospect,
    account or offer it hangs on (``HELD_THROUGH``), the rule of ``core.models.held_by``.
    A parent already loaded costs no query; else one per parent field that is set."""
    holders = list(own_holders(record))
    for field in getattr(type(record), "HELD_THROUGH", ()):
        parent_id = getattr(record, f"{field}_id")
        if parent_id is None:
            continue
        relation = record._meta.get_field(field)
        if relation.is_cached(record):
            holders.append(getattr(record, field).owner_id)
        else:
            holders.append(
                relation.related_model._base_manager.filter(
                    organization_id=record.organization_id, pk=parent_id
                )
                .values_list("owner_id", flat=True)
                .first()
            )
    return tuple(holders)


def _held_by_nobody(record: Any) -> bool:
    """A record of a model with no holder (the catalogue) is everybody's: every scope but
    none reaches it, as ``core.models.held_by`` reads it."""
    model = type(record)
    return not getattr(model, "HOLDER_FIELDS", ("owner",)) and not getattr(
        model, "HELD_THROUGH", ()
    )


def may_on(membership: Membership, record: Any, *, module: str, action: str) -> bool:
    """Whether the member's grant of ``action`` in ``module`` reaches ``record``: for view,
    through its viewing holders (a child is seen with the record it hangs on); for the
    other actions, through its own holders (a note is its author's to change)."""
    scope = scope_for(membership, module, action)
    if scope in (Scope.ALL, Scope.NONE) or _held_by_nobody(record):
        return scope != Scope.NONE
    # A contact has no holder of its own: it is its record's owner's to change too.
    own = own_holders(record)
    holders = viewing_holders(record) if action == "view" or not own else own
    return scope_covers(membership, scope, holders)


def require_right_on(
    membership: Membership, record: Any, *, module: str, action: str, label: object = ""
) -> None:
    """``record`` is in the member's view scope of ``module`` (else not found, as another
    organisation's) and their grant of ``action`` reaches it (else refused). The built-in
    roles' "all" costs no query."""
    if not may_on(membership, record, module=module, action="view"):
        raise NotFound(
            _("%(label)s not found.") % {"label": str(label or _("Record")).capitalize()},
            code="not_found",
        )
    if action != "view" and not may_on(membership, record, module=module, action=action):
        raise Forbidden(_role_refusal(membership, Role.MANAGER), code="forbidden")


def require_grant(
    org: Organization, user: User, *, module: str, action: str, membership: Membership | None = None
) -> Membership:
    """The member's grants allow ``action`` in ``module`` at all (creating a record)."""
    membership = membership or membership_of(org, user)
    if may(membership, module, action):
        return membership
    raise Forbidden(_("Your role does not allow this."), code="forbidden")


def require_assign_right(
    org: Organization,
    user: User,
    *,
    records: Sequence[Any],
    new_holder: object,
    field: str = "owner_id",
    holders: Callable[[Any], Iterable[RecordId | None]] | None = None,
    membership: Membership | None = None,
    module: str | None = None,
) -> Membership:
    """Handing records to someone else, or taking them, needs the assign right on each:
    from manager up, on any record; a sales user, only on the records they own. With a
    ``module``, the member's assign grant there decides (own, department, all).

    ``field`` is the records' attribute that changes (``owner_id``, a task's
    ``assignee_id``) and the field a refusal names; ``holders`` says who owns a record
    (by default the member in ``field``). A record ``new_holder`` already has is not handed
    over. One refused record refuses them all, naming them. ``membership``: the acting
    user's, when the service read it already."""
    membership = membership or membership_of(org, user)
    holders_of = holders or (lambda record: (getattr(record, field),))
    if module is not None:
        scope = scope_for(membership, module, "assign")
        if scope == Scope.ALL:
            return membership

        def allowed(record: Any) -> bool:
            return scope_covers(membership, scope, tuple(holders_of(record)))
    else:
        if has_role(membership, Role.MANAGER):
            return membership

        def allowed(record: Any) -> bool:
            return holds(user.pk, holders_of(record))

    refused = [
        record
        for record in records
        if not same_id(getattr(record, field), new_holder) and not allowed(record)
    ]
    if not refused:
        return membership
    if membership.custom_role_id is not None:
        message = _("Your role does not allow reassigning: %(names)s.") % {"names": listed(refused)}
        raise Forbidden(message, field=field, code="forbidden")
    role = Role.MANAGER.label
    if len(records) == 1:
        message = _("Only the record's owner or a %(role)s may reassign it.") % {"role": role}
    else:
        message = _("Only their owner or a %(role)s may reassign these records: %(names)s.") % {
            "role": role,
            "names": listed(refused),
        }
    raise Forbidden(message, field=field, code="forbidden")


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
