"""Writes of the core module: organisations, users, memberships, departments, modules."""

from __future__ import annotations

import hashlib
import io
import secrets
import uuid
from collections.abc import Iterable
from typing import Any
from xml.etree import ElementTree

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smartcrm.core import writes
from smartcrm.core.audit import (
    AuditAction,
    audit,
    audit_created,
    audit_deleted,
    audit_updated,
    changes_of,
)
from smartcrm.core.choices import Role
from smartcrm.core.errors import Conflict, FieldIssue, NotFound, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import (
    CustomRole,
    Department,
    Invitation,
    InvitationDecision,
    Membership,
    Organization,
    User,
    normalize_email,
)
from smartcrm.core.modules import OPTIONAL, Module
from smartcrm.core.permissions import ROLE_RANK, ensure_member, require_role
from smartcrm.core.scopes import full_grants, grant_problems
from smartcrm.core.validators import normalize_cui, normalize_trade_register

ORGANIZATION_FIELDS = (
    "name",
    "cui",
    "vat_payer",
    "trade_register",
    "address",
    "postal_code",
    "locality",
    "county",
    "country",
    "phone",
    "email",
    "website",
    "iban",
    "bank_name",
    "base_currency",
    "language",
    "time_zone",
    "offer_pdf_design",
    "offer_terms",
    "offer_footer",
    "two_factor_required",
)
# The logo is not among ORGANIZATION_FIELDS: a file name given as text would skip the content
# checks of organization_set_logo, the one way to set it.
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 6000  # pixels; a bigger image is a mistake, not a logo
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
SVG_REFUSED_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "embed", "object"})


def normalize_identity(instance: Any) -> None:
    """CUI to digits (the RO prefix means VAT payer), trade-register number compact."""
    if instance.cui:
        digits, vat_prefix = normalize_cui(instance.cui)
        instance.cui = digits
        instance.vat_payer = instance.vat_payer or vat_prefix
    if instance.trade_register:
        instance.trade_register = normalize_trade_register(instance.trade_register)
    if instance.country:
        instance.country = instance.country.strip().upper()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, counter = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str = "", **fields: Any) -> Organization:
    """Create an organisation with ``owner`` as its first member (role owner)."""
    org = Organization(name=name, slug=slug or _unique_slug(name))
    writes.apply_changes(org, fields, allowed=ORGANIZATION_FIELDS)
    normalize_identity(org)
    writes.validate(org)
    writes.save(org, new_version=False)
    Membership.objects.create(organization=org, user=owner, role=Role.OWNER)
    return org


@transaction.atomic
def organization_update(
    *, org: Organization, user: User, version: int | None = None, **changes: Any
) -> Organization:
    """Change the organisation's details (admins and owners)."""
    require_role(org, user, Role.ADMIN)
    current = writes.lock(Organization.objects.all(), org.pk, version=version)
    changed = writes.apply_changes(current, changes, allowed=ORGANIZATION_FIELDS)
    normalize_identity(current)
    writes.validate(current)
    writes.save(current)
    if changed:
        audit(
            org=org,
            user=user,
            action=AuditAction.SETTINGS_CHANGED,
            record=current,
            changes=changes_of(current, changed),
        )
    return current


@transaction.atomic
def organization_set_modules(
    *, org: Organization, user: User, enabled: Iterable[str], version: int | None = None
) -> Organization:
    """Choose which optional modules the organisation uses; data of a switched-off one stays."""
    require_role(org, user, Role.ADMIN)
    known = {m.value for m in Module}
    unknown = sorted(set(enabled) - known)
    if unknown:
        raise ValidationFailed(
            _("Unknown module: %(names)s.") % {"names": ", ".join(unknown)}, field="modules"
        )
    current = writes.lock(Organization.objects.all(), org.pk, version=version)
    disabled_before = list(current.disabled_modules)
    current.disabled_modules = [m for m in OPTIONAL if m not in enabled]
    writes.save(current)
    if disabled_before != current.disabled_modules:
        audit(
            org=org,
            user=user,
            action=AuditAction.SETTINGS_CHANGED,
            record=current,
            changes={"disabled_modules": [disabled_before, current.disabled_modules]},
        )
    org.disabled_modules, org.version = current.disabled_modules, current.version
    return current


