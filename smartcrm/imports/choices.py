from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PROSPECTS = "prospects", _("Prospects")
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    PRODUCTS = "products", _("Products and services")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWING = "previewing", _("Checking the file")
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")
    UNDONE = "undone", _("Undone")


# An import that ran (or runs) has written rows; an undo takes them back.
ACTIVE_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING)
EDITABLE_STATUSES = (ImportStatus.UPLOADED, ImportStatus.PREVIEWED)
# The preview job checks the file: the page polls its progress as it does a commit's.
WORKING_STATUSES = (ImportStatus.PREVIEWING, *ACTIVE_STATUSES)
UNDOABLE_STATUSES = (ImportStatus.DONE, ImportStatus.CANCELED, ImportStatus.FAILED)


class ImportMode(models.TextChoices):
    VALID_ONLY = "valid_only", _("Import the valid rows, reject the others")
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing: one bad row stops the import")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
