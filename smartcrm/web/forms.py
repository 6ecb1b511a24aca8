"""Forms of the web edge, and what every form shares: Bootstrap styling, domain errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from smartcrm.core.errors import DomainError
from smartcrm.core.login_guard import (
    Refusal,
    login_failed,
    login_refusal,
    login_succeeded,
    password_reset_refusal,
)
from smartcrm.core.tokens import api_tokens_revoke_all_of
from smartcrm.core.two_factor import two_factor_enabled
from smartcrm.web.client import client_address


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, ``is-invalid`` and aria links on fields in error.

    Mix it into any form: ``class ProspectForm(StyledForm, forms.Form)``; for a Django
    form class, ``class MyForm(StyledForm, PasswordChangeForm)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(
                widget, forms.CheckboxSelectMultiple | forms.RadioSelect
            ):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = ""
            else:
                css = "form-control"
            if css:
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"id_{name}_error"


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO (yyyy-mm-dd), shown localised."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (local time of the user)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the fields it names (else above the form)."""
    for issue in error.issues:
        field = issue.field if issue.field in form.fields else None
        form.add_error(field, issue.message)
    if isinstance(form, StyledForm):
        form.mark_invalid()


def refusal_message(refusal: Refusal) -> str:
    """What a refused login or reset request tells the person: how long to wait."""
    if refusal.locked:
        minutes = max(1, -(-refusal.seconds // 60))
        return ngettext(
            "Too many failed attempts: try again in %(count)d minute.",
            "Too many failed attempts: try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many failed attempts: wait %(count)d second and try again.",
        "Too many failed attempts: wait %(count)d seconds and try again.",
        refusal.seconds,
    ) % {"count": refusal.seconds}


class GuardedLogin(AuthenticationForm):
    """A login whose failures slow down and then lock the account and the address
    (``core.login_guard``); a refused attempt does not check the password at all."""

    channel = "web"

    def clean(self) -> dict[str, Any]:
        account = str(self.cleaned_data.get("username") or "")
        address = client_address(self.request) if self.request is not None else ""
        refusal = login_refusal(account=account, address=address)
        if refusal is not None:
            raise ValidationError(refusal_message(refusal), code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            if account and self.cleaned_data.get("password"):
                login_failed(account=account, address=address, channel=self.channel)
            raise
        # With two-factor authentication the failures are forgotten only after the code:
        # else each right password would give a guesser of codes a fresh set of tries.
        if account and not self.uses_two_factor():
            login_succeeded(account=account)
        return cleaned

    def uses_two_factor(self) -> bool:
        user = self.get_user()
        return user is not None and two_factor_enabled(user=user)


class GuardedAdminLogin(GuardedLogin, AdminAuthenticationForm):
    """The admin's login, guarded like the product's; it has no second step, so an account
    with two-factor authentication logs in on the product's login page first."""

    channel = "admin"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.uses_two_factor():
            raise ValidationError(
                _(
                    "This account uses two-factor authentication: log in on SmartCRM's "
                    "login page, then open the administration."
                ),
                code="two_factor",
            )
        return cleaned


class EmailAuthenticationForm(GuardedLogin):
    """Log in with the e-mail address."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class TwoFactorCodeForm(StyledForm):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class TwoFactorSetupForm(StyledForm):
    """The first code from the app being set up; moving it from another app, the password
    or a current code of that one as well."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    proof = forms.CharField(
        label=_("Password or a code from the app used until now"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, moving: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not moving:
            del self.fields["proof"]


class TwoFactorProofForm(StyledForm):
    """The password or a current code, before turning two-factor authentication off or
    making new recovery codes."""

    proof = forms.CharField(
        label=_("Password or a current code"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def version_from(data: Any) -> int | None:
    """The record version a form carried (hidden field), for stale-edit detection."""
    try:
        return int(data.get("version")) if data.get("version") else None
    except (TypeError, ValueError):
        return None


class StyledPasswordChangeForm(StyledForm, PasswordChangeForm):
    """The password change, which offers to revoke the user's API tokens as well (a
    password someone else may have known is a reason to)."""

    revoke_tokens = forms.BooleanField(
        label=_("Also revoke all my API tokens"),
        help_text=_("Programs using them stop working until you give them new tokens."),
        required=False,
    )

    @transaction.atomic
    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit and self.cleaned_data.get("revoke_tokens"):
            api_tokens_revoke_all_of(user=user)
        return user


class StyledPasswordResetForm(StyledForm, PasswordResetForm):
    """A reset request, limited per e-mail address and per address it comes from
    (whether or not an account holds the e-mail, so the answer tells nothing)."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"])
        address = client_address(self.request) if self.request is not None else ""
        refusal = password_reset_refusal(email=email, address=address)
        if refusal is not None:
            raise ValidationError(refusal_message(refusal), code="throttled")
        return email


class StyledSetPasswordForm(StyledForm, SetPasswordForm):
    """A password reset: whoever asked for it may have lost control of the account, so the
    user's API tokens are revoked with the old password."""

    @transaction.atomic
    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit:
            api_tokens_revoke_all_of(user=user)
        return user
