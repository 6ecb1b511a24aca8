"""Imports of prospects, accounts, contacts and products from CSV/XLSX files.

An ImportRun records who imported which file, how its columns map to fields, the dry-run
report and, once committed, the progress and counts. Its rows are written in batches; each
ImportBatch is committed in the same transaction as the records it wrote and remembers
what the undo needs (ids created, previous values of records updated), so a batch is
applied exactly once, and an interrupted import resumes after its last batch.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from smartcrm.core.models import TenantModel
from smartcrm.imports.choices import FileFormat, ImportKind, ImportMode, ImportStatus


class ImportTemplate(TenantModel):
    """A named column mapping (and upsert key) saved for the next file of the same shape."""

    FIELD_OF_CONSTRAINT = {"duplicate_name": "name"}

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    # {column header: field name}; columns not in it are ignored.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    key = models.CharField(_("match existing records by"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("import template")
        verbose_name_plural = _("import templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="import_template_name_unique_per_org",
                violation_error_code="duplicate_name",
                violation_error_message=_("A template with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ImportKind.values), name="import_template_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "kind"], name="import_tpl_org_kind_idx")]

    def __str__(self) -> str:
        return self.name


class ImportRun(TenantModel):
    """One file imported (or previewed) by one user: mapping, report, progress, counts."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=4, choices=FileFormat.choices)
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    key = models.CharField(_("match existing records by"), max_length=20, blank=True)
    mode = models.CharField(
        _("mode"), max_length=20, choices=ImportMode.choices, default=ImportMode.VALID_ONLY
    )
    template = models.ForeignKey(
        ImportTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # The dry run: {"total", "create", "update", "unchanged", "rejected"}.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    # Rows handled by committed batches: where a resumed import starts again.
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    failure = models.TextField(_("why it failed"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ImportKind.values), name="import_run_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="import_run_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=ImportMode.values), name="import_run_mode_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="import_run_org_created_idx"),
            models.Index(fields=["organization", "status"], name="import_run_org_status_idx"),
            models.Index(fields=["organization", "kind"], name="import_run_org_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportFile(models.Model):
    """The uploaded bytes, kept in the database so that any worker machine can read them."""

    run = models.OneToOneField(
        ImportRun, on_delete=models.CASCADE, primary_key=True, related_name="file"
    )
    content = models.BinaryField()

    class Meta:
        verbose_name = _("import file")
        verbose_name_plural = _("import files")

    def __str__(self) -> str:
        return str(self.run_id)


class ImportBatch(models.Model):
    """Rows [first_row, last_row] of a run, written in one transaction with this row.

    The unique (run, first_row) makes a batch impossible to apply twice, even by two
    workers racing on the same import."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="batches")
    first_row = models.PositiveIntegerField()
    last_row = models.PositiveIntegerField()
    created_ids = models.JSONField(default=list, blank=True)
    # {record id: {"version": version the import left, "fields": {field: previous value}}}
    previous = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["run", "first_row"]
        constraints = [
            models.UniqueConstraint(fields=["run", "first_row"], name="import_batch_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.first_row}-{self.last_row}"


class ImportRejectedRow(models.Model):
    """A row the preview or the import rejected: its cells and what is wrong, per field."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejected_rows")
    # The line of the file the row is on (the header is line 1).
    row_number = models.PositiveIntegerField()
    values = models.JSONField(default=list, blank=True)
    # [{"field": "email", "column": "E-mail", "message": "...", "code": "invalid"}]
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["run", "row_number"]
        indexes = [models.Index(fields=["run", "row_number"], name="import_rejected_row_idx")]

    def __str__(self) -> str:
        return f"{self.run_id} row {self.row_number}"
