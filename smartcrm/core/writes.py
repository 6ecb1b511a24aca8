"""Building blocks every service uses: validate, lock, check the version, save."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from smartcrm.core.constraints import constraint_error, validate_constraints
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
    """Run the model's field validators and constraints; raise one error naming each field.

    Django's ``full_clean``, step for step, without the queries the database makes needless:
    a foreign key to a row the service holds (passed in, or unchanged since ``lock`` read
    it) is not looked up again, a new row's fresh UUID is not looked up either (the primary
    key refuses a clash), and CHECK constraints are answered in Python where they can be
    (``core.constraints``). The errors are the same, with the same fields, codes, messages.
    """
    normalize_strings(instance)
    excluded = set(exclude)
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=excluded | held_foreign_keys(instance))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # As full_clean: unique and constraint checks only for the fields that passed.
    excluded |= {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.validate_unique(exclude=excluded | {instance._meta.pk.name})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        validate_constraints(instance, exclude=excluded)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        failure = ValidationError(errors)
        raise validation_failed(failure, instance) from failure
    quantize_decimals(instance)


# Set by ``lock`` on the row it read: its foreign keys as stored (the database holds them).
_LOADED_KEYS = "_writes_loaded_foreign_keys"


def held_foreign_keys(instance: models.Model) -> set[str]:
    """Foreign keys whose row is known to exist: the related object was given (and is saved),
    or the key is unchanged since ``lock`` read the row."""
    loaded: dict[str, Any] = getattr(instance, _LOADED_KEYS, {})
    held: set[str] = set()
    for model_field in instance._meta.concrete_fields:
        if not isinstance(model_field, models.ForeignKey):
            continue
        value = getattr(instance, model_field.attname)
        if value is None:
            continue
        if model_field.attname in loaded and loaded[model_field.attname] == value:
            held.add(model_field.name)
            continue
        related = model_field.get_cached_value(instance, default=None)
        if (
            related is not None
            and not related._state.adding
            and getattr(related, model_field.target_field.attname) == value
        ):
            held.add(model_field.name)
    return held


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
    before: dict[str, Any] = instance.__dict__.setdefault(_BEFORE, {})
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        stored = getattr(instance, attname)  # a foreign key's id: no query
        if isinstance(field, models.ForeignKey) and isinstance(value, models.Model):
            attname = name
        if (
            value is None
            and isinstance(field, models.CharField | models.TextField)
            and not field.null
        ):
            value = ""
        if getattr(instance, attname) != value:
            before.setdefault(name, stored)
            setattr(instance, attname, value)
            changed.append(name)
    return changed


# Set by ``apply_changes``: each changed field's value before the first change (the audit
# log records before and after).
_BEFORE = "_writes_before"


def before_values(instance: models.Model) -> dict[str, Any]:
    """The values ``apply_changes`` replaced, by field name."""
    values: dict[str, Any] = instance.__dict__.get(_BEFORE, {})
    return values


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
    setattr(
        row,
        _LOADED_KEYS,
        {
            model_field.attname: getattr(row, model_field.attname)
            for model_field in row._meta.concrete_fields
            if isinstance(model_field, models.ForeignKey)
        },
    )
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
    """Save, turning a database constraint violation into a clear domain error (the one
    ``validate`` gives for that constraint, when the database names it)."""
    if new_version and instance.pk and not instance._state.adding:
        instance.version = getattr(instance, "version", 0) + 1  # type: ignore[attr-defined]  # tenant rows carry version
    try:
        instance.save()
    except IntegrityError as error:
        # A constraint the checks passed, broken by a concurrent write: its own error.
        broken = constraint_error(error, instance)
        if broken is not None:
            raise validation_failed(broken, instance) from error
        detail = str(error).splitlines()[0] if str(error) else ""
        raise ValidationFailed(
            _("This conflicts with an existing record (%(detail)s).") % {"detail": detail},
            code="integrity",
        ) from error
    return instance
