"""Every write of the imports module: upload, preview, commit, cancel, resume, undo, and the
mapping templates.

Two background jobs do the long work, each queued in the transaction of the status change
that asks for it (django-tasks' database backend), so a job exists exactly when its status
does: the preview (``import_preview_start`` → ``import_preview_run``: every row checked,
nothing written, progress after every batch, the report at the end) and the commit
(``import_commit`` → ``import_run``: batches written once each, resumable). The web upload
and the API only store the file and queue the preview; the CLI, its own worker, runs both
in its process (``import_preview``, ``import_run``). Files above SMARTCRM_IMPORT_MAX_BYTES
are refused (``TooLarge``, 413) before they are read where the edge can (``check_size``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from smartcrm.catalog.models import Product
from smartcrm.contacts.models import Contact
from smartcrm.core import writes
from smartcrm.core.audit import AuditAction, audit
from smartcrm.core.errors import Conflict, DomainError, NotFound, TooLarge, ValidationFailed
from smartcrm.core.ids import RecordId
from smartcrm.core.models import Organization, User
from smartcrm.core.modules import require_module
from smartcrm.core.outages import database_outage
from smartcrm.core.permissions import membership_of, require_grant, require_owner_or_role
from smartcrm.core.registry import child_kinds
from smartcrm.core.scopes import GrantModule
from smartcrm.core.search import search_index_many, search_unindex_many
from smartcrm.core.selectors import tenant_get
from smartcrm.imports import bulk
from smartcrm.imports.choices import (
    ACTIVE_STATUSES,
    EDITABLE_STATUSES,
    UNDOABLE_STATUSES,
    ImportKind,
    ImportMode,
    ImportStatus,
)
from smartcrm.imports.engine import (
    MATCHING_FIELDS,
    Counts,
    Importer,
    RecordsChanged,
    commit_batch,
    dry_run,
    planned_batches,
    store_rejected,
    write_batch,
)
from smartcrm.imports.kinds import KindSpec, spec_of
from smartcrm.imports.mapping import check_mapping, propose_mapping
from smartcrm.imports.models import ImportBatch, ImportFile, ImportRun, ImportTemplate
from smartcrm.imports.reading import line_count, shape_of
from smartcrm.sales.choices import EventKind, ProspectStatus
from smartcrm.sales.models import Account, Offer, OfferLine, Prospect, RecordEvent

logger = logging.getLogger("smartcrm.imports")

TEMPLATE_FIELDS = ("name", "mapping", "key")


def batch_rows() -> int:
    """Rows per batch (one transaction each): SMARTCRM_IMPORT_BATCH_ROWS, default 2000."""
    configured = getattr(settings, "SMARTCRM_IMPORT_BATCH_ROWS", None) or os.environ.get(
        "SMARTCRM_IMPORT_BATCH_ROWS", "2000"
    )
    return max(1, int(configured))


def max_bytes() -> int:
    """The largest file accepted: SMARTCRM_IMPORT_MAX_BYTES (settings), default 100 MB."""
    return int(getattr(settings, "SMARTCRM_IMPORT_MAX_BYTES", 100 * 1024 * 1024))


def too_large_message(size: int | None = None) -> str:
    """What a refused file is told: the limit, and the file's size when known."""
    limit = filesizeformat(max_bytes())
    if size is None:
        return _("The file is larger than the limit of %(limit)s.") % {"limit": limit}
    return _("The file (%(size)s) is larger than the limit of %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": limit,
    }


def check_size(size: int) -> None:
    """Refuse a file above SMARTCRM_IMPORT_MAX_BYTES (before reading it, where it can be)."""
    if size > max_bytes():
        raise TooLarge(too_large_message(size), field="file", code="too_large")


def _allowed(org: Organization, user: User, spec: KindSpec) -> None:
    """The member's grants allow importing (the import module's create grant) and creating
    records of the kind (its module's create grant: the catalogue is kept by managers and
    up, among the built-in roles)."""
    require_module(org, spec.module)
    membership = require_grant(org, user, module=GrantModule.IMPORT, action="create")
    require_grant(org, user, module=spec.key, action="create", membership=membership)


def _locked_run(org: Organization, import_id: RecordId) -> ImportRun:
    return writes.lock(ImportRun.objects.for_org(org), import_id, label=_("Import"))


