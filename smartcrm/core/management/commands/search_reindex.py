from typing import Any

from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.models import Organization
from smartcrm.core.search import search_reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the global search index of one organisation (--org) or of all of them, "
        "e.g. after an import that bypassed the services."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="Organisation slug (default: every organisation).")

    def handle(self, *args: Any, **options: Any) -> None:
        org = None
        if options.get("org"):
            org = Organization.objects.filter(slug=options["org"]).first()
            if org is None:
                raise CommandError(f"--org: no organisation with slug '{options['org']}'.")
        indexed = search_reindex_all(org)
        scope = f"'{org.name}'" if org else "every organisation"
        counts = ", ".join(f"{kind} {count}" for kind, count in indexed.items())
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt for {scope}: {counts}."))
