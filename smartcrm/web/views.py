"""The web edge: thin views that call selectors and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from smartcrm.core.modules import enabled_modules
from smartcrm.sales import selectors as sales
from smartcrm.tasks import selectors as tasks
from smartcrm.web.context import SESSION_KEY, current_membership, memberships_of

RECENT_OFFERS = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    if membership is None:
        return render(request, "web/no_organisation.html", status=403)
    org = membership.organization
    context = {
        "org": org,
        "membership": membership,
        "memberships": memberships_of(request),
        "modules": enabled_modules(org),
        "prospect_counts": sales.prospect_counts_by_status(org=org),
        "pipeline": sales.pipeline(org=org),
        "recent_offers": list(sales.offer_list(org=org)[:RECENT_OFFERS]),
        "my_tasks": list(tasks.open_tasks_of(org=org, user=membership.user)[:10])
        if "tasks" in enabled_modules(org)
        else [],
    }
    return render(request, "web/home.html", context)


@login_required
@require_POST
def switch_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    for membership in memberships_of(request):
        if membership.organization.slug == slug:
            request.session[SESSION_KEY] = str(membership.organization_id)
            return redirect("web:home")
    raise Http404("No such organisation.")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
