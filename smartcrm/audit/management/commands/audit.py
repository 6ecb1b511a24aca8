"""smartcrm audit verify [--org SLUG] | smartcrm audit seal [--org SLUG]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smartcrm.audit.services import audit_seal, audit_seal_all, audit_verify
from smartcrm.core.models import Organization


class Command(BaseCommand):
    help = (
        "The audit log: `verify` checks each organisation's hash chain (a changed or removed "
        "event fails, naming it; the exit status is non-zero); `seal` chains the events "
        "waiting (the worker does it every 30 seconds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument("--org", help="Organisation slug (default: every organisation).")

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = Organization.objects.order_by("slug")
        if options.get("org"):
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"no organisation with the slug {options['org']!r}.")
        if options["action"] == "seal":
            if options.get("org"):
                sealed = sum(self._seal(org) for org in orgs)
            else:
                sealed = audit_seal_all()
            self.stdout.write(f"{sealed} event(s) sealed.")
            return
        broken = []
        for org in orgs:
            report = audit_verify(org=org)
            waiting = f", {report.waiting} waiting to be sealed" if report.waiting else ""
            if report.redacted:
                waiting += f", {report.redacted} redacted by recorded erasures"
            if report.intact:
                self.stdout.write(
                    f"{org.slug}: {report.checked} events verified, intact{waiting}; "
                    f"head #{report.head_seq} {report.head_hash or '-'}"
                )
                continue
            broken.append(org.slug)
            self.stdout.write(
                f"{org.slug}: {report.checked} events checked, "
                f"{len(report.problems)} problem(s){waiting}:"
            )
            for problem in report.problems:
                self.stdout.write(f"  {problem.message}")
        if broken:
            raise CommandError(f"the audit chain is broken in: {', '.join(broken)}.")

    def _seal(self, org: Organization) -> int:
        total = 0
        while count := audit_seal(org_id=org.pk):
            total += count
        return total