def _template(org: Organization, template_id: RecordId | None, kind: str) -> ImportTemplate | None:
    if not template_id:
        return None
    try:
        template = tenant_get(ImportTemplate, org=org, record_id=template_id)
    except NotFound:
        raise ValidationFailed(
            _("No import template with this id."), field="template_id", code="not_found"
        ) from None
    if template.kind != kind:
        raise ValidationFailed(
            _("This template is for %(kind)s.") % {"kind": ImportKind(template.kind).label},
            field="template_id",
        )
    return template


def _default_key(spec: KindSpec, mapping: Mapping[str, str]) -> str:
    key = spec.key_named(spec.default_key)
    return key.name if key is not None and key.source in mapping.values() else ""


@transaction.atomic
def import_upload(
    *,
    org: Organization,
    user: User,
    kind: str,
    file_name: str,
    content: bytes,
    encoding: str = "",
    delimiter: str = "",
    mapping: Mapping[str, str] | None = None,
    key: str | None = None,
    template_id: RecordId | None = None,
) -> ImportRun:
    """Keep an uploaded file and propose its column mapping (from the header, or the
    template); the caller previews next."""
    spec = spec_of(kind)
    _allowed(org, user, spec)
    check_size(len(content))
    _check_quota(org, len(content))
    shape = shape_of(content, file_name or "", encoding=encoding, delimiter=delimiter)
    template = _template(org, template_id, kind)
    if mapping is None:
        mapping = (
            {h: f for h, f in template.mapping.items() if h in shape.headers}
            if template is not None
            else propose_mapping(spec, shape.headers)
        )
    if key is None:
        key = template.key if template is not None else _default_key(spec, mapping)
    run = ImportRun(
        organization=org,
        created_by=user,
        kind=kind,
        file_name=(file_name or "import")[:255],
        file_format=shape.file_format,
        file_size=len(content),
        encoding=shape.encoding,
        delimiter=shape.delimiter,
        headers=shape.headers,
        mapping=dict(mapping),
        key=key or "",
        template=template,
    )
    writes.normalize_strings(run)
    writes.save(run)
    ImportFile.objects.create(run=run, content=content)
    return run


def _content(run: ImportRun) -> bytes:
    content = ImportFile.objects.values_list("content", flat=True).filter(run=run).first()
    if content is None:
        raise ValidationFailed(
            _("The file of this import is no longer kept: upload it again."),
            field="file",
            code="file_forgotten",
        )
    return bytes(content)