def _logo_kind(content: bytes) -> str:
    """What the bytes are ("png", "jpeg", "svg"), whatever the file is called; else an error."""
    if content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(content)) as image:
                kind, size = (image.format or "").lower(), image.size
                image.verify()
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
        ):
            kind = ""
        if kind in {"png", "jpeg"}:
            if max(size) > LOGO_MAX_SIDE:
                raise ValidationFailed(
                    _("The logo is too large: at most %(side)s pixels on each side.")
                    % {"side": LOGO_MAX_SIDE},
                    field="logo",
                    code="logo_too_large",
                )
            return kind
    elif _is_safe_svg(content):
        return "svg"
    raise ValidationFailed(
        _("The logo must be a PNG, JPEG or SVG image."), field="logo", code="logo_type"
    )


def _is_safe_svg(content: bytes) -> bool:
    """An SVG document without scripts, event handlers, entities or outside references
    (it is shown in browsers, and WeasyPrint must not fetch anything for it)."""
    upper = content.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        return False
    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, ValueError):
        return False
    if root.tag not in {"svg", f"{{{SVG_NAMESPACE}}}svg"}:
        return False
    for element in root.iter():
        if _local_name(element.tag) in SVG_REFUSED_ELEMENTS:
            return False
        texts = [element.text or ""] if _local_name(element.tag) == "style" else []
        for name, value in element.attrib.items():
            attribute = _local_name(name)
            if attribute.startswith("on"):
                return False
            if attribute == "href" and not value.strip().startswith(("#", "data:image/")):
                return False
            texts.append(value)
        # url(#gradient) points inside the document; any other url(...) points outside.
        for text in texts:
            compact = "".join(text.split()).lower()
            if compact.count("url(") != compact.count("url(#"):
                return False
    return True


