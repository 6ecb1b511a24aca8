"""What every page needs before it runs: a logged-in member of an organisation."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation

from smartcrm.core.errors import NotFound
from smartcrm.core.models import Membership
from smartcrm.core.selectors import tenant_get
from smartcrm.core.two_factor import two_factor_setup_needed
from smartcrm.web.context import current_membership

View = Callable[..., HttpResponse]
M = TypeVar("M", bound=models.Model)


def member_view(view: View) -> View:
    """Log in required; the view receives the member's Membership (organisation, user, role).

    The membership is also kept on the request, so the layout does not look it up again. A
    member whose organisation requires two-factor authentication of them, and who has not
    set it up, is sent to set it up instead."""
    return _member_view(view, setup_page=False)


def two_factor_setup_view(view: View) -> View:
    """Like ``member_view``, for the pages where a member sets up two-factor authentication
    (open to a member who must set it up and has not yet)."""
    return _member_view(view, setup_page=True)


def _member_view(view: View, *, setup_page: bool) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = current_membership(request)
        if membership is None:
            return render(request, "web/no_organisation.html", status=403)
        request.membership = membership  # type: ignore[attr-defined]  # read by the layout
        if not setup_page and two_factor_setup_needed(membership=membership):
            return _to_two_factor_setup(request)
        # The member reads SmartCRM in their language, else their organisation's.
        language = membership.user.language or membership.organization.language
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        # Times are shown and read in the member's time zone, else the organisation's.
        zone = membership.user.time_zone or membership.organization.time_zone
        try:
            timezone.activate(zoneinfo.ZoneInfo(zone)) if zone else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return view(request, membership, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper


def _to_two_factor_setup(request: HttpRequest) -> HttpResponse:
    url = reverse("web:two-factor")
    if is_htmx(request):  # a partial must not land inside the page: the whole page goes
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def record_or_404(
    source: type[M] | QuerySet[M],
    membership: Membership,
    record_id: uuid.UUID | str,
    *,
    module: str | None = None,
) -> M:
    """The organisation's record with this id; another organisation's is a 404, not a 403,
    and so is one outside the member's view scope of ``module`` (core.scopes).

    ``source`` is a model or a queryset (to add select_related, say)."""
    if module is not None:
        queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
        source = queryset.visible_to(membership, module)  # type: ignore[attr-defined]  # a TenantQuerySet
    try:
        return tenant_get(source, org=membership.organization, record_id=record_id)
    except NotFound:
        raise Http404("Not found.") from None


def is_htmx(request: HttpRequest) -> bool:
    """The request came from htmx (a partial update), not a full page load."""
    return request.headers.get("HX-Request") == "true"