def _check_quota(org: Organization, size: int) -> None:
    """The files an organisation keeps (uploads not yet forgotten) stay within
    SMARTCRM_IMPORT_QUOTA_MB."""
    quota = settings.SMARTCRM_IMPORT_QUOTA_MB * 1024 * 1024
    kept = (
        ImportRun.objects.for_org(org)
        .filter(file__isnull=False)
        .aggregate(total=Sum("file_size"))["total"]
        or 0
    )
    if kept + size > quota:
        raise ValidationFailed(
            _(
                "The organisation keeps %(kept)s MB of import files and may keep "
                "%(quota)s MB: delete finished imports' files or wait until they are forgotten."
            )
            % {"kept": -(-kept // (1024 * 1024)), "quota": settings.SMARTCRM_IMPORT_QUOTA_MB},
            field="file",
            code="quota_exceeded",
        )


# Imports whose file is no longer needed: they ran (or failed, or were canceled or undone).
FINISHED_STATUSES = (
    ImportStatus.DONE,
    ImportStatus.FAILED,
    ImportStatus.CANCELED,
    ImportStatus.UNDONE,
)


def import_files_forget(*, now: dt.datetime | None = None) -> int:
    """A periodic duty of the worker: delete the uploaded files of imports finished more
    than SMARTCRM_IMPORT_FILE_DAYS ago (the import's report, counts and rejected rows stay).
    Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.SMARTCRM_IMPORT_FILE_DAYS)
    finished = ImportRun.objects.filter(status__in=FINISHED_STATUSES).filter(
        Q(undone_at__lt=cutoff)
        | Q(undone_at__isnull=True, finished_at__lt=cutoff)
        | Q(undone_at__isnull=True, finished_at__isnull=True, updated_at__lt=cutoff)
    )
    deleted, _kinds = ImportFile.objects.filter(run__in=finished.values("pk")).delete()
    if deleted:
        logger.info("Forgot %d import files finished before %s.", deleted, cutoff.date())
    return deleted


def import_preview_start(
    *,
    org: Organization,
    user: User,
    import_id: RecordId,
    mapping: Mapping[str, str] | None = None,
    key: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ImportRun:
    """Take the mapping, key (and reading) to check the file with, and queue the dry run
    as a background job (``import_preview_run``); the page and the API poll its progress.
    A mapping that cannot work (a required field without a column) is refused here, and
    nothing is queued."""
    return _preview_prepare(
        org=org,
        user=user,
        import_id=import_id,
        mapping=mapping,
        key=key,
        encoding=encoding,
        delimiter=delimiter,
        enqueue=True,
    )


def import_preview(
    *,
    org: Organization,
    user: User,
    import_id: RecordId,
    mapping: Mapping[str, str] | None = None,
    key: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ImportRun:
    """The dry run here and now (the CLI, which is its own worker): every row checked with
    the services' rules and matched by the key; the counts to create, update, leave and
    reject, and each rejected row's errors. Nothing of the organisation's data is written."""
    run = _preview_prepare(
        org=org,
        user=user,
        import_id=import_id,
        mapping=mapping,
        key=key,
        encoding=encoding,
        delimiter=delimiter,
        enqueue=False,
    )
    checked = import_preview_run(run.pk)
    assert checked is not None
    if checked.status != ImportStatus.PREVIEWED:
        # what the job keeps for the page (an unreadable file) is the caller's error here
        raise ValidationFailed(checked.failure, field="file", code="invalid_file")
    return checked


def _preview_prepare(
    *,
    org: Organization,
    user: User,
    import_id: RecordId,
    mapping: Mapping[str, str] | None,
    key: str | None,
    encoding: str | None,
    delimiter: str | None,
    enqueue: bool,
) -> ImportRun:
    with transaction.atomic():
        run = _locked_run(org, import_id)
        spec = spec_of(run.kind)
        _allowed(org, user, spec)
        if run.status == ImportStatus.PREVIEWING:
            raise Conflict(
                _("The file is being checked; wait for the preview, then change the mapping."),
                field="status",
                code="import_previewing",
            )
        if run.status not in EDITABLE_STATUSES:
            raise Conflict(
                _("This import was already committed."), field="status", code="import_committed"
            )
        if encoding is not None or delimiter is not None:
            shape = shape_of(
                _content(run),
                run.file_name,
                encoding=run.encoding if encoding is None else encoding,
                delimiter=run.delimiter if delimiter is None else delimiter,
            )
            if shape.headers != run.headers and mapping is None:
                mapping = propose_mapping(spec, shape.headers)
            run.encoding, run.delimiter, run.headers = (
                shape.encoding,
                shape.delimiter,
                shape.headers,
            )
        if key is not None:
            run.key = key
        run.mapping = check_mapping(
            spec, run.headers, run.mapping if mapping is None else mapping, run.key
        )
        run.status, run.failure = ImportStatus.PREVIEWING, ""
        # until the job has counted them: the number of lines, a close upper bound
        run.processed_rows, run.total_rows = 0, 0
        run.preview = {}
        writes.save(run)
        if enqueue:
            _enqueue_preview(run)
    return run


def _enqueue_preview(run: ImportRun) -> None:
    """The preview job joins the queue with the status change (same transaction)."""
    from smartcrm.imports.tasks import import_preview_task

    import_preview_task.enqueue(str(run.pk))


def import_preview_run(
    import_id: RecordId, *, on_progress: Callable[[int], None] | None = None
) -> ImportRun | None:
    """The preview job: the dry run of an import being checked, its progress written after
    every batch; the report (counts, rejected rows) replaces the last one at the end. Run
    again (its worker died), it starts over: it wrote nothing but the report. A file that
    cannot be read to its end goes back to be fixed, with the reason."""
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("organization", "created_by")
            .filter(pk=import_id)
            .first()
        )
        if run is None or run.status != ImportStatus.PREVIEWING:
            return run
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["heartbeat_at", "updated_at"])
    org, user = run.organization, run.created_by
    checking = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.PREVIEWING)
    try:
        if user is None:
            raise ValidationFailed(_("The user who uploaded the file is gone."), field="status")
        _allowed(org, user, spec_of(run.kind))
        membership_of(org, user)
        content = _content(run)
        importer = Importer(run, content, org=org, user=user)
        checking.update(total_rows=line_count(content, importer.shape))

        def progress(done: int) -> None:
            if not checking.update(processed_rows=done, heartbeat_at=timezone.now()):
                raise _Superseded()
            if on_progress is not None:
                on_progress(done)

        counts, rejected = dry_run(importer, batch_rows(), on_batch=progress)
    except _Superseded:
        return ImportRun.objects.filter(pk=run.pk).first()
    except Exception as error:
        if database_outage(error):
            raise  # the worker runs the preview again when the database is back
        if not isinstance(error, DomainError):
            logger.exception("Preview of import %s failed", run.pk)
        failure = " ".join(str(error).split()) or type(error).__name__
        checking.update(
            status=ImportStatus.UPLOADED,
            failure=failure[:2000],
            processed_rows=0,
            total_rows=0,
            updated_at=timezone.now(),
        )
        return ImportRun.objects.filter(pk=run.pk).first()
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportStatus.PREVIEWING:
            return run
        store_rejected(run, rejected)
        run.preview = counts.as_dict()
        run.total_rows = counts.total
        run.processed_rows = 0
        run.rejected_count = counts.rejected
        run.status = ImportStatus.PREVIEWED
        run.heartbeat_at = timezone.now()
        writes.save(run)
    return run


@transaction.atomic
def import_commit(
    *, org: Organization, user: User, import_id: RecordId, mode: str = ImportMode.VALID_ONLY
) -> ImportRun:
    """Queue the previewed import as a background job: valid rows only, or all or nothing."""
    run = _locked_run(org, import_id)
    _allowed(org, user, spec_of(run.kind))
    if mode not in ImportMode.values:
        raise ValidationFailed(
            _("Choose valid_only or all_or_nothing."), field="mode", code="invalid_choice"
        )
    if run.status != ImportStatus.PREVIEWED:
        raise Conflict(
            _("Preview the import before committing it (it is %(status)s).")
            % {"status": ImportStatus(run.status).label},
            field="status",
            code="not_previewed",
        )
    run.mode = mode
    run.status = ImportStatus.QUEUED
    run.processed_rows = 0
    run.created_count = run.updated_count = run.unchanged_count = run.rejected_count = 0
    # The import's batches report their rejected rows again: the preview's would double them.
    run.rejected_rows.all().delete()
    writes.save(run)
    _enqueue(run)
    return run


def _enqueue(run: ImportRun) -> None:
    """The job joins the queue with the status change (database backend: same transaction)."""
    from smartcrm.imports.tasks import import_run_task

    import_run_task.enqueue(str(run.pk))


@transaction.atomic
def import_cancel(*, org: Organization, user: User, import_id: RecordId) -> ImportRun:
    """Stop a queued or running import after its current batch (all or nothing: what it
    wrote is taken back)."""
    run = _locked_run(org, import_id)
    require_owner_or_role(org, user, owner_id=run.created_by_id)
    if run.status not in ACTIVE_STATUSES:
        raise Conflict(
            _("Only a queued or running import can be cancelled."),
            field="status",
            code="not_running",
        )
    run.cancel_requested = True
    writes.save(run)
    return run


@transaction.atomic
def import_resume(
    *, org: Organization, user: User, import_id: RecordId, enqueue: bool = True
) -> ImportRun:
    """Queue again an import that failed or stopped (its worker died): it goes on after
    its last committed batch. Without ``enqueue`` the caller runs it (the CLI)."""
    run = _locked_run(org, import_id)
    require_owner_or_role(org, user, owner_id=run.created_by_id)
    if run.status not in (ImportStatus.FAILED, ImportStatus.RUNNING, ImportStatus.QUEUED):
        raise Conflict(
            _("Only a failed or interrupted import can be resumed."),
            field="status",
            code="not_resumable",
        )
    run.status, run.failure = ImportStatus.QUEUED, ""
    writes.save(run)
    if enqueue:
        _enqueue(run)
    return run


# --- the job ---------------------------------------------------------------------------


class _Stop(Exception):
    def __init__(self, status: str, failure: str = "") -> None:
        super().__init__(status)
        self.status, self.failure = status, failure


def _finish(run_id: Any, status: str, failure: str = "") -> ImportRun:
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run_id)
        run.status, run.failure = status, failure[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "failure", "finished_at", "updated_at"])
    return run


def import_run(
    import_id: RecordId, *, on_progress: Callable[[ImportRun], None] | None = None
) -> ImportRun | None:
    """Run (or resume) a queued import: batch after batch, each in one transaction with its
    progress, so that a killed worker leaves every row imported once or not at all and the
    next run goes on from the last batch. The cancel flag is read between batches."""
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("organization", "created_by")
            .filter(pk=import_id)
            .first()
        )
        if run is None or run.status not in ACTIVE_STATUSES:
            return run
        run.status = ImportStatus.RUNNING
        run.started_at = run.started_at or timezone.now()
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "started_at", "heartbeat_at", "updated_at"])
    org, user = run.organization, run.created_by
    try:
        if user is None:
            raise _Stop(ImportStatus.FAILED, _("The user who started the import is gone."))
        try:
            _allowed(org, user, spec_of(run.kind))
            membership_of(org, user)
        except DomainError as error:
            raise _Stop(ImportStatus.FAILED, str(error)) from None
        content = _content(run)
        if run.mode == ImportMode.ALL_OR_NOTHING and run.processed_rows == 0:
            counts, rejected = dry_run(Importer(run, content, org=org, user=user), batch_rows())
            if counts.rejected:
                store_rejected(run, rejected)
                ImportRun.objects.filter(pk=run.pk).update(rejected_count=counts.rejected)
                raise _Stop(
                    ImportStatus.FAILED,
                    _("%(count)s row(s) are invalid; nothing was imported.")
                    % {"count": counts.rejected},
                )
        run = _run_batches(run, Importer(run, content, org=org, user=user), on_progress)
        return _finish(run.pk, ImportStatus.DONE)
    except _Stop as stop:
        if run.mode == ImportMode.ALL_OR_NOTHING and stop.status != ImportStatus.DONE:
            _undo_batches(run, user, record_status=False)
        return _finish(run.pk, stop.status, stop.failure)
    except _Superseded:
        return ImportRun.objects.filter(pk=run.pk).first()
    except Exception as error:
        if database_outage(error):
            # The database went away, the import did not fail: the worker queues the job
            # again when it is back, and the import goes on after its last committed batch.
            raise
        logger.exception("Import %s failed", run.pk)
        failure = " ".join(str(error).split()) or type(error).__name__
        if run.mode == ImportMode.ALL_OR_NOTHING:
            _undo_batches(run, user, record_status=False)
        return _finish(run.pk, ImportStatus.FAILED, failure)


class _Superseded(Exception):
    pass


def _run_batches(
    run: ImportRun, importer: Importer, on_progress: Callable[[ImportRun], None] | None
) -> ImportRun:
    """The batches, each planned while the one before is written; should a record change
    between its check and its write, the rest goes batch by batch, checked under lock."""
    try:
        for plan in planned_batches(importer, batch_rows(), start=run.processed_rows):
            run = _write_batch(run, plan.rows, partial(commit_batch, importer, plan), importer.user)
            if on_progress is not None:
                on_progress(run)
    except RecordsChanged:
        run = ImportRun.objects.get(pk=run.pk)
        importer = Importer(run, importer.content, org=importer.org, user=importer.user)
        for rows in importer.batches(batch_rows(), start=run.processed_rows):
            run = _write_batch(run, rows, partial(write_batch, importer, rows), importer.user)
            if on_progress is not None:
                on_progress(run)
    if run.cancel_requested:
        raise _Stop(ImportStatus.CANCELED)
    return run


def _write_batch(
    run: ImportRun,
    rows: list[tuple[int, int, list[str]]],
    write: Callable[[], Counts],
    user: User | None,
) -> ImportRun:
    """One batch and the run's progress in one transaction: a killed worker leaves the
    batch written with its progress, or neither. The audit log gets one event per batch
    (its rows and counts), not one per record: an import of 100,000 rows adds a hundred
    inserts, not 100,000."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != ImportStatus.RUNNING or locked.processed_rows != rows[0][0]:
            raise _Superseded()
        if locked.cancel_requested:
            raise _Stop(ImportStatus.CANCELED)
        counts = write()
        if locked.mode == ImportMode.ALL_OR_NOTHING and counts.rejected:
            # the dry run passed, a concurrent change broke a row since: all is undone
            transaction.set_rollback(True)
            raise _Stop(
                ImportStatus.FAILED,
                _("A row became invalid while importing; nothing was imported."),
            )
        audit(
            org=locked.organization_id,
            user=user,
            action=AuditAction.IMPORTED,
            record=locked,
            kind=locked.kind,
            file_name=locked.file_name,
            first_row=rows[0][0],
            last_row=rows[-1][0],
            created=counts.create,
            updated=counts.update,
            unchanged=counts.unchanged,
            rejected=counts.rejected,
        )
        locked.processed_rows = rows[-1][0] + 1
        locked.created_count += counts.create
        locked.updated_count += counts.update
        locked.unchanged_count += counts.unchanged
        locked.rejected_count += counts.rejected
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=[
                "processed_rows",
                "created_count",
                "updated_count",
                "unchanged_count",
                "rejected_count",
                "heartbeat_at",
                "updated_at",
            ]
        )
    return locked


# --- undo ------------------------------------------------------------------------------


@transaction.atomic
def import_undo(*, org: Organization, user: User, import_id: RecordId) -> dict[str, Any]:
    """Take an import back, in one transaction: the records it created are deleted, the
    ones it updated get their previous values. What was taken over, changed or used since
    is kept, and counted by why (``KEPT_BECAUSE``): a created record is deleted only while
    it is unchanged since the import, unused, and still owned by the importing user."""
    run = _locked_run(org, import_id)
    require_owner_or_role(org, user, owner_id=run.created_by_id)
    _allowed(org, user, spec_of(run.kind))
    if run.status not in UNDOABLE_STATUSES or not run.batches.exists():
        raise Conflict(
            _("Only an import that wrote records can be undone, once."),
            field="status",
            code="not_undoable",
        )
    summary = _undo_batches(run, user, record_status=True)
    run.status, run.undone_at = ImportStatus.UNDONE, timezone.now()
    writes.save(run)
    return summary


# Why an undo keeps a record, in the order a record kept for several reasons is counted
# under (once, the first): the created record is now owned by someone else than the
# importing user; it became history (a converted prospect, an account with offers or made
# from a prospect); it is in use (contacts, activities, notes or tasks were added to it; a
# contact was chosen on an offer or takes part in an activity; a product is on an offer
# line); it changed since the import (its version moved on, or an updated record's).
KEPT_BECAUSE = ("other_owner", "history", "in_use", "changed")
# Ids per statement when the undo reads or deletes the created records.
UNDO_CHUNK = 2000


def _kept_on_delete(spec: KindSpec, ids: list[Any]) -> set[Any]:
    """Created records that became history meanwhile and stay: a converted prospect, an
    account with offers or made from a prospect."""
    if spec.model is Prospect:
        return set(
            Prospect.objects.filter(pk__in=ids, status=ProspectStatus.CONVERTED).values_list(
                "pk", flat=True
            )
        )
    if spec.model is Account:
        with_offers = Offer.objects.filter(account_id__in=ids).values_list("account_id", flat=True)
        converted = Prospect.objects.filter(converted_account_id__in=ids).values_list(
            "converted_account_id", flat=True
        )
        return set(with_offers) | set(converted)
    return set()


def _in_use(spec: KindSpec, ids: list[Any]) -> set[Any]:
    """Created records something was attached to since: a prospect's or account's contacts,
    activities, notes and tasks (every kind registered on it), a contact's offers and
    activities, a product's offer lines."""
    model = spec.model
    if model is Prospect or model is Account:
        parent = "prospect" if model is Prospect else "account"
        used: set[Any] = set()
        for child in child_kinds(parent):
            used.update(
                child.model._default_manager.filter(**{f"{parent}_id__in": ids}).values_list(
                    f"{parent}_id", flat=True
                )
            )
        return used
    if model is Contact:
        return set(
            Contact.objects.filter(
                Q(activities__isnull=False) | Q(offer_links__isnull=False), pk__in=ids
            ).values_list("pk", flat=True)
        )
    if model is Product:
        return set(
            OfferLine.objects.filter(product_id__in=ids).values_list("product_id", flat=True)
        )
    return set()


def _kept_created(
    run: ImportRun, spec: KindSpec, ids: list[Any], previous: dict[str, Any]
) -> tuple[set[Any], dict[Any, str]]:
    """The created records still there (locked), and those of them the undo keeps, each
    with why (``KEPT_BECAUSE``)."""
    model = spec.model
    owned = any(field.name == "owner" for field in model._meta.concrete_fields)
    columns = ("pk", "version", "owner_id") if owned else ("pk", "version")
    present: set[Any] = set()
    kept: dict[Any, str] = {}
    for start in range(0, len(ids), UNDO_CHUNK):
        chunk = ids[start : start + UNDO_CHUNK]
        rows = list(
            model._default_manager.select_for_update()
            .filter(organization=run.organization_id, pk__in=chunk)
            .values_list(*columns)
        )
        history = _kept_on_delete(spec, chunk)
        in_use = _in_use(spec, chunk)
        for row in rows:
            pk, version = row[0], row[1]
            present.add(pk)
            # A record a later row of the same import updated carries that row's version.
            expected = previous.get(str(pk), {}).get("version", 1)
            if owned and row[2] != run.created_by_id:
                kept[pk] = "other_owner"
            elif pk in history:
                kept[pk] = "history"
            elif pk in in_use:
                kept[pk] = "in_use"
            elif version != expected:
                kept[pk] = "changed"
    return present, kept


def _undo_batches(run: ImportRun, user: User | None, *, record_status: bool) -> dict[str, Any]:
    """Delete what the batches created, restore what they updated, forget the batches; keep
    what changed or was taken over since, and count it by why."""
    import uuid

    spec = spec_of(run.kind)
    model = spec.model
    created: list[Any] = []
    previous: dict[str, Any] = {}
    with transaction.atomic():
        for batch in ImportBatch.objects.filter(run=run).order_by("first_row"):
            created.extend(uuid.UUID(pk) for pk in batch.created_ids)
            previous.update(batch.previous)
        present, kept = _kept_created(run, spec, created, previous)
        doomed = [pk for pk in created if pk in present and pk not in kept]
        restored, changed_since = _restore(run, spec, previous, user)
        for start in range(0, len(doomed), UNDO_CHUNK):
            ids = doomed[start : start + UNDO_CHUNK]
            search_unindex_many(model, ids)
            model._default_manager.filter(organization=run.organization_id, pk__in=ids).delete()
        ImportBatch.objects.filter(run=run).delete()
        audit(
            org=run.organization_id,
            user=user,
            action=AuditAction.IMPORT_UNDONE,
            record=run,
            kind=run.kind,
            file_name=run.file_name,
            deleted=len(doomed),
            restored=restored,
            kept=len(kept) + changed_since,
        )
        if record_status:
            ImportRun.objects.filter(pk=run.pk).update(processed_rows=0)
        else:  # all or nothing: nothing was imported after all
            ImportRun.objects.filter(pk=run.pk).update(
                processed_rows=0, created_count=0, updated_count=0, unchanged_count=0
            )
    kept_because = dict.fromkeys(KEPT_BECAUSE, 0)
    for reason in kept.values():
        kept_because[reason] += 1
    kept_because["changed"] += changed_since
    return {
        "deleted": len(doomed),
        "restored": restored,
        "kept": len(kept) + changed_since,
        "kept_because": kept_because,
    }


def _restore(
    run: ImportRun, spec: KindSpec, previous: dict[str, Any], user: User | None
) -> tuple[int, int]:
    from smartcrm.dedupe.keys import set_matching_keys

    if not previous:
        return 0, 0
    model = spec.model
    records: list[Any] = list(
        model._default_manager.select_for_update().filter(
            organization=run.organization_id, pk__in=list(previous)
        )
    )
    now = timezone.now()
    restored, changed_since = [], 0
    fields: set[str] = {"version", "updated_at"}
    for record in records:
        info = previous[str(record.pk)]
        if record.version != info["version"]:
            changed_since += 1
            continue
        for name, value in info["fields"].items():
            model_field = record._meta.get_field(name)
            setattr(record, model_field.attname, model_field.to_python(value))
            fields.add(name)
        if spec.matching_name is not None:
            set_matching_keys(record, name=spec.matching_name(record))
            fields.update(MATCHING_FIELDS)
        record.version += 1
        record.updated_at = now
        restored.append(record)
    if restored:
        bulk.send(bulk.prepare(model, restored, update=sorted(fields)))
        search_index_many(restored)
        if spec.events:
            parent = "prospect" if model is Prospect else "account"
            RecordEvent.objects.bulk_create(
                [
                    RecordEvent(
                        organization_id=run.organization_id,
                        created_by=user,
                        kind=EventKind.UPDATED,
                        data={
                            "import_id": str(run.pk),
                            "undo": True,
                            "fields": sorted(previous[str(record.pk)]["fields"]),
                        },
                        **{parent: record},
                    )
                    for record in restored
                ],
                batch_size=500,
            )
    return len(restored), changed_since


# --- templates -------------------------------------------------------------------------


def _check_template(template: ImportTemplate) -> None:
    spec = spec_of(template.kind)
    if not isinstance(template.mapping, dict) or not all(
        isinstance(h, str) and isinstance(f, str) for h, f in template.mapping.items()
    ):
        raise ValidationFailed(_("The mapping is a list of column → field pairs."), field="mapping")
    known = set(spec.field_names())
    unknown = sorted({f for f in template.mapping.values() if f and f not in known})
    if unknown:
        raise ValidationFailed(
            _("Not fields you can import into: %(fields)s.") % {"fields": ", ".join(unknown)},
            field="mapping",
        )
    template.mapping = {h: f for h, f in template.mapping.items() if f}
    if template.key and spec.key_named(template.key) is None:
        raise ValidationFailed(
            _("Match %(kind)s by one of: %(keys)s.")
            % {"kind": spec.key, "keys": ", ".join(k.name for k in spec.keys)},
            field="key",
            code="invalid_choice",
        )
    writes.validate(template)


@transaction.atomic
def import_template_create(
    *, org: Organization, user: User, kind: str, name: str, mapping: Any, key: str = ""
) -> ImportTemplate:
    """Save a column mapping under a name, for the next file of the same shape."""
    spec = spec_of(kind)
    _allowed(org, user, spec)
    template = ImportTemplate(organization=org, created_by=user, kind=kind)
    writes.apply_changes(
        template, {"name": name, "mapping": mapping, "key": key}, allowed=TEMPLATE_FIELDS
    )
    _check_template(template)
    return writes.save(template)


@transaction.atomic
def import_template_update(
    *,
    org: Organization,
    user: User,
    template_id: RecordId,
    version: int | None = None,
    **changes: Any,
) -> ImportTemplate:
    """Rename a template or change its mapping or key."""
    membership_of(org, user)
    template = writes.lock(
        ImportTemplate.objects.for_org(org), template_id, version=version, label=_("Template")
    )
    _allowed(org, user, spec_of(template.kind))
    if writes.apply_changes(template, changes, allowed=TEMPLATE_FIELDS):
        _check_template(template)
        writes.save(template)
    return template


@transaction.atomic
def import_template_delete(
    *, org: Organization, user: User, template_id: RecordId, version: int | None = None
) -> None:
    """Delete a template (imports made with it keep their own copy of the mapping)."""
    membership_of(org, user)
    template = writes.lock(
        ImportTemplate.objects.for_org(org), template_id, version=version, label=_("Template")
    )
    require_owner_or_role(org, user, owner_id=template.created_by_id)
    template.delete()


@transaction.atomic
def import_save_template(
    *, org: Organization, user: User, import_id: RecordId, name: str
) -> ImportTemplate:
    """Save an import's current mapping and key as a template."""
    run = tenant_get(ImportRun, org=org, record_id=import_id)
    return import_template_create(
        org=org, user=user, kind=run.kind, name=name, mapping=run.mapping, key=run.key
    )
