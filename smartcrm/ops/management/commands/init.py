from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from smartcrm.core import services
from smartcrm.core.errors import DomainError
from smartcrm.core.models import Organization, User
from smartcrm.ops.management.commands._common import ask, domain_error_line


class Command(BaseCommand):
    help = "Create the database tables, an organisation and its owner (smartcrm init)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org-name", help="Organisation name, e.g. 'Alfa Soluții SRL'.")
        parser.add_argument("--slug", default="", help="Short name used in URLs and commands.")
        parser.add_argument("--cui", default="", help="Romanian tax id (CUI) of the organisation.")
        parser.add_argument("--email", help="E-mail of the owner (used to log in).")
        parser.add_argument("--password", help="Owner's password (asked when omitted).")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--no-input", action="store_true", help="Never prompt.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        name = ask(options, "org_name", "Organisation name", flag="--org-name")
        email = ask(options, "email", "Owner e-mail", flag="--email")
        existing = User.objects.filter(email__iexact=email.strip()).first()
        password = (
            "" if existing else ask(options, "password", "Password", flag="--password", secret=True)
        )
        if options["slug"] and Organization.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"--slug: an organisation '{options['slug']}' already exists.")
        try:
            with transaction.atomic():
                owner = existing or services.user_create(
                    email=email,
                    password=password,
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                )
                org = services.organization_create(
                    name=name, owner=owner, slug=options["slug"], cui=options["cui"]
                )
        except DomainError as error:
            raise domain_error_line(error) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Organisation '{org.name}' (slug {org.slug}) created; owner {owner.email}."
            )
        )
