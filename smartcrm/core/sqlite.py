"""SQLite's built-in LOWER/UPPER fold ASCII only ("Â" stays "Â"). We replace them on every
SQLite connection with Python's Unicode-aware versions, so that case-insensitive unique
constraints (department names, product codes) hold for Romanian letters as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def install_unicode_case_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("lower", 1, _lower, deterministic=True)
    raw.create_function("upper", 1, _upper, deterministic=True)
