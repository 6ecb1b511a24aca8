"""The web edge's own pages: dashboard, global search, language, organisation, saved filters."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcrm.core import selectors as core_selectors
from smartcrm.core import services as core_services
from smartcrm.core.errors import DomainError, NotFound
from smartcrm.core.models import Membership
from smartcrm.core.search import search as search_records
from smartcrm.web import dashboard, services
from smartcrm.web.context import SESSION_KEY, memberships_of
from smartcrm.web.decorators import member_view
from smartcrm.web.records_urls import record_url

SEARCH_LIMIT = 8


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, its form told where the request came from (it is limited
    per address)."""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


def _back(request: HttpRequest, fallback: str = "/") -> str:
    """Where to return after a small action: the page it came from, if it is ours."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@member_view
def home(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The dashboard ("My day"), in the member's time zone."""
    board = dashboard.dashboard(membership=membership)
    invited = core_selectors.invitations_pending_for(user=membership.user).count()
    with timezone.override(board.day.now.tzinfo):
        return render(request, "web/home.html", {"board": board, "invited": invited})


@member_view
@require_GET
def search(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The top bar's typeahead: the best hits over every kind of record."""
    query = request.GET.get("q", "").replace("\x00", "")[:200]
    hits = []
    if query.strip():
        try:
            found, _next = search_records(
                org=membership.organization, q=query, limit=SEARCH_LIMIT, member=membership
            )
        except DomainError:
            found = []
        hits = [(hit, record_url(hit.kind, hit.object_id)) for hit in found]
    return render(request, "web/partials/search_results.html", {"hits": hits, "query": query})


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    """The invitations waiting for the user's answer (any login, with or without an
    organisation yet)."""
    pending = list(core_selectors.invitations_pending_for(user=request.user))  # type: ignore[arg-type]  # login_required
    return render(request, "web/invitations.html", {"invitations": pending})


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: uuid.UUID, answer: str) -> HttpResponse:
    """Accept (and work there from now on) or decline an invitation."""
    if answer not in ("accept", "decline"):
        raise Http404("No such answer.")
    user: Any = request.user
    try:
        if answer == "accept":
            joined = core_services.invitation_accept(user=user, invitation_id=invitation_id)
            request.session[SESSION_KEY] = str(joined.organization_id)
            messages.success(
                request,
                _("Welcome to %(organisation)s.") % {"organisation": joined.organization.name},
            )
            return redirect("web:home")
        core_services.invitation_decline(user=user, invitation_id=invitation_id)
    except NotFound as error:  # someone else's, or answered already
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation was declined."))
    return redirect("web:invitations")


@login_required
@require_POST
def switch_organisation(request: HttpRequest, slug: str) -> HttpResponse:
    for membership in memberships_of(request):
        if membership.organization.slug == slug:
            request.session[SESSION_KEY] = str(membership.organization_id)
            return redirect("web:home")
    raise Http404("No such organisation.")


@login_required
@require_POST
def log_out_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, this one included (API tokens stay)."""
    core_services.user_log_out_everywhere(user=request.user)  # type: ignore[arg-type]  # login_required
    logout(request)
    messages.success(request, _("You were logged out on every device."))
    return redirect("web:login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the language: remembered on the user (every device), and in a cookie."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        return redirect(_back(request))
    if request.user.is_authenticated:
        core_services.user_set_language(user=request.user, language=language)
    response = redirect(_back(request))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@member_view
@require_POST
def saved_filter_save(request: HttpRequest, membership: Membership, list_key: str) -> HttpResponse:
    back = _back(request)
    query = urlsplit(back).query
    try:
        services.saved_filter_save(
            org=membership.organization,
            user=membership.user,
            list_key=list_key,
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") == "on",
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Filter saved."))
    return redirect(back)


@member_view
@require_POST
def saved_filter_delete(
    request: HttpRequest, membership: Membership, saved_filter_id: uuid.UUID
) -> HttpResponse:
    try:
        services.saved_filter_delete(
            org=membership.organization, user=membership.user, saved_filter_id=saved_filter_id
        )
    except NotFound:
        raise Http404("Not found.") from None
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Filter deleted."))
    return redirect(_back(request).split("?")[0])


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
