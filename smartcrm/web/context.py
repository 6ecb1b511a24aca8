"""Which organisation a web request works in, and what every page's layout shows."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from smartcrm.core.choices import Role
from smartcrm.core.models import Membership
from smartcrm.core.permissions import has_role

SESSION_KEY = "smartcrm_org_id"


def current_membership(request: HttpRequest) -> Membership | None:
    """The member's chosen organisation (kept in the session), else their first one."""
    cached = getattr(request, "membership", None)
    if cached is not None:
        return cached
    if not request.user.is_authenticated or request.user.pk is None:
        return None
    memberships = Membership.objects.filter(
        user_id=request.user.pk, is_active=True, organization__isnull=False
    ).select_related("organization", "user")
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("created_at").first()


def memberships_of(request: HttpRequest) -> list[Membership]:
    if request.user.pk is None:
        return []
    return list(
        Membership.objects.filter(user_id=request.user.pk, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def layout(request: HttpRequest) -> dict[str, Any]:
    """The layout's context: organisation, the member's other organisations, menu, bell.

    Only for pages of a member (``member_view`` put the membership on the request); the
    login and client pages get nothing, and no query."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    from smartcrm.core.modules import enabled_modules
    from smartcrm.notifications.selectors import unread_count
    from smartcrm.web.nav import menu_for, new_menu_for

    org = membership.organization
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") is None:
        # A partial update: the layout around it is already on the page.
        return {"org": org, "membership": membership}
    modules = enabled_modules(org)
    return {
        "org": org,
        "membership": membership,
        # Admins see Settings → Background jobs, and a banner when no worker is heard of.
        "can_see_jobs": has_role(membership, Role.ADMIN),
        # Erasing a person's personal data is a compliance act: admins and owners.
        "can_erase_people": has_role(membership, Role.ADMIN),
        "memberships": memberships_of(request),
        "nav_menu": menu_for(request, modules),
        "new_menu": new_menu_for(modules),
        "unread_notifications": unread_count(org=org, user=membership.user),
    }
