"""Forms of the import pages: the upload, the column mapping, the commit, a template's name."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from smartcrm.imports.choices import ImportKind, ImportMode
from smartcrm.imports.services import max_bytes, too_large_message
from smartcrm.web.forms import StyledForm

# The names of the files an import reads; the content decides between CSV and XLSX.
FILE_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")

ENCODING_CHOICES = (
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("utf-8-sig", _("UTF-8 with BOM")),
    ("windows-1250", _("Windows-1250 (Central European)")),
    ("iso-8859-2", _("ISO-8859-2 (Latin-2)")),
    ("windows-1252", _("Windows-1252 (Western European)")),
)
DELIMITER_CHOICES = (
    ("", _("Detect automatically")),
    (",", _("Comma ( , )")),
    (";", _("Semicolon ( ; )")),
    ("\t", _("Tab")),
    ("|", _("Vertical bar ( | )")),
)

# The service's field names, as the forms call them.
UPLOAD_FIELDS = {"template_id": "template", "content": "file", "file_name": "file"}


class UploadForm(StyledForm, forms.Form):
    """A CSV or XLSX file, what it holds, and optionally how to read it."""

    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FILE_EXTENSIONS)}),
    )
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        choices=ENCODING_CHOICES,
        required=False,
        help_text=_("CSV only. Old Romanian files are often Windows-1250."),
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"), choices=DELIMITER_CHOICES, required=False, help_text=_("CSV only.")
    )
    template = forms.ChoiceField(
        label=_("Saved mapping"),
        required=False,
        help_text=_("A mapping saved from an earlier import of a file with the same columns."),
    )

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ChoiceField)
        template.choices = [("", _("None: propose it from the header")), *templates]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in FILE_EXTENSIONS:
            raise forms.ValidationError(
                _("Choose a CSV or XLSX file (.csv, .txt or .xlsx)."), code="file_type"
            )
        if upload.size > max_bytes():
            # Refused before its bytes are read into memory (it waits in a temporary file).
            raise forms.ValidationError(too_large_message(upload.size), code="too_large")
        head = upload.read(8192)
        upload.seek(0)
        if not head.startswith(b"PK\x03\x04") and b"\x00" in head:
            raise forms.ValidationError(
                _("This file is neither CSV text nor an XLSX workbook."), code="file_type"
            )
        return upload


def column_field_name(index: int) -> str:
    return f"column_{index}"


class MappingForm(StyledForm, forms.Form):
    """Each column of the file → a field (or nothing), the upsert key, and for a CSV file
    how to read it (changing those reads the header again and proposes a new mapping)."""

    key = forms.ChoiceField(label=_("Update existing records matched by"), required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITER_CHOICES, required=False)

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        fields: list[tuple[str, str]],
        keys: list[tuple[str, str]],
        is_csv: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.is_csv = is_csv
        key = self.fields["key"]
        assert isinstance(key, forms.ChoiceField)
        key.choices = [("", _("Nothing: always create new records")), *keys]
        if not is_csv:
            del self.fields["encoding"], self.fields["delimiter"]
        targets = [("", _("— do not import —")), *fields]
        for index, header in enumerate(headers):
            self.fields[column_field_name(index)] = forms.ChoiceField(
                label=header, choices=targets, required=False
            )
        # StyledForm styled the fields it saw; the columns came after.
        for index in range(len(headers)):
            widget = self.fields[column_field_name(index)].widget
            widget.attrs["class"] = "form-select form-select-sm"

    @classmethod
    def initial_for(
        cls, *, headers: list[str], mapping: dict[str, str], key: str, encoding: str, delimiter: str
    ) -> dict[str, Any]:
        initial: dict[str, Any] = {"key": key, "encoding": encoding, "delimiter": delimiter}
        for index, header in enumerate(headers):
            initial[column_field_name(index)] = mapping.get(header, "")
        return initial

    def column_fields(self) -> list[forms.BoundField]:
        return [self[column_field_name(index)] for index in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        """{column header: field} of the columns that go somewhere."""
        return {
            header: self.cleaned_data[column_field_name(index)]
            for index, header in enumerate(self.headers)
            if self.cleaned_data.get(column_field_name(index))
        }

    def reading_changed(self, *, encoding: str, delimiter: str) -> bool:
        """The user chose another encoding or delimiter than the file is read with."""
        if not self.is_csv:
            return False
        chosen_encoding = self.cleaned_data.get("encoding") or ""
        chosen_delimiter = self.cleaned_data.get("delimiter") or ""
        return bool(
            (chosen_encoding and chosen_encoding != encoding)
            or (chosen_delimiter and chosen_delimiter != delimiter)
        )


class CommitForm(StyledForm, forms.Form):
    mode = forms.ChoiceField(
        label=_("What to do with the invalid rows"),
        choices=ImportMode.choices,
        initial=ImportMode.VALID_ONLY,
        widget=forms.RadioSelect,
    )


class TemplateForm(StyledForm, forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)


class ConfirmForm(StyledForm, forms.Form):
    """A confirmation with nothing to fill in (undo)."""
