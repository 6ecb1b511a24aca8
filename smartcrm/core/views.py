"""Settings pages: the organisation, its members, departments, modules, and the user's
API tokens.

Every member may look; administrators and owners change the organisation, its members,
departments and modules (the services say so; the pages show the forms to them only, and a
change posted by anyone else is a 403). Every member manages their own API tokens.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from smartcrm.core import selectors, services
from smartcrm.core.choices import Role
from smartcrm.core.errors import DomainError, NotFound, StaleVersion
from smartcrm.core.forms import (
    DepartmentForm,
    InviteForm,
    MemberForm,
    ModulesForm,
    OrganisationForm,
    RoleForm,
    TokenForm,
)
from smartcrm.core.models import ApiToken, CustomRole, Department, Membership
from smartcrm.core.modules import enabled_modules
from smartcrm.core.permissions import has_role
from smartcrm.core.scopes import GrantAction
from smartcrm.core.tokens import api_token_create, api_token_revoke, api_tokens_with_recent_use
from smartcrm.web.dashboard import time_zone_of
from smartcrm.web.decorators import is_htmx, member_view, record_or_404
from smartcrm.web.dialogs import done, show_error, stale_text
from smartcrm.web.forms import version_from


def _can_manage(membership: Membership) -> bool:
    return has_role(membership, Role.ADMIN)


def _forbidden(request: HttpRequest) -> HttpResponse:
    message = _("Only administrators and owners may change the organisation's settings.")
    response = render(request, "core/settings/forbidden.html", {"message": message}, status=403)
    response["X-Error-Message"] = quote(message)
    return response


def _message_of(error: DomainError) -> str:
    return stale_text() if isinstance(error, StaleVersion) else error.message


def _dialog(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A dialog's form: the partial alone for htmx (into #dialog-body), else a whole page."""
    if is_htmx(request):
        return render(request, template, {**context, "in_dialog": True}, status=status)
    return render(
        request,
        "core/settings/form_page.html",
        {**context, "partial": template, "in_dialog": False},
        status=status,
    )


# --- organisation ----------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def organisation_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's details, defaults, logo and offer design."""
    org = membership.organization
    can_manage = _can_manage(membership)
    if request.method == "POST" and not can_manage:
        return _forbidden(request)
    form = OrganisationForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=OrganisationForm.initial_of(org),
    )
    status = 200
    if request.method == "POST":
        if "anaf" in request.POST:
            return _fill_from_anaf(request, org, form)
        if form.is_valid():
            try:
                with transaction.atomic():  # a refused logo leaves the other changes unsaved
                    services.organization_update(
                        org=org,
                        user=membership.user,
                        version=form.cleaned_data["version"],
                        **form.changes(),
                    )
                    logo = form.cleaned_data.get("logo")
                    if logo or form.cleaned_data.get("remove_logo"):
                        services.organization_set_logo(
                            org=org, user=membership.user, uploaded_file=logo or None
                        )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("Settings saved."))
                return redirect("core:settings")
        status = 422
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "can_manage": can_manage, "section": "organisation"}
    return render(request, "core/settings/organisation.html", context, status=status)


def _fill_from_anaf(request: HttpRequest, org: Any, form: OrganisationForm) -> HttpResponse:
    """Fill the form (not the organisation) from ANAF by the CUI typed; the user checks the
    result and saves it."""
    from smartcrm.integrations.anaf import anaf_lookup

    data = request.POST.copy()
    cui = data.get("cui", "").strip()
    try:
        company = anaf_lookup(cui) if cui else None
    except DomainError as error:
        form.is_valid()
        show_error(form, error, stale=stale_text())
    else:
        if not cui:
            form.is_valid()
            form.add_error("cui", _("Enter the CUI first; ANAF is asked by CUI."))
        elif company is None:
            form.is_valid()
            form.add_error("cui", _("ANAF has no company with CUI %(cui)s.") % {"cui": cui})
        else:
            data["name"] = company.name
            for name, value in company.identity_changes().items():
                if name == "vat_payer":
                    data[name] = "on" if value else ""
                else:
                    data[name] = value
            data["cui"] = company.cui
            form = OrganisationForm(data, initial=OrganisationForm.initial_of(org))
            form.is_valid()
            messages.info(request, _("Filled in from ANAF. Check the details, then save."))
            return render(
                request,
                "core/settings/organisation.html",
                {"form": form, "can_manage": True, "section": "organisation", "filled": True},
            )
    return render(
        request,
        "core/settings/organisation.html",
        {"form": form, "can_manage": True, "section": "organisation"},
        status=422,
    )


