"""A model's table constraints checked before a save, without a query where Python can.

Django validates each CHECK constraint by asking the database (``SELECT 1 WHERE ...``, inside
a savepoint in a transaction): three statements per constraint on every write. Most of ours
are plain comparisons of the row's own values (a status among the known ones, a reason when
disqualified, a quantity above zero), which Python answers alike, so ``validate_constraints``
evaluates those here, with SQL's three-valued logic (a comparison with NULL is unknown, and
a CHECK passes unless its condition is false). Anything else (functions, joins, text order,
which depends on the collation) is left to Django's query, as before. Errors, codes and
messages are Django's own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.db.models import F, Q


class Undecided(Exception):
    """The condition needs the database to answer."""


class MissingField(Exception):
    """The condition reads a field left out of validation (Django skips such constraints)."""


# Values compared alike by Python and SQL: each family with itself only.
_FAMILIES: tuple[tuple[type, ...], ...] = (
    (str,),
    (bool, int, Decimal),
    (dt.datetime,),
    (dt.date,),
    (dt.time,),
    (uuid.UUID,),
)
# Text is left out of ordering: its order depends on the database's collation.
_ORDERED = frozenset({"gt", "gte", "lt", "lte"})


def _family(value: Any) -> int:
    # In order: a datetime is a date too, and is found as a datetime first.
    for index, kinds in enumerate(_FAMILIES):
        if isinstance(value, kinds):
            return index
    raise Undecided


def _comparable(lhs: Any, rhs: Any) -> None:
    if _family(lhs) != _family(rhs):
        raise Undecided
    if isinstance(lhs, dt.datetime | dt.time) and (lhs.tzinfo is None) != (rhs.tzinfo is None):
        raise Undecided


def _value(values: Mapping[str, Any], name: str) -> Any:
    if "__" in name:
        raise Undecided  # a join or a transform
    if name not in values:
        raise MissingField
    value = values[name]
    if hasattr(value, "resolve_expression"):
        raise Undecided  # an expression the save will compute (F("version") + 1)
    return value


def _lookup(name: str, rhs: Any, values: Mapping[str, Any]) -> bool | None:
    field_name, _, lookup = name.partition("__")
    lookup = lookup or "exact"
    lhs = _value(values, field_name)
    if type(rhs) is F:
        rhs = _value(values, str(getattr(rhs, "name", "")))
        if lookup == "exact" and rhs is None:
            return None  # column = NULL is unknown
    elif hasattr(rhs, "resolve_expression"):
        raise Undecided
    if lookup == "isnull":
        if not isinstance(rhs, bool):
            raise Undecided
        return (lhs is None) == rhs
    if lookup == "exact":
        if rhs is None:
            return lhs is None  # Django reads "= None" as IS NULL
        if lhs is None:
            return None
        _comparable(lhs, rhs)
        return bool(lhs == rhs)
    if lookup == "in":
        if isinstance(rhs, str | bytes) or not isinstance(rhs, Collection):
            raise Undecided
        options = [option for option in rhs if option is not None]
        if not options:
            raise Undecided  # Django answers an empty IN without asking
        if lhs is None:
            return None
        for option in options:
            _comparable(lhs, option)
        return any(lhs == option for option in options)
    if lookup in _ORDERED:
        if lhs is None or rhs is None:
            return None
        _comparable(lhs, rhs)
        if isinstance(lhs, str):
            raise Undecided
        try:
            if lookup == "gt":
                return bool(lhs > rhs)
            if lookup == "gte":
                return bool(lhs >= rhs)
            if lookup == "lt":
                return bool(lhs < rhs)
            return bool(lhs <= rhs)
        except TypeError:
            raise Undecided from None
    raise Undecided


def truth(condition: Q, values: Mapping[str, Any]) -> bool | None:
    """``condition`` over one row's ``values``: True, False, or None (SQL's unknown)."""
    results: list[bool | None] = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(truth(child, values))
        elif isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str):
            results.append(_lookup(child[0], child[1], values))
        else:
            raise Undecided
    result: bool | None
    if condition.connector == Q.AND:
        result = False if False in results else None if None in results else True
    elif condition.connector == Q.OR:
        result = True if True in results else None if None in results else False
    else:
        raise Undecided
    if condition.negated and result is not None:
        result = not result
    return result


def _row_values(
    instance: models.Model, model: type[models.Model], exclude: Collection[str]
) -> dict[str, Any]:
    """What Django's own check compares against: the row's fields but the excluded ones."""
    values: dict[str, Any] = {}
    for model_field in model._meta.local_concrete_fields:
        if model_field.generated:
            raise Undecided
        if model_field.name not in exclude:
            values[model_field.name] = getattr(instance, model_field.attname)
    if "pk" not in exclude:
        values["pk"] = instance.pk
    return values


def _holds(
    condition: Any, instance: models.Model, model: type[models.Model], exclude: Collection[str]
) -> bool:
    """Whether a row may carry ``condition`` (a CHECK passes unless it is false)."""
    if not isinstance(condition, Q):
        raise Undecided
    return truth(condition, _row_values(instance, model, exclude)) is not False


def validate_constraint(
    constraint: models.BaseConstraint,
    model: type[models.Model],
    instance: models.Model,
    *,
    exclude: Collection[str],
    using: str | None = None,
) -> None:
    """``constraint.validate(model, instance, exclude)``, answered in Python where it can be:
    a CHECK over the row's own values, or a partial unique constraint whose condition the
    row does not meet (``is_primary`` false: it cannot clash)."""
    if isinstance(constraint, models.CheckConstraint):
        try:
            holds = _holds(constraint.condition, instance, model, exclude)
        except MissingField:
            return  # as Django: a constraint over a field left out is not checked
        except Undecided:
            pass
        else:
            if not holds:
                raise ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
            return
    elif isinstance(constraint, models.UniqueConstraint) and isinstance(constraint.condition, Q):
        try:
            if truth(constraint.condition, _row_values(instance, model, exclude)) is False:
                return  # the row is outside the partial index
        except (MissingField, Undecided):
            pass
    constraint.validate(
        model,
        instance,
        exclude=set(exclude),
        using=using or router.db_for_write(model, instance=instance),
    )


def validate_constraints(instance: models.Model, *, exclude: Collection[str]) -> None:
    """``Model.validate_constraints``, each constraint through ``validate_constraint``."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, Any] = {}
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                validate_constraint(constraint, model, instance, exclude=exclude, using=using)
            except ValidationError as error:
                fields: Sequence[str] = getattr(constraint, "fields", ())
                if getattr(error, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _violated_name(error: BaseException) -> str:
    """The constraint a database error names: PostgreSQL says it; SQLite writes it in its
    message ("CHECK constraint failed: name", "UNIQUE constraint failed: index 'name'") or
    lists the unique columns ("UNIQUE constraint failed: table.a, table.b")."""
    diag = getattr(error.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(error).splitlines()[0] if str(error) else ""
    _, _, detail = message.partition("constraint failed: ")
    return detail.strip().removeprefix("index ").strip("'\"")


def _unique_columns(model: type[models.Model], constraint: models.UniqueConstraint) -> str:
    table = model._meta.db_table
    return ", ".join(
        f"{table}.{model._meta.get_field(name).column}"  # type: ignore[union-attr]  # concrete
        for name in constraint.fields
    )


def constraint_error(error: BaseException, instance: models.Model) -> ValidationError | None:
    """The error ``validate_constraints`` gives for the constraint a failed write broke
    (raced past the check: two requests adding the same code at once), or None when the
    database names none of the model's constraints."""
    name = _violated_name(error)
    if not name:
        return None
    for model, constraints in instance.get_constraints():
        for constraint in constraints:
            fields: list[str] = []
            if isinstance(constraint, models.UniqueConstraint):
                fields = list(constraint.fields)
                if fields and _unique_columns(model, constraint) == name:
                    name = constraint.name
            if constraint.name != name:
                continue
            if fields and constraint.violation_error_message == (
                constraint.default_violation_error_message
            ):
                message = instance.unique_error_message(model, fields)
                found = ValidationError(message, code=message.code)
            else:
                found = ValidationError(
                    constraint.get_violation_error_message(),
                    code=constraint.violation_error_code,
                )
            key = fields[0] if found.code == "unique" and len(fields) == 1 else NON_FIELD_ERRORS
            return ValidationError({key: [found]})
    return None
