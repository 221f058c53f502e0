"""Django's PostgreSQL compilers, but for bulk inserts: Django 5.2 sends those as
``INSERT ... SELECT * FROM UNNEST(%s::type[], ...)``, which AT mode refuses (an INSERT ... SELECT); here they
stay one multi-row ``VALUES`` list, whose rows AT mode images as any other INSERT."""

from __future__ import annotations

from typing import Any

from django.db.models.sql import compiler as generic

try:  # Django 5.2+
    from django.db.backends.postgresql import compiler as postgresql
except ImportError:  # older Django has no PostgreSQL compilers of its own
    postgresql = generic  # type: ignore[assignment]

SQLCompiler = postgresql.SQLCompiler
SQLDeleteCompiler = postgresql.SQLDeleteCompiler
SQLUpdateCompiler = postgresql.SQLUpdateCompiler
SQLAggregateCompiler = postgresql.SQLAggregateCompiler


class SQLInsertCompiler(postgresql.SQLInsertCompiler):  # type: ignore[name-defined,misc]
    def assemble_as_sql(self, fields: Any, value_rows: Any) -> Any:
        return generic.SQLInsertCompiler.assemble_as_sql(self, fields, value_rows)


__all__ = [
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]
