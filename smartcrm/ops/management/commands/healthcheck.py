from typing import Any

from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.models import Organization
from smartcrm.ops.health import database_description, pending_migrations


class Command(BaseCommand):
    help = "Check configuration, the database connection and migrations (smartcrm check)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--deploy", action="store_true", help="Also run deployment checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        issues = checks.run_checks(
            include_deployment_checks=options["deploy"], databases=["default"]
        )
        serious = [
            issue for issue in issues if issue.level >= checks.WARNING and not issue.is_silenced()
        ]
        for issue in serious:
            self.stderr.write(f"{issue.id}: {issue.msg}")
        try:
            description = database_description()
        except Exception as error:
            raise CommandError(f"cannot reach the database: {error}".splitlines()[0]) from error
        self.stdout.write(f"database: {description}")
        pending = pending_migrations()
        if pending:
            raise CommandError(
                f"{len(pending)} migration(s) not applied (run `smartcrm migrate`): "
                + ", ".join(pending[:5])
            )
        self.stdout.write(f"migrations: all applied; organisations: {Organization.objects.count()}")
        if any(issue.level >= checks.ERROR for issue in serious):
            raise CommandError("configuration errors found (see above)")
        if serious and options["deploy"]:
            raise CommandError(f"{len(serious)} deployment warning(s) (see above)")
        self.stdout.write(self.style.SUCCESS("SmartCRM is ready."))
