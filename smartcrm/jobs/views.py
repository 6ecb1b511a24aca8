"""Settings → Background jobs, for admins: the queue, the workers' heartbeats, failed jobs
(retry, discard); and the banner admins see when no worker has been heard of."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcrm.core.choices import Role
from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.core.permissions import has_role
from smartcrm.jobs import selectors, services
from smartcrm.web.decorators import is_htmx, member_view


def _forbidden(request: HttpRequest) -> HttpResponse:
    message = _("Only administrators and owners may see and handle background jobs.")
    response = render(request, "core/settings/forbidden.html", {"message": message}, status=403)
    response["X-Error-Message"] = quote(message)
    return response


def _page(request: HttpRequest, membership: Membership, status: int = 200) -> HttpResponse:
    """The page, or only its overview for htmx (its refresh, a retry or discard)."""
    overview = selectors.jobs_overview(org=membership.organization, user=membership.user)
    context = {
        "overview": overview,
        "section": "jobs",
        "dead_after": int(settings.SMARTCRM_WORKER_DEAD_AFTER),
        "partial": is_htmx(request),
    }
    template = "jobs/partials/overview.html" if is_htmx(request) else "jobs/overview.html"
    return render(request, template, context, status=status)


@member_view
@require_GET
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not has_role(membership, Role.ADMIN):
        return _forbidden(request)
    return _page(request, membership)


def _act(
    request: HttpRequest, membership: Membership, job_id: uuid.UUID, retry: bool
) -> HttpResponse:
    if not has_role(membership, Role.ADMIN):
        return _forbidden(request)
    org, user = membership.organization, membership.user
    try:
        if retry:
            services.job_retry(org=org, user=user, job_id=job_id)
        else:
            services.job_discard(org=org, user=user, job_id=job_id)
    except NotFound:
        raise Http404(_("No background job has this id.")) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The job was queued to run again.") if retry else _("The job was discarded."),
        )
    if is_htmx(request):
        return _page(request, membership)
    return redirect("jobs:overview")


@member_view
@require_POST
def job_retry(request: HttpRequest, membership: Membership, job_id: uuid.UUID) -> HttpResponse:
    return _act(request, membership, job_id, retry=True)


@member_view
@require_POST
def job_discard(request: HttpRequest, membership: Membership, job_id: uuid.UUID) -> HttpResponse:
    return _act(request, membership, job_id, retry=False)


@member_view
@require_GET
def banner(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Loaded by every page of an admin after it shows: a warning when no worker has been
    heard of for a while, else nothing (204: the page stays as it is). Noticing the silence
    first, it also e-mails the admins (once for it)."""
    if not has_role(membership, Role.ADMIN) or services.workers_missing_notice() is None:
        return HttpResponse(status=204)
    minutes = max(int(settings.SMARTCRM_WORKER_MISSING_AFTER // 60), 1)
    return render(request, "jobs/partials/banner.html", {"minutes": minutes})
