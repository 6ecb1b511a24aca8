"""Model instances from a hand-written SELECT, for the few statements every request runs.

The ORM builds and compiles a query anew on each call: for the join that resolves an API
token (four tables) that was 2 ms of Python per request, more than the database spent on
it. A statement written once and read back through :class:`Columns` costs a fraction of
that. Columns and converters come from the models, so the statement follows the schema;
only its joins and conditions are written by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns(Generic[M]):
    """The concrete columns of ``model`` under a table alias: the SELECT list to write,
    and the instance to build from the slice of a row that holds them."""

    def __init__(self, model: type[M], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[list[tuple[Converter, Any]]]] = {}

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)

    def select(self, connection: BaseDatabaseWrapper) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(field.column))}" for field in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def converters(self, connection: BaseDatabaseWrapper) -> list[list[tuple[Converter, Any]]]:
        """Per column, what the ORM applies to a value read back (a UUID stored as text on
        SQLite, a JSON document, a time zone): the same functions, found once."""
        found = self._converters.get(connection.vendor)
        if found is None:
            found = []
            for field in self.fields:
                column = field.get_col(self.alias)
                found.append(
                    [
                        (converter, column)
                        for converter in (
                            connection.ops.get_db_converters(column)
                            + column.get_db_converters(connection)
                        )
                    ]
                )
            self._converters[connection.vendor] = found
        return found

    def build(self, row: Sequence[Any], start: int, *, using: str) -> M:
        """The instance from ``row[start:start + len(self)]``, as if the ORM had read it."""
        connection = connections[using]
        values = list(row[start : start + len(self.fields)])
        for index, converters in enumerate(self.converters(connection)):
            for converter, expression in converters:
                values[index] = converter(values[index], expression, connection)
        return self.model.from_db(using, self.attnames, values)
