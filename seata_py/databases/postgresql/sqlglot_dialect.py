"""sqlglot's PostgreSQL dialect, writing placeholders back as the scanner's markers.

sqlglot prints a named placeholder in PostgreSQL output as ``%(name)s``; the renderer looks for the
scanner's ``:marker`` form to turn each one into psycopg's ``%s`` with its argument, so this dialect keeps
that form. Defining the class registers it with sqlglot under :data:`SQLGLOT_DIALECT`.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.postgres import Postgres


def _marker(generator: Postgres.Generator, node: exp.Placeholder) -> str:
    return f":{node.name}" if node.name else "?"


class SeataPostgres(Postgres):
    class Generator(Postgres.Generator):
        TRANSFORMS = {**Postgres.Generator.TRANSFORMS, exp.Placeholder: _marker}


SQLGLOT_DIALECT = "seatapostgres"  # the name sqlglot registers SeataPostgres under
