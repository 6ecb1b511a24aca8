from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from smartcrm.core import services
from smartcrm.core.choices import Role
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership, Organization, User
from smartcrm.ops.management.commands._common import ask, domain_error_line


class Command(BaseCommand):
    help = "Create a user (or take an existing one) and add them to an organisation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", help="E-mail (the login).")
        parser.add_argument("--org", help="Organisation slug.")
        parser.add_argument("--role", default=Role.SALES, choices=[r.value for r in Role])
        parser.add_argument("--password", help="Password (asked when omitted).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--no-input", action="store_true", help="Never prompt.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = ask(options, "org", "Organisation slug", flag="--org")
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"--org: no organisation with slug '{slug}'.")
        acting_membership = (
            Membership.objects.filter(organization=org, role=Role.OWNER, is_active=True)
            .select_related("user")
            .order_by("created_at")
            .first()
        )
        if acting_membership is None:
            raise CommandError(f"--org: organisation '{slug}' has no active owner.")
        email = ask(options, "email", "E-mail", flag="--email")
        existing = User.objects.filter(email__iexact=email.strip()).first()
        password = (
            "" if existing else ask(options, "password", "Password", flag="--password", secret=True)
        )
        try:
            with transaction.atomic():
                user = existing or services.user_create(
                    email=email,
                    password=password,
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                services.membership_add(
                    org=org, user=acting_membership.user, member=user, role=options["role"]
                )
        except DomainError as error:
            raise domain_error_line(error) from error
        self.stdout.write(
            self.style.SUCCESS(f"{user.email} is now {options['role']} of '{org.name}'.")
        )
