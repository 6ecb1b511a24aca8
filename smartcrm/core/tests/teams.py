"""A team to test view scopes with: me heading "Vânzări", a colleague in "Vânzări Brașov"
under it, an outsider in "Suport"; the organisation's owner (built-in) builds the records."""

from __future__ import annotations

from smartcrm.core import services as core
from smartcrm.core.models import Membership, Organization, User
from smartcrm.core.scopes import ACTIONS, RECORD_MODULES
from smartcrm.core.tests.factories import UserFactory, add_member, give_role, place

HOLDERS = ("me", "colleague", "outsider")


def sales_team(org: Organization, owner: User) -> dict[str, User]:
    """Three members in a department tree: "me", "colleague" (my sub-department) and
    "outsider" (another department)."""
    parent = core.department_create(org=org, user=owner, name="Vânzări", head_id=owner.pk)
    branch = core.department_create(org=org, user=owner, name="Vânzări Brașov", parent_id=parent.pk)
    support = core.department_create(org=org, user=owner, name="Suport")
    people = {}
    for name, department in (("me", parent), ("colleague", branch), ("outsider", support)):
        person = UserFactory.create()
        add_member(org, owner, person)
        place(org, owner, person, department.pk)
        people[name] = person
    return people


def scoped_role(
    org: Organization, owner: User, member: User, scope: str, modules: tuple[str, ...] = ()
) -> Membership:
    """Give ``member`` a custom role with ``scope`` on every action of ``modules`` (every
    record module by default)."""
    grants = {module: dict.fromkeys(ACTIONS, scope) for module in modules or RECORD_MODULES}
    return give_role(org, owner, member, grants, f"Rol {scope}")


def reaches(scope: str, holder: str) -> bool:
    """Whether ``scope`` shows what ``holder`` (one of HOLDERS) holds, to "me"."""
    return {
        "none": False,
        "own": holder == "me",
        "department": holder in ("me", "colleague"),
        "all": True,
    }[scope]
