"""Find the record (prospect, account or offer) a contact, activity, note or task hangs on.

Child modules call this so that every one of them checks the same things: the record is of
the organisation, exactly one (or at most one) is given, and a converted prospect takes no
new children (they belong on its account now).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smartcrm.core.errors import Conflict, FieldIssue, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization
from smartcrm.sales.choices import ProspectStatus
from smartcrm.sales.models import Account, Offer, Prospect

PARENT_MODELS: dict[str, type[Prospect] | type[Account] | type[Offer]] = {
    "prospect": Prospect,
    "account": Account,
    "offer": Offer,
}
# The grant module whose view scope a parent must be in to take a child.
PARENT_MODULES: dict[str, str] = {"prospect": "prospects", "account": "accounts", "offer": "offers"}


def resolve_parent(
    *,
    org: Organization,
    allowed: tuple[str, ...],
    required: bool = True,
    lock: bool = False,
    membership: Membership | None = None,
    **ids: Any,
) -> dict[str, Any]:
    """Turn ``prospect_id=…`` / ``account_id=…`` / ``offer_id=…`` into ``{"prospect": obj}``.

    With the acting ``membership``, a record outside their view scope of its module is not
    found, exactly as another organisation's."""
    given = {name[: -len("_id")]: value for name, value in ids.items() if value is not None}
    for name in given:
        if name not in allowed:
            raise ValidationFailed(
                _("This record cannot hang on a %(parent)s.") % {"parent": name},
                field=f"{name}_id",
                code="invalid_parent",
            )
    if len(given) > 1:
        raise ValidationFailed.from_issues(
            [
                FieldIssue(
                    f"{name}_id",
                    _("Give only one of: %(names)s.")
                    % {"names": ", ".join(f"{n}_id" for n in allowed)},
                )
                for name in given
            ]
        )
    if not given:
        if required:
            raise ValidationFailed(
                _("Give one of: %(names)s.") % {"names": ", ".join(f"{n}_id" for n in allowed)},
                field=f"{allowed[0]}_id",
                code="required",
            )
        return {name: None for name in allowed}
    ((name, value),) = given.items()
    queryset = PARENT_MODELS[name].objects.for_org(org)
    if membership is not None:
        queryset = queryset.visible_to(membership, PARENT_MODULES[name])
    if lock:
        queryset = queryset.select_for_update()
    try:
        parent = queryset.filter(pk=value).first()
    except (ValueError, TypeError, ValidationError):
        parent = None
    if parent is None:
        raise ValidationFailed(
            _("No %(parent)s with this id.") % {"parent": PARENT_MODELS[name]._meta.verbose_name},
            field=f"{name}_id",
            code="not_found",
        )
    if isinstance(parent, Prospect) and parent.status == ProspectStatus.CONVERTED:
        raise Conflict(
            _("This prospect was converted; work on its account instead."),
            field="prospect_id",
            code="prospect_converted",
        )
    resolved: dict[str, Any] = {n: None for n in allowed}
    resolved[name] = parent
    return resolved


def contacts_scope_of(parent: Prospect | Account | Offer) -> dict[str, Any]:
    """Whose contacts may take part: the record's own; an offer's account's for an offer."""
    if isinstance(parent, Offer):
        return {"account_id": parent.account_id}
    if isinstance(parent, Account):
        return {"account_id": parent.pk}
    return {"prospect_id": parent.pk}


def parent_owner_id(org: Organization, child: Any) -> RecordId | None:
    """The owner of the record a child (a contact) hangs on: whose own the child is."""
    for name, model in PARENT_MODELS.items():
        parent_id = getattr(child, f"{name}_id", None)
        if parent_id is not None:
            owners = model.objects.for_org(org).filter(pk=parent_id)
            owner_id: RecordId | None = owners.values_list("owner_id", flat=True).first()
            return owner_id
    return None
