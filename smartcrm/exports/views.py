"""Web edge of exports: the download behind every list's "Export" button."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from ninja import FilterSchema

from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.exports.kinds import KINDS
from smartcrm.exports.responses import check_format, export_response
from smartcrm.exports.selectors import parse_filters
from smartcrm.exports.services import export_start
from smartcrm.web.decorators import member_view


def _web_filters(kind: str) -> type[FilterSchema] | None:
    """The filter class of the web list of ``kind``: the export holds what the list shows."""
    from smartcrm.activities.forms import ActivityPageFilters
    from smartcrm.sales.forms.prospects import AccountPageFilters, ProspectPageFilters
    from smartcrm.tasks.forms import TaskPageFilters

    pages: dict[str, type[FilterSchema]] = {
        "prospects": ProspectPageFilters,
        "accounts": AccountPageFilters,
        "activities": ActivityPageFilters,
        "tasks": TaskPageFilters,
    }
    return pages.get(kind)


@member_view  # type: ignore[arg-type]  # a download streams: not an HttpResponse subclass
def download(request: HttpRequest, membership: Membership, kind: str) -> HttpResponseBase:
    """GET /exports/<kind>/?format=csv|xlsx&<the list's query string>."""
    if kind not in KINDS:
        raise Http404(_("Nothing to export here."))
    org = membership.organization
    try:
        fmt = check_format(request.GET.get("format"))
        filters, ordering = parse_filters(kind, request.GET.dict(), schema=_web_filters(kind))
        export = export_start(
            org=org,
            user=membership.user,
            member=membership,
            kind=kind,
            fmt=fmt,
            filters=filters,
            ordering=ordering,
            columns=request.GET.get("columns"),
        )
    except NotFound:
        raise Http404(_("Nothing to export here.")) from None
    except DomainError as error:
        message = "; ".join(
            f"{issue.field}: {issue.message}" if issue.field else issue.message
            for issue in error.issues
        )
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return export_response(export, fmt=fmt, org=org)
