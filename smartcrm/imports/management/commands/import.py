"""`smartcrm import KIND FILE`: preview, then import a CSV/XLSX file, with a progress bar.

smartcrm import prospects export.csv --key email --dry-run
smartcrm import accounts clienti.xlsx --map "Export ERP" --all-or-nothing
smartcrm import --resume IMPORT_ID          go on with an interrupted import
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from smartcrm.core.errors import DomainError
from smartcrm.core.models import Membership, Organization
from smartcrm.imports import selectors, services
from smartcrm.imports.choices import ImportKind, ImportMode, ImportStatus
from smartcrm.imports.models import ImportRun, ImportTemplate
from smartcrm.ops.management.commands._common import domain_error_line

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = (
        "Import prospects, accounts, contacts or products from a CSV or XLSX file: "
        "smartcrm import KIND FILE [--map TEMPLATE] [--key KEY] [--dry-run] [--all-or-nothing]"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", nargs="?", choices=ImportKind.values, help="What to import.")
        parser.add_argument("file", nargs="?", help="The CSV or XLSX file.")
        parser.add_argument("--map", dest="template", help="A saved mapping template's name.")
        parser.add_argument(
            "--key",
            help="Match existing records by: email, cui, phone (E.164) or code; "
            "'none' creates every row.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Preview only; write nothing.")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Import nothing if one row is invalid."
        )
        parser.add_argument("--encoding", default="", help="CSV encoding (default: detected).")
        parser.add_argument("--delimiter", default="", help="CSV delimiter (default: detected).")
        parser.add_argument("--org", help="Organisation slug (needed if there are several).")
        parser.add_argument("--user", help="Who imports (e-mail); default: an owner.")
        parser.add_argument("--rejected", help="Write the rejected rows (CSV) to this file.")
        parser.add_argument("--resume", help="Resume the interrupted import with this id.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options.get("resume"):
                self._resume(options["resume"])
                return
            self._import(options)
        except DomainError as error:
            raise domain_error_line(error) from error

    # --- who, where -----------------------------------------------------------------------

    def _membership(self, slug: str | None, email: str | None) -> Membership:
        memberships = Membership.objects.filter(is_active=True, user__is_active=True)
        if slug:
            if not Organization.objects.filter(slug=slug).exists():
                raise CommandError(f"--org: no organisation '{slug}'.")
            memberships = memberships.filter(organization__slug=slug)
        elif Organization.objects.count() > 1:
            raise CommandError("--org: there are several organisations; name one (its slug).")
        if email:
            memberships = memberships.filter(user__email__iexact=email.strip())
        else:
            memberships = memberships.filter(role="owner")
        found = memberships.select_related("organization", "user").order_by("created_at").first()
        if found is None:
            raise CommandError(
                f"--user: {email} is not an active member there."
                if email
                else "no active owner to import as; give --user."
            )
        return found

    # --- import -------------------------------------------------------------------------

    def _import(self, options: dict[str, Any]) -> None:
        if not options.get("kind") or not options.get("file"):
            raise CommandError("give KIND and FILE (or --resume ID).")
        path = Path(options["file"])
        try:
            # refused before it is read: the message names SMARTCRM_IMPORT_MAX_BYTES' limit
            services.check_size(path.stat().st_size)
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"FILE: cannot read {path} ({error.strerror}).") from None
        membership = self._membership(options.get("org"), options.get("user"))
        org, user = membership.organization, membership.user
        template_id = None
        if options.get("template"):
            template = (
                ImportTemplate.objects.for_org(org)
                .filter(kind=options["kind"], name__iexact=options["template"])
                .first()
            )
            if template is None:
                raise CommandError(f"--map: no {options['kind']} template '{options['template']}'.")
            template_id = template.pk
        key = options.get("key")
        run = services.import_upload(
            org=org,
            user=user,
            kind=options["kind"],
            file_name=path.name,
            content=content,
            encoding=options["encoding"],
            delimiter=options["delimiter"].replace("\\t", "\t"),
            key=None if key is None else ("" if key == "none" else key),
            template_id=template_id,
        )
        self.stderr.write(f"Import {run.pk}: {self._mapping_text(run)}")
        run = services.import_preview(org=org, user=user, import_id=run.pk)
        self._report(run, preview=True)
        if options.get("rejected"):
            self._write_rejected(run, options["rejected"])
        if options["dry_run"]:
            return
        mode = ImportMode.ALL_OR_NOTHING if options["all_or_nothing"] else ImportMode.VALID_ONLY
        services.import_commit(org=org, user=user, import_id=run.pk, mode=mode)
        self._run(run.pk, options.get("rejected"))

    def _resume(self, import_id: str) -> None:
        runs = ImportRun.objects.select_related("organization", "created_by")
        run = runs.filter(pk=import_id).first() if _is_uuid(import_id) else None
        if run is None:
            raise CommandError(f"--resume: no import {import_id}.")
        if run.status not in (ImportStatus.RUNNING, ImportStatus.QUEUED, ImportStatus.FAILED):
            raise CommandError(f"--resume: the import is {run.status}; nothing to resume.")
        if run.created_by is None:
            raise CommandError("--resume: the user who started the import is gone.")
        services.import_resume(
            org=run.organization, user=run.created_by, import_id=run.pk, enqueue=False
        )
        self._run(run.pk, None)

    def _run(self, import_id: Any, rejected_path: str | None) -> None:
        finished = services.import_run(import_id, on_progress=self._progress)
        self.stderr.write("")
        if finished is None:
            raise CommandError("the import is gone.")
        self._report(finished, preview=False)
        if rejected_path:
            self._write_rejected(finished, rejected_path)
        if finished.status != ImportStatus.DONE:
            raise CommandError(
                f"import {finished.status}: {finished.failure or 'see the report above'}"
            )

    # --- output -------------------------------------------------------------------------

    def _progress(self, run: ImportRun) -> None:
        width = 30
        done = width * run.processed_rows // max(run.total_rows, 1)
        sys.stderr.write(
            f"\r[{'#' * done}{'.' * (width - done)}] {run.processed_rows}/{run.total_rows} rows"
        )
        sys.stderr.flush()

    def _mapping_text(self, run: ImportRun) -> str:
        pairs = ", ".join(f"{header} → {target}" for header, target in run.mapping.items())
        return f"{run.file_format} {run.encoding} {pairs}; key: {run.key or 'none'}"

    def _report(self, run: ImportRun, *, preview: bool) -> None:
        if preview:
            counts = run.preview
            self.stdout.write(
                f"Preview: {counts.get('total', 0)} rows: {counts.get('create', 0)} to create, "
                f"{counts.get('update', 0)} to update, {counts.get('unchanged', 0)} unchanged, "
                f"{counts.get('rejected', 0)} rejected."
            )
        else:
            self.stdout.write(
                f"Import {run.status}: {run.created_count} created, {run.updated_count} "
                f"updated, {run.unchanged_count} unchanged, {run.rejected_count} rejected."
            )
        for row in selectors.rejected_rows(run=run)[:SHOWN_ERRORS]:
            self.stdout.write(f"  line {row.row_number}: {selectors.error_text(row.errors)}")

    def _write_rejected(self, run: ImportRun, path: str) -> None:
        try:
            with open(path, "w", encoding="utf-8", newline="") as out:
                for chunk in selectors.rejected_rows_csv(run=run):
                    out.write(chunk)
        except OSError as error:
            raise CommandError(f"--rejected: cannot write {path} ({error.strerror}).") from None


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
