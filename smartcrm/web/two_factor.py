"""The login in two steps, and the user's two-factor authentication pages.

After a right password, a user with two-factor authentication is not logged in: the session
keeps only who is waiting for the second step (for SMARTCRM_TWO_FACTOR_STEP_SECONDS), and
``login()`` runs when the code is right. Wrong codes count as failed logins
(``core.login_guard``, channel "two-factor"), so guessing them slows down and locks the
account and the address like guessing passwords.
"""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smartcrm.core import two_factor
from smartcrm.core.errors import DomainError, ValidationFailed
from smartcrm.core.login_guard import login_failed, login_refusal, login_succeeded
from smartcrm.core.models import Membership, User
from smartcrm.web.client import client_address
from smartcrm.web.decorators import two_factor_setup_view
from smartcrm.web.forms import (
    EmailAuthenticationForm,
    TwoFactorCodeForm,
    TwoFactorProofForm,
    TwoFactorSetupForm,
    add_domain_error,
    refusal_message,
)

PENDING_KEY = "_smartcrm_two_factor_pending"
CHANNEL = "two-factor"


class LoginView(auth_views.LoginView):
    """The password step; with two-factor authentication it leads to the code step."""

    template_name = "web/login.html"
    authentication_form = EmailAuthenticationForm

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not two_factor.two_factor_enabled(user=user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": str(user.pk),
            "backend": user.backend,
            "account": str(form.cleaned_data.get("username") or user.email),
            "until": time.time() + settings.SMARTCRM_TWO_FACTOR_STEP_SECONDS,
            "next": self.get_success_url(),
        }
        return redirect("web:login-code")


def _pending(request: HttpRequest) -> tuple[dict[str, Any], User] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or float(pending.get("until", 0)) < time.time():
        return None
    try:
        user_id = uuid.UUID(str(pending.get("user")))
    except ValueError:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return (pending, user) if user is not None else None


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app or a recovery code, then the login."""
    found = _pending(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Log in again: the time for the code ran out."))
        return redirect("web:login")
    pending, user = found
    form = TwoFactorCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        account, address = pending["account"], client_address(request)
        refusal = login_refusal(account=account, address=address)
        if refusal is not None:
            form.add_error("code", refusal_message(refusal))
        elif two_factor.two_factor_verify(user=user, code=form.cleaned_data["code"]):
            del request.session[PENDING_KEY]
            login(request, user, backend=pending["backend"])
            login_succeeded(account=account)
            return redirect(pending["next"])
        else:
            login_failed(account=account, address=address, channel=CHANNEL)
            form.add_error("code", _("This code is not right."))
        form.mark_invalid()
    status = 422 if form.errors else 200
    return render(request, "web/two_factor/login_code.html", {"form": form}, status=status)


# --- the user's pages --------------------------------------------------------------------


@two_factor_setup_view
@require_http_methods(["GET"])
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Whether two-factor authentication is on, and what the user can do about it."""
    user = membership.user
    context = {
        "enabled": two_factor.two_factor_enabled(user=user),
        "required": two_factor.two_factor_required(membership=membership),
        "codes_left": two_factor.recovery_codes_left(user=user),
        "codes_form": TwoFactorProofForm(auto_id="codes_%s"),
        "off_form": TwoFactorProofForm(auto_id="off_%s"),
    }
    return render(request, "web/two_factor/overview.html", context)


@two_factor_setup_view
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The secret as a QR code and as text; a right code from the app turns it on."""
    user = membership.user
    moving = two_factor.two_factor_enabled(user=user)
    form = TwoFactorSetupForm(request.POST if request.method == "POST" else None, moving=moving)
    if request.method == "POST" and form.is_valid():
        account, address = user.email, client_address(request)
        refusal = login_refusal(account=account, address=address) if moving else None
        try:
            if refusal is not None:
                raise ValidationFailed(refusal_message(refusal), field="proof")
            codes = two_factor.two_factor_setup_confirm(
                user=user, code=form.cleaned_data["code"], proof=form.cleaned_data.get("proof", "")
            )
        except DomainError as error:
            if error.code == two_factor.WRONG_PROOF:
                login_failed(account=account, address=address, channel=CHANNEL)
            add_domain_error(form, error)
        else:
            messages.success(request, _("Two-factor authentication is on."))
            return _show_codes(request, codes)
    device = two_factor.two_factor_setup_begin(user=user)
    svg = two_factor.app_qr_svg(device).encode()
    context = {
        "form": form,
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
        "secret": two_factor.app_secret(device),
    }
    status = 422 if form.errors else 200
    return render(request, "web/two_factor/setup.html", context, status=status)


def _show_codes(request: HttpRequest, codes: list[str]) -> HttpResponse:
    # Shown once, in the answer to the POST that made them: they are kept nowhere readable.
    return render(request, "web/two_factor/recovery_codes.html", {"codes": codes})


def _proof_refused(request: HttpRequest, membership: Membership) -> HttpResponse | None:
    refusal = login_refusal(account=membership.user.email, address=client_address(request))
    if refusal is None:
        return None
    messages.error(request, refusal_message(refusal))
    return redirect("web:two-factor")


def _proof_failed(request: HttpRequest, membership: Membership, error: DomainError) -> None:
    if error.code == two_factor.WRONG_PROOF:
        login_failed(
            account=membership.user.email, address=client_address(request), channel=CHANNEL
        )
    messages.error(request, str(error))


@two_factor_setup_view
@require_POST
def disable(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Turn two-factor authentication off (the password or a current code first)."""
    refused = _proof_refused(request, membership)
    if refused is not None:
        return refused
    form = TwoFactorProofForm(request.POST)
    try:
        two_factor.two_factor_disable(
            user=membership.user, proof=form.cleaned_data["proof"] if form.is_valid() else ""
        )
    except DomainError as error:
        _proof_failed(request, membership, error)
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("web:two-factor")


@two_factor_setup_view
@require_POST
def recovery_codes(request: HttpRequest, membership: Membership) -> HttpResponse:
    """New recovery codes, shown once; the old ones stop working."""
    refused = _proof_refused(request, membership)
    if refused is not None:
        return refused
    form = TwoFactorProofForm(request.POST)
    try:
        codes = two_factor.recovery_codes_regenerate(
            user=membership.user, proof=form.cleaned_data["proof"] if form.is_valid() else ""
        )
    except DomainError as error:
        _proof_failed(request, membership, error)
        return redirect("web:two-factor")
    return _show_codes(request, codes)
