from typing import Any

from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.choices import County
from smartcrm.core.errors import DomainError
from smartcrm.integrations.anaf import anaf_lookup
from smartcrm.ops.management.commands._common import domain_error_line


class Command(BaseCommand):
    help = "Look a company up at ANAF by its CUI (smartcrm anaf lookup CUI); changes nothing."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        lookup = sub.add_parser("lookup", help="Print what ANAF knows about a CUI.")
        lookup.add_argument("cui", help="The CUI, with or without RO.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            company = anaf_lookup(options["cui"])
        except DomainError as error:
            raise domain_error_line(error) from error
        if company is None:
            raise CommandError(f"cui: ANAF has no company with CUI {options['cui']}.")
        county = County(company.county).label if company.county else ""
        vat = {True: "yes", False: "no", None: "unknown"}[company.vat_payer]
        for label, value in (
            ("CUI", company.cui),
            ("Name", company.name),
            ("Trade register", company.trade_register),
            ("Address", company.address),
            ("Locality", company.locality),
            ("County", f"{company.county} ({county})" if county else ""),
            ("Postal code", company.postal_code),
            ("Phone", company.phone),
            ("VAT payer", vat),
        ):
            self.stdout.write(f"{label + ':':<16}{value}")
