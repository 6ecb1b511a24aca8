"""smartcrm export KIND [filters] [--format csv|xlsx] [--output FILE] [--org SLUG]"""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from smartcrm.core.errors import DomainError
from smartcrm.core.models import Organization
from smartcrm.exports.kinds import KINDS
from smartcrm.exports.selectors import parse_filters
from smartcrm.exports.services import export_start
from smartcrm.exports.writers import filename, org_zone, write_csv, write_xlsx
from smartcrm.ops.management.commands._common import domain_error_line


def _filter_names() -> list[str]:
    """Every filter of every list, once: each becomes an option (--owner-id, --status...)."""
    names: dict[str, None] = {}
    for kind in KINDS.values():
        names.update(dict.fromkeys(kind.filters.model_fields))
    return list(names)


class Command(BaseCommand):
    help = (
        "Export a list as CSV or XLSX, filtered as the API list is (smartcrm export KIND "
        "[--status X ...] [--format xlsx] [--output FILE] [--org SLUG])."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "export_kind", metavar="KIND", choices=list(KINDS), help=", ".join(KINDS)
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--output", help="The file to write (default <kind>-<date>.<format>; - for stdout)."
        )
        parser.add_argument("--org", help="Organisation slug (needed when there are several).")
        parser.add_argument("--ordering", help="As the list: a field, -field descending.")
        parser.add_argument("--columns", help="Comma-separated column keys (default all).")
        parser.add_argument(
            "--language", default="", help="Language of headers and labels (ro, en)."
        )
        filters = parser.add_argument_group("filters (the list's own; not every list has each)")
        for name in _filter_names():
            filters.add_argument(f"--{name.replace('_', '-')}", dest=f"filter_{name}")

    def handle(self, *args: Any, **options: Any) -> None:
        org = self._organization(options.get("org"))
        kind = options["export_kind"]
        given = {
            key.removeprefix("filter_"): value
            for key, value in options.items()
            if key.startswith("filter_") and value is not None
        }
        given["ordering"] = options.get("ordering")
        fmt = options["format"]
        zone = org_zone(org)
        target = options.get("output") or filename(kind, fmt, timezone.localdate(timezone=zone))
        with translation.override(options.get("language") or org.language):
            try:
                filters, ordering = parse_filters(kind, given)
                export = export_start(
                    org=org,
                    user=None,
                    kind=kind,
                    fmt=fmt,
                    filters=filters,
                    ordering=ordering,
                    columns=options.get("columns"),
                )
            except DomainError as error:
                issue = error.issues[0]
                if issue.field and issue.field not in ("kind", "columns", "ordering"):
                    raise CommandError(
                        f"--{issue.field.replace('_', '-')}: {' '.join(issue.message.split())}"
                    ) from error
                raise domain_error_line(error) from error
            count = self._write(export, fmt, target, zone)
        where = "stdout" if target == "-" else target
        self.stderr.write(f"{count} {kind} written to {where}.")

    def _write(self, export: Any, fmt: str, target: str, zone: Any) -> int:
        title = str(export.kind.label)
        if target == "-":
            if fmt == "xlsx":
                return write_xlsx(export, sys.stdout.buffer, zone=zone, title=title)
            return write_csv(export, self.stdout, zone=zone)
        path = Path(target)
        if fmt == "xlsx":
            return write_xlsx(export, str(path), zone=zone, title=title)
        with path.open("w", encoding="utf-8", newline="") as handle:
            return write_csv(export, handle, zone=zone)

    def _organization(self, slug: str | None) -> Organization:
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"--org: no organisation '{slug}'.")
            return org
        found = list(Organization.objects.order_by("slug")[:2])
        if len(found) != 1:
            raise CommandError("--org: name the organisation (its slug).")
        return found[0]
