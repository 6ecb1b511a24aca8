"""Offers: numbering, details, status flow, lines and stored totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.catalog.models import Product
from smartcrm.catalog.selectors import conversion_rate
from smartcrm.core import writes
from smartcrm.core.audit import (
    AuditAction,
    audit,
    audit_created,
    audit_deleted,
    audit_status,
    audit_updated,
)
from smartcrm.core.errors import Conflict, FieldIssue, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.modules import Module, module_enabled
from smartcrm.core.money import round_price
from smartcrm.core.permissions import (
    ensure_member,
    membership_of,
    require_assign_right,
    require_grant,
    require_owner_or_role,
    require_record_right,
)
from smartcrm.core.search import search_index
from smartcrm.sales.choices import OFFER_TRANSITIONS, EventKind, OfferStatus
from smartcrm.sales.models import Account, Offer, OfferLine, OfferNumberSequence
from smartcrm.sales.pricing import line_amounts
from smartcrm.sales.services.events import record_event
from smartcrm.trash.services import trash_record

OFFER_FIELDS = (
    "title",
    "owner_id",
    "currency",
    "language",
    "issue_date",
    "valid_until",
    "expected_close_date",
    "probability",
    "priority",
    "source",
    "description",
)
LINE_FIELDS = (
    "product_id",
    "code",
    "name",
    "description",
    "unit",
    "quantity",
    "source_price",
    "source_currency",
    "price_includes_vat",
    "discount_percent",
    "vat_rate",
    "position",
)
DEFAULT_VALIDITY_DAYS = 30


def org_today(org: Organization) -> dt.date:
    return timezone.localdate(timezone=ZoneInfo(org.time_zone or "Europe/Bucharest"))


def _allocate_number(org: Organization, year: int) -> str:
    """Next number of the year, taken under a row lock inside the creating transaction:
    a rolled-back offer gives its number back, so the sequence has no gaps."""
    OfferNumberSequence.objects.bulk_create(
        [OfferNumberSequence(organization=org, year=year)], ignore_conflicts=True
    )
    sequence = OfferNumberSequence.objects.select_for_update().get(organization=org, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"OF-{year}-{sequence.last_number:04d}"


def _locked_offer(org: Organization, offer_id: RecordId, version: int | None = None) -> Offer:
    return writes.lock(Offer.objects.for_org(org), offer_id, version=version, label=_("Offer"))


def require_offer_edit(membership: Membership, offer: Offer) -> None:
    """Changing an offer (its details, status, lines) needs the edit grant on it."""
    require_record_right(
        membership,
        module="offers",
        action="edit",
        holders=lambda: (offer.owner_id,),
        label=_("offer"),
    )


def _refuse_if_closed(offer: Offer) -> None:
    if offer.is_closed:
        raise Conflict(
            _("The offer is %(status)s; a closed offer cannot be changed.")
            % {"status": OfferStatus(offer.status).label.lower()},
            field="status",
            code="offer_closed",
        )


@transaction.atomic
def offer_create(
    *,
    org: Organization,
    user: User,
    account_id: RecordId,
    title: str,
    lines: Iterable[dict[str, Any]] = (),
    **fields: Any,
) -> Offer:
    """Create a draft offer for an account, numbered OF-<year>-<nnnn>, with optional lines."""
    require_grant(org, user, module="offers", action="create")
    try:
        account = Account.objects.for_org(org).filter(pk=account_id).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
        account = None
    if account is None:
        raise ValidationFailed(_("No account with this id."), field="account_id", code="not_found")
    offer = Offer(
        organization=org,
        created_by=user,
        owner=user,
        account=account,
        title=title,
        currency=org.base_currency,
        language=org.language,
    )
    writes.apply_changes(offer, fields, allowed=OFFER_FIELDS)
    if offer.issue_date is None:
        offer.issue_date = org_today(org)
    if offer.valid_until is None and isinstance(offer.issue_date, dt.date):
        offer.valid_until = offer.issue_date + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)
    ensure_member(org, offer.owner_id, field="owner_id", acting=user)
    writes.validate(offer, exclude=["number", "account"])
    offer.number = _allocate_number(org, offer.issue_date.year)
    writes.save(offer)
    search_index(offer, changed=())
    record_event(org=org, user=user, kind=EventKind.CREATED, offer=offer, number=offer.number)
    audit_created(org=org, user=user, record=offer)
    for position, line_input in enumerate(lines, start=1):
        _line_build_and_save(
            org,
            user,
            offer,
            OfferLine(offer=offer, position=position),
            dict(line_input),
            creating=True,
        )
    if lines:
        _recompute_totals(offer)
        writes.save(offer, new_version=False)
    return offer


@transaction.atomic
def offer_update(
    *,
    org: Organization,
    user: User,
    offer_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Offer:
    """Change an open offer's details; a new currency or issue date re-prices its lines, a
    new owner needs the right to reassign it."""
    membership = membership_of(org, user)
    offer = _locked_offer(org, offer_id, version)
    require_offer_edit(membership, offer)
    _refuse_if_closed(offer)
    if "owner_id" in changes:
        require_assign_right(
            org,
            user,
            records=[offer],
            new_holder=changes["owner_id"],
            membership=membership,
            module="offers",
        )
    old_currency, old_issue_date = offer.currency, offer.issue_date
    changed = writes.apply_changes(offer, changes, allowed=OFFER_FIELDS)
    if not changed:
        return offer
    ensure_member(org, offer.owner_id, field="owner_id", acting=user)
    writes.validate(offer, exclude=["number", "account"])
    if offer.currency != old_currency or offer.issue_date != old_issue_date:
        _reprice_lines(org, offer)
    writes.save(offer)
    search_index(offer, changed=changed)
    record_event(org=org, user=user, kind=EventKind.UPDATED, offer=offer, fields=changed)
    audit_updated(org=org, user=user, record=offer, changed=changed)
    return offer


@transaction.atomic
def offer_change_status(
    *,
    org: Organization,
    user: User,
    offer_id: RecordId,
    status: str,
    closed_date: dt.date | None = None,
    lost_reason: str = "",
    version: int | None = None,
) -> Offer:
    """Move an offer: draft → sent → negotiation → won | lost (won/lost need a date,
    lost needs a reason)."""
    membership = membership_of(org, user)
    offer = _locked_offer(org, offer_id, version)
    require_offer_edit(membership, offer)
    return _move(
        org=org,
        user=user,
        offer=offer,
        status=status,
        closed_date=closed_date,
        lost_reason=lost_reason,
    )


@transaction.atomic
def offer_client_decision(
    *, org: Organization, user: User, offer_id: RecordId, accepted: bool, reason: str = ""
) -> Offer:
    """The client accepted or declined the offer through its link, today: won or lost,
    recorded as ``user`` (the member the decision is told to). The link is the authority,
    so no grant of ``user`` is asked; the decision is today's even when the offer is dated
    ahead (an issue date set in the future does not refuse it)."""
    offer = _locked_offer(org, offer_id, None)
    return _move(
        org=org,
        user=user,
        offer=offer,
        status=OfferStatus.WON if accepted else OfferStatus.LOST,
        closed_date=org_today(org),
        lost_reason="" if accepted else reason,
        before_issue=True,
    )


def _move(
    *,
    org: Organization,
    user: User,
    offer: Offer,
    status: str,
    closed_date: dt.date | None,
    lost_reason: str,
    before_issue: bool = False,
) -> Offer:
    """The status change itself, on the locked ``offer``: the transition, the closing
    rules, the event and the audit entry."""
    if status not in OfferStatus.values:
        raise ValidationFailed(_("Unknown status."), field="status", code="invalid_status")
    if status not in OFFER_TRANSITIONS[offer.status]:
        raise Conflict(
            _("An offer cannot go from “%(old)s” to “%(new)s”.")
            % {"old": OfferStatus(offer.status).label, "new": OfferStatus(status).label},
            field="status",
            code="illegal_transition",
        )
    lost_reason = " ".join((lost_reason or "").split())
    if status in (OfferStatus.WON, OfferStatus.LOST):
        if closed_date is None:
            raise ValidationFailed(
                _("Give the date the offer was won or lost."), field="closed_date", code="required"
            )
        if status == OfferStatus.LOST and not lost_reason:
            raise ValidationFailed(
                _("Say why the offer was lost."), field="lost_reason", code="required"
            )
        if status == OfferStatus.WON and not offer.lines.exists():
            raise Conflict(
                _("An offer without lines cannot be won."), field="lines", code="no_lines"
            )
        if closed_date < offer.issue_date and not before_issue:
            raise ValidationFailed(
                _("An offer cannot close before its issue date."), field="closed_date"
            )
        if closed_date > org_today(org):
            raise ValidationFailed(
                _("The closing date cannot be in the future."), field="closed_date"
            )
        offer.closed_date = closed_date
        offer.probability = 100 if status == OfferStatus.WON else 0
    if status == OfferStatus.SENT and offer.sent_at is None:
        offer.sent_at = timezone.now()
    old = offer.status
    offer.status = status
    offer.lost_reason = lost_reason if status == OfferStatus.LOST else ""
    writes.validate(offer, exclude=["number", "account"])
    writes.save(offer)
    record_event(
        org=org,
        user=user,
        kind=EventKind.STATUS_CHANGED,
        offer=offer,
        old=old,
        new=status,
        closed_date=closed_date.isoformat() if closed_date else None,
        lost_reason=offer.lost_reason,
    )
    audit_status(
        org=org,
        user=user,
        record=offer,
        old=old,
        new=status,
        closed_date=closed_date,
        lost_reason=offer.lost_reason,
    )
    return offer


@transaction.atomic
def offer_delete(
    *, org: Organization, user: User, offer_id: RecordId, version: int | None = None
) -> None:
    """Move a draft offer to the trash with its activities, notes and tasks (owner or
    manager); its lines and contacts stay on it. Offers that went out are kept: mark them
    lost."""
    offer = _locked_offer(org, offer_id, version)
    require_owner_or_role(org, user, owner_id=offer.owner_id, module="offers", label=_("offer"))
    if offer.status != OfferStatus.DRAFT:
        raise Conflict(
            _("Only a draft offer can be deleted; mark this one lost instead."),
            field="status",
            code="offer_not_draft",
        )
    audit_deleted(org=org, user=user, record=offer)
    trash_record(org=org, user=user, record=offer)


# --- Lines -----------------------------------------------------------------------------


def _decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        number = (
            Decimal(str(value).strip().replace(",", "."))
            if isinstance(value, str)
            else Decimal(value)
        )
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("Enter a number."), field=field, code="invalid_number") from None
    if not number.is_finite():
        raise ValidationFailed(_("Enter a number."), field=field, code="invalid_number")
    return number


# Callers name the price as entered "unit_price" and its currency "currency".
_LINE_INPUT_NAMES = {"source_price": "unit_price", "source_currency": "currency"}


def _line_build_and_save(
    org: Organization,
    user: User,
    offer: Offer,
    line: OfferLine,
    values: dict[str, Any],
    *,
    creating: bool,
) -> OfferLine:
    """Apply input to a line: take the catalogue snapshot, convert the price, compute amounts."""
    try:
        return _line_apply(org, user, offer, line, values, creating=creating)
    except ValidationFailed as error:
        issues = [
            FieldIssue(
                _LINE_INPUT_NAMES.get(issue.field or "", issue.field), issue.message, issue.code
            )
            for issue in error.issues
        ]
        raise ValidationFailed.from_issues(issues) from error


def _line_apply(
    org: Organization,
    user: User,
    offer: Offer,
    line: OfferLine,
    values: dict[str, Any],
    *,
    creating: bool,
) -> OfferLine:
    # "unit_price" and "currency" are the names callers use for the price as entered.
    if "unit_price" in values:
        values["source_price"] = values.pop("unit_price")
    if "currency" in values:
        values["source_currency"] = values.pop("currency")
    for name in ("quantity", "source_price", "discount_percent", "vat_rate"):
        if values.get(name) is not None:
            values[name] = _decimal(values[name], "unit_price" if name == "source_price" else name)
    product_id = values.get("product_id", line.product_id if not creating else None)
    if creating or "product_id" in values:
        product = None
        if product_id is not None:
            if not module_enabled(org, Module.CATALOG):
                raise ValidationFailed(_("The catalogue is switched off."), field="product_id")
            try:
                product = Product.objects.for_org(org).filter(pk=product_id).first()
            except (ValueError, TypeError, ValidationError):  # a malformed id is "not found"
                product = None
            if product is None:
                raise ValidationFailed(
                    _("No product with this id."), field="product_id", code="not_found"
                )
        if product is not None and creating:
            snapshot = {
                "code": product.code,
                "name": product.name,
                "unit": product.unit,
                "description": product.description,
                "source_price": product.price,
                "source_currency": product.currency,
                "price_includes_vat": product.price_includes_vat,
                "vat_rate": product.vat_rate,
            }
            for name, value in snapshot.items():
                if values.get(name) is None:
                    values[name] = value
    if creating:
        values.setdefault("source_currency", offer.currency)
        if values.get("vat_rate") is None:
            values["vat_rate"] = Decimal("21")
        for required in ("quantity", "source_price"):
            if values.get(required) is None:
                raise ValidationFailed(
                    _("This field is required."),
                    field="unit_price" if required == "source_price" else required,
                    code="required",
                )
        if not values.get("name"):
            raise ValidationFailed(
                _("A line needs a name or a product."), field="name", code="required"
            )
        line.organization = org
        line.created_by = user
        values = {name: value for name, value in values.items() if value is not None}
    writes.apply_changes(line, values, allowed=LINE_FIELDS)
    line.source_currency = (line.source_currency or "").upper()
    line.unit_price = line.source_price if line.source_price is not None else Decimal(0)
    writes.validate(line, exclude=["offer", "net_amount", "vat_amount", "gross_amount"])
    _price_line(org, offer, line)
    writes.save(line, new_version=not creating)
    return line


def _price_line(org: Organization, offer: Offer, line: OfferLine) -> None:
    line.exchange_rate = conversion_rate(
        org=org,
        source=line.source_currency,
        target=offer.currency,
        on_date=offer.issue_date,
        field="currency",
    )
    line.unit_price = round_price(line.source_price * line.exchange_rate)
    amounts = line_amounts(
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        vat_rate=line.vat_rate,
        price_includes_vat=line.price_includes_vat,
    )
    line.net_amount, line.vat_amount, line.gross_amount = amounts.net, amounts.vat, amounts.gross


def _reprice_lines(org: Organization, offer: Offer) -> None:
    lines = list(offer.lines.all())
    for line in lines:
        _price_line(org, offer, line)
        line.version += 1
    OfferLine.objects.bulk_update(
        lines,
        ["exchange_rate", "unit_price", "net_amount", "vat_amount", "gross_amount", "version"],
    )
    _recompute_totals(offer, lines)


def _line_amounts(offer: Offer) -> list[OfferLine]:
    """The offer's lines, their position and amounts only (with the offer's key: the related
    manager reads it on every line, and a deferred field would cost a query per line)."""
    return list(offer.lines.only("offer", "position", "net_amount", "vat_amount", "gross_amount"))


def _recompute_totals(offer: Offer, lines: list[OfferLine] | None = None) -> None:
    """Totals are the sums of the rounded lines, added in Python: exact on every database."""
    if lines is None:
        lines = _line_amounts(offer)
    offer.total_net = sum((line.net_amount for line in lines), Decimal("0.00"))
    offer.total_vat = sum((line.vat_amount for line in lines), Decimal("0.00"))
    offer.total_gross = sum((line.gross_amount for line in lines), Decimal("0.00"))


def _after_lines_changed(
    org: Organization,
    user: User,
    offer: Offer,
    lines: list[OfferLine] | None = None,
    **data: Any,
) -> None:
    total_before = offer.total_gross
    _recompute_totals(offer, lines)
    writes.save(offer)
    record_event(org=org, user=user, kind=EventKind.LINES_CHANGED, offer=offer, **data)
    audit(
        org=org,
        user=user,
        action=AuditAction.UPDATED,
        record=offer,
        changes={"total_gross": [total_before, offer.total_gross]},
        **data,
    )


@transaction.atomic
def offer_line_add(
    *,
    org: Organization,
    user: User,
    offer_id: RecordId,
    offer_version: int | None = None,
    **values: Any,
) -> OfferLine:
    """Add a catalogue product (``product_id``) or a free line to an open offer."""
    membership = membership_of(org, user)
    offer = _locked_offer(org, offer_id, offer_version)
    require_offer_edit(membership, offer)
    _refuse_if_closed(offer)
    # One read for the next position and the totals: the offer's lock keeps its lines still.
    lines = _line_amounts(offer)
    if values.get("position") is None:
        values["position"] = max((line.position for line in lines), default=0) + 1
    line = _line_build_and_save(org, user, offer, OfferLine(offer=offer), values, creating=True)
    _after_lines_changed(org, user, offer, [*lines, line], added=str(line.pk))
    return line


def _locked_line(
    org: Organization, line_id: RecordId, version: int | None
) -> tuple[Offer, OfferLine]:
    line = writes.lock(OfferLine.objects.for_org(org), line_id, version=None, label=_("Offer line"))
    offer = _locked_offer(org, line.offer_id)
    writes.check_version(line, version)
    _refuse_if_closed(offer)
    return offer, line


@transaction.atomic
def offer_line_update(
    *,
    org: Organization,
    user: User,
    line_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> OfferLine:
    """Change a line's quantity, price, discount, VAT...; the offer's totals follow."""
    membership = membership_of(org, user)
    offer, line = _locked_line(org, line_id, version)
    require_offer_edit(membership, offer)
    if "product_id" in changes:
        raise ValidationFailed(
            _("Remove the line and add the other product instead."),
            field="product_id",
            code="read_only",
        )
    _line_build_and_save(org, user, offer, line, dict(changes), creating=False)
    _after_lines_changed(org, user, offer, changed=str(line.pk))
    return line


@transaction.atomic
def offer_line_remove(
    *, org: Organization, user: User, line_id: RecordId, version: int | None = None
) -> Offer:
    """Remove a line from an open offer; returns the offer with its new totals."""
    membership = membership_of(org, user)
    offer, line = _locked_line(org, line_id, version)
    require_offer_edit(membership, offer)
    line_pk = str(line.pk)
    line.delete()
    _after_lines_changed(org, user, offer, removed=line_pk)
    return offer
