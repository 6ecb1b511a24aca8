"""Which organisation a web request works in: chosen in the session, else the first one."""

from __future__ import annotations

from django.http import HttpRequest

from smartcrm.core.models import Membership

SESSION_KEY = "smartcrm_org_id"


def current_membership(request: HttpRequest) -> Membership | None:
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
