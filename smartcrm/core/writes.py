"""Building blocks every service uses: validate, lock, check the version, save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartcrm.core.errors import FieldIssue, NotFound, StaleVersion, ValidationFailed
from smartcrm.core.text import clean_text, normalize_ro

M = TypeVar("M", bound=models.Model)

# Fields a caller can never set: the service owns them (mass assignment is impossible).
PROTECTED_FIELDS = frozenset(
    {
        "id",
        "pk",
        "organization",
        "organization_id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "created_by_id",
    }
)


def normalize_strings(instance: models.Model) -> None:
    """Cedilla ş/ţ become comma-below ș/ț; single-line fields lose stray blanks. A NUL
    character (no database stores it in text) is refused, naming the field."""
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname, None)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            raise ValidationFailed(
                _("Remove the NUL character from this text."),
                field=model_field.name,
                code="nul_character",
            )
        if model_field.choices:
            continue
        if isinstance(model_field, models.TextField):
            setattr(instance, model_field.attname, normalize_ro(value).strip())
        elif isinstance(model_field, models.CharField | models.EmailField):
            setattr(instance, model_field.attname, clean_text(value))


def validate(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's field validators and constraints; raise one error naming each field."""
    normalize_strings(instance)
    try:
        instance.full_clean(exclude=list(exclude) or None)
    except ValidationError as error:
        raise validation_failed(error, instance) from error
    quantize_decimals(instance)


def quantize_decimals(instance: models.Model) -> None:
    """Decimals carry their column's places ("250" -> "250.0000"), as a later read shows."""
    for model_field in instance._meta.concrete_fields:
        value = getattr(instance, model_field.attname, None)
        if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
            places = model_field.decimal_places or 0
            setattr(instance, model_field.attname, value.quantize(Decimal(1).scaleb(-places)))


def validation_failed(
    error: ValidationError, instance: models.Model | None = None
) -> ValidationFailed:
    """One domain error naming each field; a table constraint's error names the field it is
    about when the model says which (FIELD_OF_CONSTRAINT, by violation code)."""
    field_of = getattr(instance, "FIELD_OF_CONSTRAINT", {}) if instance is not None else {}
    issues: list[FieldIssue] = []
    if hasattr(error, "error_dict"):
        for field_name, errors in error.error_dict.items():
            for item in errors:
                target = None if field_name == "__all__" else field_name
                if target is None and item.code in field_of:
                    target = field_of[item.code]
                issues.append(FieldIssue(target, " ".join(item.messages), item.code or "invalid"))
    else:
        for item in error.error_list:
            issues.append(FieldIssue(None, " ".join(item.messages), item.code or "invalid"))
    return ValidationFailed.from_issues(issues or [FieldIssue(None, _("Invalid value."))])


def apply_changes(instance: M, changes: Mapping[str, Any], *, allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields from ``changes``; any other key is an error naming it."""
    allowed_set = set(allowed) - PROTECTED_FIELDS
    unknown = sorted(set(changes) - allowed_set)
    if unknown:
        raise ValidationFailed.from_issues(
            [
                FieldIssue(name, _("This field cannot be changed here."), "read_only")
                for name in unknown
            ]
        )
    changed: list[str] = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
            attname = name
        if (
            value is None
            and isinstance(field, models.CharField | models.TextField)
            and not field.null
        ):
            value = ""
        if getattr(instance, attname) != value:
            setattr(instance, attname, value)
            changed.append(name)
    return changed


def lock(queryset: QuerySet[M], pk: object, *, version: int | None = None, label: str = "") -> M:
    """Fetch one row for update (a row lock on PostgreSQL; SQLite's write transaction
    already serialises writers) and check the caller's version."""
    try:
        row = queryset.select_for_update().get(pk=pk)
    except (ObjectDoesNotExist, ValidationError, ValueError):
        raise NotFound(
            _("%(label)s not found.") % {"label": label or queryset.model._meta.verbose_name},
            code="not_found",
        ) from None
    check_version(row, version)
    return row


def check_version(row: models.Model, version: int | None) -> None:
    if version is not None and getattr(row, "version") != version:  # noqa: B009 - all tenant rows
        raise StaleVersion(
            _(
                "This record was changed by someone else (version %(current)s, you had "
                "%(yours)s). Reload it and try again."
            )
            % {"current": getattr(row, "version"), "yours": version},  # noqa: B009
            field="version",
            code="stale_version",
        )


def save(instance: M, *, new_version: bool = True) -> M:
    """Save, turning a database constraint violation into a clear domain error."""
    if new_version and instance.pk and not instance._state.adding:
        instance.version = getattr(instance, "version", 0) + 1  # type: ignore[attr-defined]  # tenant rows carry version
    try:
        instance.save()
    except IntegrityError as error:
        detail = str(error).splitlines()[0] if str(error) else ""
        raise ValidationFailed(
            _("This conflicts with an existing record (%(detail)s).") % {"detail": detail},
            code="integrity",
        ) from error
    return instance