def _local_name(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


@transaction.atomic
def organization_set_logo(
    *, org: Organization, user: User, uploaded_file: Any | None
) -> Organization:
    """Set the logo shown on offers (PNG, JPEG or SVG up to 1 MB, judged by its content);
    ``None`` removes it. Admins and owners."""
    require_role(org, user, Role.ADMIN)
    current = writes.lock(Organization.objects.all(), org.pk)
    old_name = current.logo.name if current.logo else ""
    if uploaded_file is None:
        current.logo = ""  # an empty name clears the file field
    else:
        content = _read_limited(uploaded_file)
        kind = _logo_kind(content)
        digest = hashlib.sha256(content).hexdigest()[:16]
        # Our own name: the uploaded name is neither trusted nor kept.
        current.logo.save(f"{current.pk}-{digest}.{kind}", ContentFile(content), save=False)
    writes.save(current)
    new_name = current.logo.name if current.logo else ""
    audit(
        org=org,
        user=user,
        action=AuditAction.SETTINGS_CHANGED,
        record=current,
        changes={"logo": [old_name, new_name]},
    )
    if old_name and old_name != new_name:
        storage = current.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    org.logo, org.version = current.logo, current.version
    return current


def _read_limited(uploaded_file: Any) -> bytes:
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > LOGO_MAX_BYTES:
        content = b""
    else:
        if hasattr(uploaded_file, "seek"):
            uploaded_file.seek(0)
        content = uploaded_file.read(LOGO_MAX_BYTES + 1)
    if not content or len(content) > LOGO_MAX_BYTES:
        raise ValidationFailed(
            _("The logo must be a file of at most 1 MB."), field="logo", code="logo_size"
        )
    return bytes(content)


def _validate_new_user(email: str, password: str | None) -> str:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    email = normalize_email(email)
    issues: list[FieldIssue] = []
    try:
        validate_email(email)
    except ValidationError as error:
        issues.append(FieldIssue("email", " ".join(error.messages)))
    if User.objects.filter(email__iexact=email).exists():
        issues.append(
            FieldIssue("email", _("A user with this e-mail already exists."), "duplicate")
        )
    if password is not None:
        try:
            validate_password(password, User(email=email))
        except ValidationError as error:
            issues.append(FieldIssue("password", " ".join(error.messages), "weak_password"))
    if issues:
        raise ValidationFailed.from_issues(issues)
    return email


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    check_password: bool = True,
) -> User:
    """Create a login. ``password=None`` makes an account that must set its password."""
    email = _validate_new_user(email, password if check_password else None)
    user = User(email=email, first_name=first_name, last_name=last_name, language=language)
    user.set_password(password) if password else user.set_unusable_password()
    writes.validate(user, exclude=["password"])
    writes.save(user, new_version=False)
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language the user reads SmartCRM in ("" follows the organisation's)."""
    user = writes.lock(User.objects.all(), user.pk, label=_("User"))
    user.language = language
    writes.validate(user, exclude=["password"])
    return writes.save(user, new_version=False)


@transaction.atomic
def user_log_out_everywhere(*, user: User) -> User:
    """End every session of ``user``, on every device (API tokens are not sessions: they stay)."""
    user = writes.lock(User.objects.all(), user.pk, label=_("User"))
    user.session_salt = secrets.token_hex(16)
    return writes.save(user, new_version=False)


@transaction.atomic
def membership_add(
    *,
    org: Organization,
    user: User,
    member: User,
    role: str = Role.SALES,
    department: Department | None = None,
) -> Membership:
    """Add ``member`` to the organisation. Only an owner may add another owner."""
    acting = require_role(org, user, Role.ADMIN)
    _check_role_grant(acting, role)
    if Membership.objects.filter(organization=org, user=member).exists():
        raise Conflict(_("This user is already a member."), field="user", code="duplicate")
    if department is not None and department.organization_id != org.pk:
        raise ValidationFailed(_("Department not found."), field="department")
    membership = Membership(organization=org, user=member, role=role, department=department)
    writes.validate(membership)
    writes.save(membership, new_version=False)
    audit(
        org=org,
        user=user,
        action=AuditAction.MEMBERSHIP_CHANGED,
        record=membership,
        label=member.email,
        changes={"role": [None, role], "department_id": [None, membership.department_id]},
        added=True,
    )
    return membership


def _check_role_grant(acting: Membership, role: str) -> None:
    if role not in ROLE_RANK:
        raise ValidationFailed(_("Unknown role."), field="role")
    if role == Role.OWNER and acting.role != Role.OWNER:
        raise ValidationFailed(_("Only an owner can make someone an owner."), field="role")


@transaction.atomic
def membership_update(
    *,
    org: Organization,
    user: User,
    membership_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Membership:
    """Change a member's role, custom role (``custom_role_id``: its grants replace the
    role's on records), department or active flag; the last owner stays an owner."""
    acting = require_role(org, user, Role.ADMIN)
    membership = writes.lock(
        Membership.objects.filter(organization=org),
        membership_id,
        version=version,
        label=_("Member"),
    )
    if "role" in changes:
        _check_role_grant(acting, changes["role"])
    department = changes.get("department")
    if department is not None and department.organization_id != org.pk:
        raise ValidationFailed(_("Department not found."), field="department")
    for key, model, label in (
        ("custom_role_id", CustomRole, _("Role not found.")),
        ("department_id", Department, _("Department not found.")),
    ):
        wanted = changes.get(key)
        if wanted is not None and not model.objects.for_org(org).filter(pk=wanted).exists():
            raise ValidationFailed(label, field=key)
    was_owner = membership.role == Role.OWNER and membership.is_active
    changed = writes.apply_changes(
        membership,
        changes,
        allowed=("role", "department", "department_id", "custom_role_id", "is_active"),
    )
    still_owner = membership.role == Role.OWNER and membership.is_active
    if was_owner and not still_owner:
        if acting.role != Role.OWNER:
            raise ValidationFailed(_("Only an owner can change an owner."), field="role")
        others = Membership.objects.filter(organization=org, role=Role.OWNER, is_active=True)
        if not others.exclude(pk=membership.pk).exists():
            raise Conflict(_("An organisation needs at least one owner."), field="role")
    writes.validate(membership)
    writes.save(membership)
    if changed:
        audit(
            org=org,
            user=user,
            action=AuditAction.MEMBERSHIP_CHANGED,
            record=membership,
            label=membership.user.email,
            changes=changes_of(membership, changed),
        )
    return membership


def _check_department_links(org: Organization, department: Department) -> None:
    """A parent of the same organisation that is not the department itself nor under it;
    a head who is an active member."""
    if department.parent_id is not None:
        try:
            department.parent_id = uuid.UUID(str(department.parent_id))
        except ValueError:
            raise ValidationFailed(_("Department not found."), field="parent_id") from None
        parents = dict(Department.objects.for_org(org).values_list("id", "parent_id"))
        if department.parent_id not in parents:
            raise ValidationFailed(_("Department not found."), field="parent_id")
        seen = set()
        ancestor: Any = department.parent_id
        while ancestor is not None and ancestor not in seen:
            if ancestor == department.pk:
                raise ValidationFailed(
                    _("A department cannot sit under itself or one of its sub-departments."),
                    field="parent_id",
                    code="department_cycle",
                )
            seen.add(ancestor)
            ancestor = parents.get(ancestor)
    ensure_member(org, department.head_id, field="head_id")


@transaction.atomic
def department_create(
    *,
    org: Organization,
    user: User,
    name: str,
    description: str = "",
    active: bool = True,
    parent_id: RecordId | None = None,
    head_id: RecordId | None = None,
) -> Department:
    """Create a department, under ``parent_id`` if given, headed by ``head_id``."""
    require_role(org, user, Role.ADMIN)
    department = Department(
        organization=org, created_by=user, name=name, description=description, active=active
    )
    writes.apply_changes(
        department, {"parent_id": parent_id, "head_id": head_id}, allowed=DEPARTMENT_FIELDS
    )
    _check_department_links(org, department)
    writes.validate(department)
    writes.save(department)
    audit_created(org=org, user=user, record=department)
    return department


DEPARTMENT_FIELDS = ("name", "description", "active", "parent_id", "head_id")


@transaction.atomic
def department_update(
    *,
    org: Organization,
    user: User,
    department_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> Department:
    """Rename, describe, move (``parent_id``), head (``head_id``) or (de)activate a
    department; a move that would put it under itself is refused naming ``parent_id``."""
    require_role(org, user, Role.ADMIN)
    department = writes.lock(Department.objects.for_org(org), department_id, version=version)
    changed = writes.apply_changes(department, changes, allowed=DEPARTMENT_FIELDS)
    if {"parent_id", "head_id"} & set(changed):
        _check_department_links(org, department)
    writes.validate(department)
    writes.save(department)
    if changed:
        audit_updated(org=org, user=user, record=department, changed=changed)
    return department


@transaction.atomic
def department_delete(
    *, org: Organization, user: User, department_id: RecordId, version: int | None = None
) -> None:
    """Delete a department; its members keep their membership without a department, its
    sub-departments move up to its parent."""
    require_role(org, user, Role.ADMIN)
    department = writes.lock(Department.objects.for_org(org), department_id, version=version)
    audit_deleted(org=org, user=user, record=department)
    Department.objects.for_org(org).filter(parent=department).update(parent_id=department.parent_id)
    department.delete()


def _check_grants(grants: object) -> dict[str, dict[str, str]]:
    problems = grant_problems(grants)
    if problems:
        raise ValidationFailed.from_issues(
            [FieldIssue(key, message, "invalid_grant") for key, message in problems]
        )
    assert isinstance(grants, dict)
    # Stored whole: every module and action, none where the table said nothing.
    return full_grants(grants)


@transaction.atomic
def custom_role_create(
    *,
    org: Organization,
    user: User,
    name: str,
    grants: dict[str, dict[str, str]],
    description: str = "",
) -> CustomRole:
    """Define a role: per module and action, a scope (admins and owners)."""
    require_role(org, user, Role.ADMIN)
    role = CustomRole(
        organization=org,
        created_by=user,
        name=" ".join(name.split()),
        description=description,
        grants=_check_grants(grants),
    )
    writes.validate(role)
    writes.save(role)
    audit(
        org=org,
        user=user,
        action=AuditAction.SETTINGS_CHANGED,
        record=role,
        changes={"name": [None, role.name], "grants": [None, role.grants]},
        added=True,
    )
    return role


@transaction.atomic
def custom_role_update(
    *,
    org: Organization,
    user: User,
    role_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> CustomRole:
    """Rename a role or change its grants; its members have the new grants at once."""
    require_role(org, user, Role.ADMIN)
    role = writes.lock(CustomRole.objects.for_org(org), role_id, version=version, label=_("Role"))
    if "grants" in changes:
        changes["grants"] = _check_grants(changes["grants"])
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"] or "").split())
    changed = writes.apply_changes(role, changes, allowed=("name", "description", "grants"))
    writes.validate(role)
    writes.save(role)
    if changed:
        audit(
            org=org,
            user=user,
            action=AuditAction.SETTINGS_CHANGED,
            record=role,
            changes=changes_of(role, changed),
        )
    return role


@transaction.atomic
def custom_role_delete(
    *, org: Organization, user: User, role_id: RecordId, version: int | None = None
) -> None:
    """Delete a role nobody has (a role in use is refused: give its members another)."""
    require_role(org, user, Role.ADMIN)
    role = writes.lock(CustomRole.objects.for_org(org), role_id, version=version, label=_("Role"))
    in_use = Membership.objects.filter(organization=org, custom_role=role).count()
    if in_use:
        raise Conflict(
            ngettext(
                "%(count)d member has this role; give them another before deleting it.",
                "%(count)d members have this role; give them another before deleting it.",
                in_use,
            )
            % {"count": in_use},
            field="custom_role_id",
            code="role_in_use",
        )
    audit(org=org, user=user, action=AuditAction.SETTINGS_CHANGED, record=role, deleted=True)
    role.delete()


INVITATION_SUBJECT = "core/email/invitation_subject.txt"
INVITATION_BODY = "core/email/invitation.txt"


@transaction.atomic
def member_invite(
    *,
    org: Organization,
    user: User,
    email: str,
    role: str = Role.SALES,
    department: Department | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Membership | Invitation:
    """Invite someone by e-mail (admins and owners). A new address gets a login without a
    password and the membership at once, and an e-mail with a link to choose the password.
    An address that already has a login gets an invitation to accept or decline: the
    organisation sees no more of them than the address it typed until they accept."""
    acting = require_role(org, user, Role.ADMIN)
    address = normalize_email(email or "")
    member = User.objects.filter(email__iexact=address).first() if address else None
    if member is None:
        member = user_create(
            email=address,
            password=None,
            first_name=first_name,
            last_name=last_name,
            language="",
            check_password=False,
        )
        membership = membership_add(
            org=org, user=user, member=member, role=role, department=department
        )
        _invitation_after_commit(org=org, inviter=user, member=member, new_login=True)
        return membership
    _check_role_grant(acting, role)
    if department is not None and department.organization_id != org.pk:
        raise ValidationFailed(_("Department not found."), field="department")
    if Membership.objects.filter(organization=org, user=member).exists():
        raise Conflict(_("This user is already a member."), field="user", code="duplicate")
    if Invitation.objects.filter(organization=org, user=member, decision="").exists():
        raise Conflict(
            _("This address was invited already and has not answered yet."),
            field="user",
            code="already_invited",
        )
    invitation = Invitation.objects.create(
        organization=org,
        user=member,
        email=address,
        role=role,
        department=department,
        invited_by=user,
    )
    audit(
        org=org,
        user=user,
        action=AuditAction.MEMBERSHIP_CHANGED,
        record=invitation,
        label=address,
        changes={"role": [None, role]},
        invited=True,
    )
    _invitation_after_commit(org=org, inviter=user, member=member, new_login=False)
    return invitation


def _decide(invitations: Any, invitation_id: RecordId, decision: str) -> Invitation:
    """Lock the pending invitation (among ``invitations``) and record the answer; one
    answered already, or not among them, is not found."""
    invitation = (
        invitations.select_for_update()
        .filter(pk=invitation_id, decision="")
        .select_related("organization")
        .first()
    )
    if invitation is None:
        raise NotFound(_("Invitation not found."), code="not_found")
    invitation.decision = decision
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["decision", "decided_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, invitation_id: RecordId) -> Membership:
    """The invited person joins the organisation with the role they were invited to."""
    invitation = _decide(user.invitations, invitation_id, InvitationDecision.ACCEPTED)
    if Membership.objects.filter(organization=invitation.organization, user=user).exists():
        raise Conflict(_("You are a member already."), field="user", code="duplicate")
    membership = Membership(
        organization=invitation.organization,
        user=user,
        role=invitation.role,
        department=invitation.department,
    )
    writes.validate(membership)
    writes.save(membership, new_version=False)
    audit(
        org=invitation.organization,
        user=user,
        action=AuditAction.MEMBERSHIP_CHANGED,
        record=membership,
        label=user.email,
        changes={"role": [None, membership.role]},
        added=True,
        invitation_accepted=True,
    )
    return membership


@transaction.atomic
def invitation_decline(*, user: User, invitation_id: RecordId) -> Invitation:
    """The invited person says no; the organisation sees only that the address declined."""
    return _decide(user.invitations, invitation_id, InvitationDecision.DECLINED)


@transaction.atomic
def invitation_withdraw(*, org: Organization, user: User, invitation_id: RecordId) -> Invitation:
    """An admin takes back an invitation not yet answered."""
    require_role(org, user, Role.ADMIN)
    return _decide(
        Invitation.objects.filter(organization=org), invitation_id, InvitationDecision.WITHDRAWN
    )


@transaction.atomic
def member_invite_resend(*, org: Organization, user: User, membership_id: RecordId) -> Membership:
    """Send the invitation again to a member who has not chosen a password yet (admins and
    owners); "Forgot your password?" cannot help them, they have none."""
    require_role(org, user, Role.ADMIN)
    membership = writes.lock(
        Membership.objects.filter(organization=org), membership_id, label=_("Member")
    )
    if membership.user.has_usable_password():
        raise Conflict(
            _("This member has chosen a password already; they can log in."),
            field="user",
            code="not_invited",
        )
    if not membership.is_active:
        raise Conflict(_("Reactivate the member first."), field="is_active", code="inactive")
    _invitation_after_commit(org=org, inviter=user, member=membership.user, new_login=True)
    return membership


def _invitation_after_commit(
    *, org: Organization, inviter: User, member: User, new_login: bool
) -> None:
    # robust: a mail server that refuses does not turn the committed invitation into an
    # error page; the failure is logged, and the invitation can be sent again.
    transaction.on_commit(
        lambda: invitation_send(org=org, inviter=inviter, member=member, new_login=new_login),
        robust=True,
    )


def invitation_send(*, org: Organization, inviter: User, member: User, new_login: bool) -> None:
    """E-mail the invitation, in the member's language (else the organisation's)."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    if new_login:
        path = reverse(
            "web:password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
                "token": default_token_generator.make_token(member),
            },
        )
    else:
        path = reverse("web:invitations")
    context = {
        "organisation": org.name,
        "inviter": inviter.full_name or inviter.email,
        "email": member.email,
        "link": settings.SMARTCRM_PUBLIC_URL + path,
        "new_login": new_login,
    }
    with translation.override(member.language or org.language):
        subject = " ".join(render_to_string(INVITATION_SUBJECT, context).split())
        body = render_to_string(INVITATION_BODY, context)
    send_mail(subject, body, None, [member.email])