# --- members ---------------------------------------------------------------------------


@member_view
@require_GET
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's members with role, department and whether they are active."""
    context = {
        "members": list(selectors.member_list(org=membership.organization)),
        "invitations": list(selectors.invitations_pending_of(org=membership.organization)),
        "can_manage": _can_manage(membership),
        "me": membership,
        "section": "users",
    }
    return render(request, "core/settings/users.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def member_invite(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Invite someone by e-mail (a dialog on the users page)."""
    if not _can_manage(membership):
        return _forbidden(request)
    form = InviteForm(request.POST if request.method == "POST" else None, acting=membership)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invited = services.member_invite(
                    org=membership.organization,
                    user=membership.user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    department=form.cleaned_data["department"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except DomainError as error:
                show_error(
                    form, error, fields={"user": "email", "password": "email"}, stale=stale_text()
                )
            else:
                messages.success(
                    request,
                    _("%(email)s was invited; an e-mail with a link is on its way.")
                    % {"email": invited.user.email},
                )
                return done(request, reverse("core:users"))
        status = 422
    context = {"form": form, "section": "users", "action": reverse("core:user-invite")}
    return _dialog(request, "core/settings/partials/invite_form.html", context, status=status)


@member_view
@require_POST
def invitation_withdraw(
    request: HttpRequest, membership: Membership, invitation_id: uuid.UUID
) -> HttpResponse:
    """Take back an invitation an existing login has not answered."""
    if not _can_manage(membership):
        return _forbidden(request)
    try:
        invitation = services.invitation_withdraw(
            org=membership.organization, user=membership.user, invitation_id=invitation_id
        )
    except NotFound as error:
        raise Http404(error.message) from None
    messages.success(
        request, _("The invitation of %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("core:users")


@member_view
@require_POST
def member_invite_resend(
    request: HttpRequest, membership: Membership, membership_id: uuid.UUID
) -> HttpResponse:
    """Send the invitation again to a member who has not chosen a password yet."""
    member = _member_of(membership, membership_id)
    if not _can_manage(membership):
        return _forbidden(request)
    try:
        services.member_invite_resend(
            org=membership.organization, user=membership.user, membership_id=member.pk
        )
    except DomainError as error:
        messages.error(request, _message_of(error))
    else:
        messages.success(
            request,
            _("The invitation was sent to %(email)s again.") % {"email": member.user.email},
        )
    return redirect("core:users")


def _member_of(membership: Membership, membership_id: uuid.UUID) -> Membership:
    queryset = Membership.objects.select_related("user", "department")
    return record_or_404(queryset, membership, membership_id)


@member_view
@require_http_methods(["GET", "POST"])
def member_edit(
    request: HttpRequest, membership: Membership, membership_id: uuid.UUID
) -> HttpResponse:
    """Change a member's role and department (a dialog on the users page)."""
    member = _member_of(membership, membership_id)
    if not _can_manage(membership):
        return _forbidden(request)
    form = MemberForm(
        request.POST if request.method == "POST" else None, acting=membership, member=member
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_update(
                    org=membership.organization,
                    user=membership.user,
                    membership_id=member.pk,
                    version=form.cleaned_data["version"],
                    role=form.cleaned_data["role"],
                    department=form.cleaned_data["department"],
                    custom_role_id=(
                        form.cleaned_data["custom_role"].pk
                        if form.cleaned_data["custom_role"]
                        else None
                    ),
                )
            except DomainError as error:
                show_error(
                    form, error, fields={"custom_role_id": "custom_role"}, stale=stale_text()
                )
            else:
                messages.success(request, _("%(email)s saved.") % {"email": member.user.email})
                return done(request, reverse("core:users"))
        status = 422
    context = {
        "form": form,
        "member": member,
        "section": "users",
        "action": reverse("core:user-edit", args=[member.pk]),
    }
    return _dialog(request, "core/settings/partials/member_form.html", context, status=status)


@member_view
@require_POST
def member_set_active(
    request: HttpRequest, membership: Membership, membership_id: uuid.UUID
) -> HttpResponse:
    """Deactivate a member (they can no longer log in to this organisation) or bring them
    back."""
    member = _member_of(membership, membership_id)
    if not _can_manage(membership):
        return _forbidden(request)
    active = request.POST.get("active") == "1"
    try:
        services.membership_update(
            org=membership.organization,
            user=membership.user,
            membership_id=member.pk,
            version=version_from(request.POST),
            is_active=active,
        )
    except DomainError as error:
        messages.error(request, _message_of(error))
    else:
        text = _("%(email)s is active again.") if active else _("%(email)s was deactivated.")
        messages.success(request, text % {"email": member.user.email})
    return redirect("core:users")


# --- departments -----------------------------------------------------------------------

# The service's field names → the form's.
DEPARTMENT_FIELDS = {"parent_id": "parent", "head_id": "head"}


@member_view
@require_GET
def departments(request: HttpRequest, membership: Membership) -> HttpResponse:
    context = {
        "departments": list(selectors.department_list(org=membership.organization)),
        "can_manage": _can_manage(membership),
        "section": "departments",
    }
    return render(request, "core/settings/departments.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def department_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not _can_manage(membership):
        return _forbidden(request)
    form = DepartmentForm(
        request.POST if request.method == "POST" else None, org=membership.organization
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                department = services.department_create(
                    org=membership.organization, user=membership.user, **form.changes()
                )
            except DomainError as error:
                show_error(form, error, fields=DEPARTMENT_FIELDS, stale=stale_text())
            else:
                messages.success(request, _("%(name)s added.") % {"name": department.name})
                return done(request, reverse("core:departments"))
        status = 422
    context = {
        "form": form,
        "section": "departments",
        "action": reverse("core:department-new"),
        "title": _("New department"),
    }
    return _dialog(request, "core/settings/partials/department_form.html", context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def department_edit(
    request: HttpRequest, membership: Membership, department_id: uuid.UUID
) -> HttpResponse:
    """Rename, describe, deactivate or reactivate a department."""
    department = record_or_404(Department, membership, department_id)
    if not _can_manage(membership):
        return _forbidden(request)
    form = DepartmentForm(
        request.POST if request.method == "POST" else None,
        initial=DepartmentForm.initial_of(department),
        org=membership.organization,
        department=department,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                department = services.department_update(
                    org=membership.organization,
                    user=membership.user,
                    department_id=department.pk,
                    version=form.cleaned_data["version"],
                    **form.changes(),
                )
            except DomainError as error:
                show_error(form, error, fields=DEPARTMENT_FIELDS, stale=stale_text())
            else:
                messages.success(request, _("%(name)s saved.") % {"name": department.name})
                return done(request, reverse("core:departments"))
        status = 422
    context = {
        "form": form,
        "department": department,
        "section": "departments",
        "action": reverse("core:department-edit", args=[department.pk]),
        "title": _("Edit department"),
    }
    return _dialog(request, "core/settings/partials/department_form.html", context, status=status)


def _confirm_delete(
    request: HttpRequest,
    membership: Membership,
    record: Any,
    *,
    delete: Callable[[int | None], object],
    name: str,
    section: str,
    url: str,
    back: str,
) -> HttpResponse:
    """A settings record's delete: the dialog that asks (GET), then the delete (POST),
    for those who manage the organisation."""
    if not _can_manage(membership):
        return _forbidden(request)
    if request.method == "POST":
        try:
            delete(version_from(request.POST))
        except DomainError as error:
            messages.error(request, _message_of(error))
        else:
            messages.success(request, _("%(name)s deleted.") % {"name": record.name})
        return done(request, reverse(back))
    context = {name: record, "section": section, "action": reverse(url, args=[record.pk])}
    return _dialog(request, f"core/settings/partials/{name}_delete.html", context)


@member_view
@require_http_methods(["GET", "POST"])
def department_delete(
    request: HttpRequest, membership: Membership, department_id: uuid.UUID
) -> HttpResponse:
    """Ask, then delete a department (its members stay, without a department)."""
    department = record_or_404(
        selectors.department_list(org=membership.organization), membership, department_id
    )
    return _confirm_delete(
        request,
        membership,
        department,
        delete=lambda version: services.department_delete(
            org=membership.organization,
            user=membership.user,
            department_id=department.pk,
            version=version,
        ),
        name="department",
        section="departments",
        url="core:department-delete",
        back="core:departments",
    )


# --- roles -----------------------------------------------------------------------------


@member_view
@require_GET
def roles(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The organisation's custom roles, with how many members have each."""
    context = {
        "roles": list(selectors.custom_role_list(org=membership.organization)),
        "can_manage": _can_manage(membership),
        "section": "roles",
    }
    return render(request, "core/settings/roles.html", context)


def _role_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    # The grid is too wide for a dialog: a page of its own.
    context = {**context, "actions": [action.label for action in GrantAction]}
    return render(request, "core/settings/role_form.html", context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def role_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not _can_manage(membership):
        return _forbidden(request)
    form = RoleForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                role = services.custom_role_create(
                    org=membership.organization,
                    user=membership.user,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    grants=form.grants(),
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("%(name)s added.") % {"name": role.name})
                return redirect("core:roles")
        status = 422
    context = {
        "form": form,
        "section": "roles",
        "action": reverse("core:role-new"),
        "title": _("New role"),
    }
    return _role_page(request, context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, membership: Membership, role_id: uuid.UUID) -> HttpResponse:
    """Rename a role or change its grants (its members have them at once)."""
    role = record_or_404(CustomRole, membership, role_id)
    if not _can_manage(membership):
        return _forbidden(request)
    form = RoleForm(request.POST if request.method == "POST" else None, role=role)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                role = services.custom_role_update(
                    org=membership.organization,
                    user=membership.user,
                    role_id=role.pk,
                    version=form.cleaned_data["version"],
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    grants=form.grants(),
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("%(name)s saved.") % {"name": role.name})
                return redirect("core:roles")
        status = 422
    context = {
        "form": form,
        "role": role,
        "section": "roles",
        "action": reverse("core:role-edit", args=[role.pk]),
        "title": _("Edit role"),
    }
    return _role_page(request, context, status=status)


@member_view
@require_http_methods(["GET", "POST"])
def role_delete(request: HttpRequest, membership: Membership, role_id: uuid.UUID) -> HttpResponse:
    """Ask, then delete a role nobody has."""
    role = record_or_404(
        selectors.custom_role_list(org=membership.organization), membership, role_id
    )
    return _confirm_delete(
        request,
        membership,
        role,
        delete=lambda version: services.custom_role_delete(
            org=membership.organization, user=membership.user, role_id=role.pk, version=version
        ),
        name="role",
        section="roles",
        url="core:role-delete",
        back="core:roles",
    )


# --- modules ---------------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def modules(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Switch the optional modules on or off (their data stays)."""
    org = membership.organization
    can_manage = _can_manage(membership)
    if request.method == "POST" and not can_manage:
        return _forbidden(request)
    form = ModulesForm(
        request.POST if request.method == "POST" else None,
        initial={"modules": enabled_modules(org), "version": org.version},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.organization_set_modules(
                    org=org,
                    user=membership.user,
                    enabled=form.cleaned_data["modules"],
                    version=form.cleaned_data["version"],
                )
            except DomainError as error:
                show_error(form, error, stale=stale_text())
            else:
                messages.success(request, _("Modules saved."))
                return redirect("core:modules")
        status = 422
    if not can_manage:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "can_manage": can_manage, "section": "modules"}
    return render(request, "core/settings/modules.html", context, status=status)


# --- API tokens ------------------------------------------------------------------------


@member_view
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The user's API tokens: create one (its secret is shown this once), see, revoke."""
    may_never_expire = has_role(membership, Role.ADMIN)
    form = TokenForm(
        request.POST if request.method == "POST" else None, may_never_expire=may_never_expire
    )
    status, plain, created = 200, "", None
    if request.method == "POST":
        if form.is_valid():
            try:
                created, plain = api_token_create(
                    org=membership.organization,
                    user=membership.user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    expires_at=form.expires_at(time_zone_of(membership)),
                    never_expires=bool(form.cleaned_data.get("never_expires")),
                )
            except DomainError as error:
                show_error(form, error, fields={"expires_at": "expires_on"}, stale=stale_text())
                status = 422
            else:
                form = TokenForm(may_never_expire=may_never_expire)
        else:
            status = 422
    now = timezone.now()
    rows = api_tokens_with_recent_use(
        selectors.api_tokens_of(org=membership.organization, user=membership.user)
    )
    for row in rows:
        row.is_expired = row.expires_at is not None and row.expires_at <= now  # type: ignore[attr-defined]  # shown by the template
    context = {
        "form": form,
        "tokens": rows,
        "created": created,
        "plain": plain,
        "section": "tokens",
    }
    with timezone.override(time_zone_of(membership)):
        response = render(request, "core/settings/tokens.html", context, status=status)
    if plain:
        response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@member_view
@require_POST
def token_revoke(request: HttpRequest, membership: Membership, token_id: uuid.UUID) -> HttpResponse:
    token = record_or_404(ApiToken.objects.filter(user=membership.user), membership, token_id)
    try:
        api_token_revoke(org=membership.organization, user=membership.user, token_id=token.pk)
    except DomainError as error:
        messages.error(request, _message_of(error))
    else:
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("core:tokens")
