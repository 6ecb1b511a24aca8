"""Writes of the integrations: fill a prospect or an account from ANAF, load BNR's rates.

The network is asked before any transaction opens (no row stays locked while ANAF thinks);
the record is then changed through the sales services, so validation, the timeline event,
search and the version are theirs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from smartcrm.core.errors import NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.permissions import membership_of
from smartcrm.core.writes import check_version
from smartcrm.integrations.anaf import CompanyData, anaf_lookup
from smartcrm.integrations.bnr import bnr_rates_fetch, bnr_rates_load, bnr_rates_store
from smartcrm.sales import services as sales
from smartcrm.sales.models import Account, Prospect

__all__ = [
    "account_fill_from_anaf",
    "bnr_rates_fetch",
    "bnr_rates_load",
    "bnr_rates_store",
    "prospect_fill_from_anaf",
]


def _record(model: type[Any], org: Organization, record_id: RecordId, label: str) -> Any:
    try:
        record = model.objects.for_org(org).filter(pk=record_id).first()
    except (ValueError, TypeError, ValidationError):
        record = None
    if record is None:
        raise NotFound(_("%(label)s not found.") % {"label": label}, code="not_found")
    return record


def _company(record: Prospect | Account, day: dt.date | None) -> CompanyData:
    if not record.cui:
        raise ValidationFailed(
            _("Enter the CUI first; ANAF is asked by CUI."), field="cui", code="required"
        )
    if record.country and record.country != "RO":
        raise ValidationFailed(
            _("ANAF knows Romanian companies only; this record's country is %(country)s.")
            % {"country": record.country},
            field="cui",
            code="not_romanian",
        )
    company = anaf_lookup(record.cui, day=day)
    if company is None:
        raise ValidationFailed(
            _("ANAF has no company with CUI %(cui)s.") % {"cui": record.cui},
            field="cui",
            code="anaf_not_found",
        )
    return company


def prospect_fill_from_anaf(
    *,
    org: Organization,
    user: User,
    prospect_id: RecordId,
    version: int | None = None,
    day: dt.date | None = None,
) -> Prospect:
    """Fill a prospect's company name and identity from ANAF by its CUI.

    Unknown CUI, timeout or service error: a clear error, and the prospect is unchanged.
    A change made by someone else while ANAF answered is a stale version, not overwritten.
    """
    membership_of(org, user)
    prospect: Prospect = _record(Prospect, org, prospect_id, _("Prospect"))
    check_version(prospect, version)
    company = _company(prospect, day)
    return sales.prospect_update(
        org=org,
        user=user,
        prospect_id=prospect.pk,
        version=prospect.version,
        company_name=company.name,
        **company.identity_changes(),
    )


def account_fill_from_anaf(
    *,
    org: Organization,
    user: User,
    account_id: RecordId,
    version: int | None = None,
    day: dt.date | None = None,
) -> Account:
    """Fill an account's name and identity from ANAF by its CUI (as for a prospect)."""
    membership_of(org, user)
    account: Account = _record(Account, org, account_id, _("Account"))
    check_version(account, version)
    company = _company(account, day)
    return sales.account_update(
        org=org,
        user=user,
        account_id=account.pk,
        version=account.version,
        name=company.name,
        **company.identity_changes(),
    )
