"""Every write of the sales module. Import from here: ``from smartcrm.sales import services``."""

from smartcrm.sales.services.accounts import account_create, account_delete, account_update
from smartcrm.sales.services.conversion import Conversion, prospect_convert
from smartcrm.sales.services.events import record_event
from smartcrm.sales.services.offers import (
    offer_change_status,
    offer_client_decision,
    offer_create,
    offer_delete,
    offer_line_add,
    offer_line_remove,
    offer_line_update,
    offer_update,
)
from smartcrm.sales.services.pipeline import pipeline_totals_rebuild
from smartcrm.sales.services.prospects import (
    prospect_create,
    prospect_delete,
    prospect_disqualify,
    prospect_qualify,
    prospect_set_status,
    prospect_update,
)

__all__ = [
    "Conversion",
    "account_create",
    "account_delete",
    "account_update",
    "offer_change_status",
    "offer_client_decision",
    "offer_create",
    "offer_delete",
    "offer_line_add",
    "offer_line_remove",
    "offer_line_update",
    "offer_update",
    "pipeline_totals_rebuild",
    "prospect_convert",
    "prospect_create",
    "prospect_delete",
    "prospect_disqualify",
    "prospect_qualify",
    "prospect_set_status",
    "prospect_update",
    "record_event",
]
