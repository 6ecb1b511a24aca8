import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.errors import DomainError
from smartcrm.core.models import Organization
from smartcrm.core.modules import Module, module_enabled
from smartcrm.integrations.bnr import (
    MAX_DOCUMENT_BYTES,
    BnrDay,
    BnrLoadResult,
    bnr_download,
    bnr_rates_store,
    parse_bnr_xml,
)
from smartcrm.ops.management.commands._common import domain_error_line


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: give a day as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Exchange rates: fetch BNR's reference rates (smartcrm rates fetch [--date YYYY-MM-DD] "
        "[--file PATH] [--org SLUG])."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fetch = sub.add_parser(
            "fetch",
            help="Load BNR's rates from SMARTCRM_BNR_URL (or a file) into every organisation.",
        )
        fetch.add_argument(
            "--date",
            help="The day (YYYY-MM-DD); without a fixing that day, the latest earlier one. "
            "Default: the latest published day (all days of a --file).",
        )
        fetch.add_argument("--file", help="A BNR XML file (nbrfxrates.xml or a year file).")
        fetch.add_argument("--org", help="Only this organisation (slug); default all.")

    def handle(self, *args: Any, **options: Any) -> None:
        day = _day(options["date"]) if options.get("date") else None
        organizations = self._organizations(options.get("org"))
        try:
            days = self._days(options.get("file"), day)
        except DomainError as error:
            raise domain_error_line(error) from error
        failures = 0
        for org in organizations:
            try:
                result = bnr_rates_store(org=org, user=None, days=days, requested=day)
            except DomainError as error:
                failures += 1
                self.stderr.write(f"{org.slug}: {' '.join(str(error).split())}")
                continue
            self.stdout.write(f"{org.slug}: {self._summary(result)}")
        if failures:
            raise CommandError(f"{failures} organisation(s) could not load the rates.")

    def _organizations(self, slug: str | None) -> list[Organization]:
        if slug:
            org = Organization.objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"--org: no organisation '{slug}'.")
            if not module_enabled(org, Module.CATALOG):
                raise CommandError(f"--org: '{slug}' has switched the catalogue module off.")
            return [org]
        found = [
            o for o in Organization.objects.order_by("slug") if module_enabled(o, Module.CATALOG)
        ]
        if not found:
            raise CommandError("no organisation uses the catalogue module; nothing to load.")
        return found

    def _days(self, path: str | None, day: dt.date | None) -> list[BnrDay]:
        """One download (or one file) shared by every organisation."""
        if not path:
            return bnr_download(day)
        file = Path(path)
        try:
            if file.stat().st_size > MAX_DOCUMENT_BYTES:
                raise CommandError(f"--file: {path} is larger than a BNR document can be.")
            source = file.read_bytes()
        except OSError as error:
            raise CommandError(f"--file: cannot read {path} ({error.strerror}).") from None
        return parse_bnr_xml(source, field_name="file")

    def _summary(self, result: BnrLoadResult) -> str:
        shown = ", ".join(d.isoformat() for d in result.days[:3])
        if len(result.days) > 3:
            shown += f" … {result.days[-1].isoformat()} ({len(result.days)} days)"
        text = f"{result.rates} rate(s) stored, {result.unchanged} unchanged, for {shown}"
        if result.fell_back and result.requested_date:
            text += f" (no BNR rates on {result.requested_date.isoformat()}; latest earlier day)"
        if result.skipped:
            text += f"; skipped {', '.join(result.skipped)}"
        return text + "."
