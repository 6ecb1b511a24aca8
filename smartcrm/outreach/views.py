"""The client's pages: no login, no session; the signed link in the URL is the key.

Each view resolves the link, asks whether it may be used, and renders in the offer's
language. A link that is not one of ours is a 404; one that was withdrawn, expired or
already used for a decision is a 410; neither changes anything.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from smartcrm.core.errors import DomainError, ValidationFailed
from smartcrm.core.ratelimits import over_limit
from smartcrm.outreach import selectors, services
from smartcrm.outreach.choices import LinkDecision
from smartcrm.outreach.forms import AcceptForm, DeclineForm
from smartcrm.outreach.models import OfferLink
from smartcrm.web.client import client_address
from smartcrm.web.dialogs import show_error


def _private(response: HttpResponse, language: str) -> HttpResponse:
    """The URL is a secret: not cached, not indexed, not leaked in a Referer header."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = language
    return response


def _too_many(request: HttpRequest) -> HttpResponse | None:
    """The client pages answer SMARTCRM_CLIENT_PAGE_RATE requests per address (a link
    guessed or shared too widely must not make the server render PDFs without end)."""
    wait = over_limit(f"client-page:{client_address(request)}", settings.SMARTCRM_CLIENT_PAGE_RATE)
    if wait is None:
        return None
    with translation.override(translation.get_language()):
        context = {
            "heading": _("Too many requests"),
            "message": _("Please try again in a minute."),
            "org": None,
            "offer": None,
            "link": None,
        }
        response = render(request, "outreach/problem.html", context, status=429)
    response["Retry-After"] = str(wait)
    return _private(response, translation.get_language())


def _problem_headings() -> dict[str, str]:
    return {
        "link_invalid": _("This link does not work"),
        "link_revoked": _("This link was withdrawn"),
        "link_expired": _("This link has expired"),
        "link_decided": _("You already answered"),
        "offer_not_open": _("This offer is no longer open"),
    }


def _problem_page(
    request: HttpRequest, error: DomainError, link: OfferLink | None = None
) -> HttpResponse:
    language = link.offer.language if link is not None else translation.get_language()
    status = 404 if error.kind == "not_found" else 410
    with translation.override(language):
        context = {
            "heading": _problem_headings().get(error.code, _("This link cannot be used")),
            "message": error.message,
            "org": link.organization if link is not None else None,
            "offer": link.offer if link is not None else None,
            "link": link,
        }
        response = render(request, "outreach/problem.html", context, status=status)
    return _private(response, language)


def _offer_page(
    request: HttpRequest,
    link: OfferLink,
    token: str,
    *,
    accept_form: AcceptForm | None = None,
    decline_form: DeclineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    client = selectors.client_offer(link=link)
    with translation.override(client.offer.language), timezone.override(client.org.time_zone):
        context = {
            "client": client,
            "org": client.org,
            "offer": client.offer,
            "link": link,
            "token": token,
            "accepted": link.decision == LinkDecision.ACCEPTED,
            "accept_form": accept_form or AcceptForm(prefix="accept"),
            "decline_form": decline_form or DeclineForm(prefix="decline"),
        }
        response = render(request, "outreach/offer.html", context, status=status)
    return _private(response, client.offer.language)


@require_safe
def offer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The offer as the client sees it, with the accept and decline forms (or, once
    answered, their answer)."""
    if (refused := _too_many(request)) is not None:
        return refused
    try:
        link = selectors.link_from_token(token=token)
    except DomainError as error:
        return _problem_page(request, error)
    refusal = selectors.link_refusal(link, deciding=False)
    if refusal is not None:
        return _problem_page(request, refusal, link)
    return _offer_page(request, link, token)


@require_safe
def offer_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The offer's PDF, shown in the browser (``?download=1`` saves it)."""
    if (refused := _too_many(request)) is not None:
        return refused
    try:
        link = selectors.link_from_token(token=token)
    except DomainError as error:
        return _problem_page(request, error)
    refusal = selectors.link_refusal(link, deciding=False)
    if refusal is not None:
        return _problem_page(request, refusal, link)
    from smartcrm.sales.documents import offer_pdf as render_pdf  # WeasyPrint: loaded late

    offer = link.offer
    pdf = render_pdf(org=link.organization, offer=offer, language=offer.language)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{offer.number}.pdf"'
    return _private(response, offer.language)


@require_POST
def decide(request: HttpRequest, token: str, decision: str) -> HttpResponse:
    """Accept (name, optional note) or decline (reason); then the page shows the answer."""
    if (refused := _too_many(request)) is not None:
        return refused
    try:
        link = selectors.link_from_token(token=token)
    except DomainError as error:
        return _problem_page(request, error)
    refusal = selectors.link_refusal(link, deciding=True)
    if refusal is not None:
        return _problem_page(request, refusal, link)
    with translation.override(link.offer.language):
        form: AcceptForm | DeclineForm = (
            AcceptForm(request.POST, prefix="accept")
            if decision == LinkDecision.ACCEPTED
            else DeclineForm(request.POST, prefix="decline")
        )
        if form.is_valid():
            try:
                services.offer_link_decide(token=token, decision=decision, **form.cleaned_data)
            except ValidationFailed as error:
                show_error(form, error)
            except DomainError as error:
                return _problem_page(request, error, link)
            else:
                return redirect(reverse("web:outreach:offer", kwargs={"token": token}))
    return _offer_page(
        request,
        link,
        token,
        accept_form=form if isinstance(form, AcceptForm) else None,
        decline_form=form if isinstance(form, DeclineForm) else None,
        status=422,
    )
