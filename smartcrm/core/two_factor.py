"""Two-factor authentication: an authenticator app's codes (TOTP) and one-time recovery codes.

The devices are django-otp's: a user's ``TOTPDevice`` is unconfirmed while it is being set
up and confirmed once the user typed a right code from it; the recovery codes are the
tokens of one ``StaticDevice`` (each deleted when used). A user with a confirmed TOTP device
uses two-factor authentication. The web login asks for a code after the password and logs
the session in only when it is right, so every session of such a user passed the second
step; API tokens are a factor of their own and are not asked for codes.

An organisation may require it (``Organization.two_factor_required``) of its owners and
administrators or of every member; a member who must and does not is sent to set it up.
Nothing here reads a request or counts failures: the edges do (``core.login_guard``).
"""

from __future__ import annotations

import base64
import re

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from smartcrm.core.choices import Role, TwoFactorPolicy
from smartcrm.core.errors import ValidationFailed
from smartcrm.core.models import Membership, User

RECOVERY_CODES = 10
APP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"
WRONG_PROOF = "wrong_proof"
_NOT_CODE = re.compile(r"[\s-]+")


def _normalized(code: str) -> str:
    return _NOT_CODE.sub("", code or "").lower()


# --- selectors --------------------------------------------------------------------------


def two_factor_enabled(*, user: User) -> bool:
    """The user logs in with a code from an authenticator app after the password."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(*, membership: Membership) -> bool:
    """The member's organisation requires two-factor authentication of them."""
    policy = membership.organization.two_factor_required
    if policy == TwoFactorPolicy.EVERYONE:
        return True
    return policy == TwoFactorPolicy.ADMINS and membership.role in (Role.OWNER, Role.ADMIN)


def two_factor_setup_needed(*, membership: Membership) -> bool:
    """The member must set up two-factor authentication before using SmartCRM."""
    return two_factor_required(membership=membership) and not two_factor_enabled(
        user=membership.user
    )


def recovery_codes_left(*, user: User) -> int:
    """How many unused recovery codes the user has."""
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE_NAME, device__confirmed=True
    ).count()


def app_secret(device: TOTPDevice) -> str:
    """The device's key as the text an app takes when typed in (base32, groups of four)."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def app_qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as a QR code, an SVG document."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2, box_size=8
    )
    return str(image.to_string(encoding="unicode"))


# --- services ---------------------------------------------------------------------------


@transaction.atomic
def two_factor_setup_begin(*, user: User) -> TOTPDevice:
    """The unconfirmed app device the user is setting up (made once, so that reloading the
    page shows the same secret); a confirmed one stays in use until the new one is confirmed."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def two_factor_setup_confirm(*, user: User, code: str, proof: str = "") -> list[str]:
    """Turn two-factor authentication on with a right code from the app being set up; the
    new recovery codes are returned, to be shown once. Moving it to another app needs the
    password or a current code of the old one (else a borrowed session could take it)."""
    if two_factor_enabled(user=user):
        _confirm_identity(user, proof)
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk")
    ).first()
    if device is None:
        raise ValidationFailed(_("Start the set-up again: it was not begun."), field="code")
    if not device.verify_token(_normalized(code)):
        raise ValidationFailed(
            _("This code is not right: type the one the app shows now."), field="code"
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return _new_recovery_codes(user)


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_verify(*, user: User, code: str) -> bool:
    """Whether ``code`` is the app's current code or one of the user's recovery codes (a
    recovery code is used up). A code is accepted once: the device row is locked, so two
    requests with one code cannot both pass."""
    code = _normalized(code)
    if not code:
        return False
    if code.isdigit():
        app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        return app is not None and bool(app.verify_token(code))
    recovery = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    return recovery is not None and bool(recovery.verify_token(code))


def _confirm_identity(user: User, proof: str) -> None:
    if not (proof and user.check_password(proof)) and not two_factor_verify(user=user, code=proof):
        raise ValidationFailed(
            _("Type your password or a current code from your app."),
            field="proof",
            code=WRONG_PROOF,
        )


@transaction.atomic
def two_factor_disable(*, user: User, proof: str) -> None:
    """Turn two-factor authentication off, given the password or a current code; not while
    one of the user's organisations requires it of them."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related(
        "organization"
    )
    if any(two_factor_required(membership=membership) for membership in memberships):
        raise ValidationFailed(
            _("Your organisation requires two-factor authentication: it cannot be turned off."),
            field="proof",
            code="two_factor_required",
        )
    _confirm_identity(user, proof)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def recovery_codes_regenerate(*, user: User, proof: str) -> list[str]:
    """New recovery codes (the old ones stop working), given the password or a current code."""
    if not two_factor_enabled(user=user):
        raise ValidationFailed(_("Two-factor authentication is off."), field="proof")
    _confirm_identity(user, proof)
    return _new_recovery_codes(user)
