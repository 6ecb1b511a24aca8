"""Query expressions the ORM lacks."""

from __future__ import annotations

from typing import Any

from django.db.models import Value


class Constant(Value):
    """A constant in an expression that an expression index serves (``Coalesce(due_at,
    Constant(NO_DUE_TIME))``). SQLite uses such an index only when the query's expression
    is the index's, constants included, and a bound parameter is never equal to the
    literal the index was created with: on SQLite the constant is written into the SQL as
    that literal (a value of the code, never of a user). Elsewhere it is a plain Value."""

    def as_sqlite(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = self.as_sql(compiler, connection, **extra_context)
        if sql != "%s" or len(params) != 1 or not isinstance(params[0], str | int):
            return sql, tuple(params)
        (param,) = params
        if isinstance(param, int):
            return str(param), ()
        return "'" + param.replace("'", "''") + "'", ()
