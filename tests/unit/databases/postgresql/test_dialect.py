"""The PostgreSQL dialect without a server: quoting, the undo_log DDL and purge statement, matching a
column's default in an upsert, error recognition, pgjdbc's type codes, and the pg_catalog metadata read
from canned catalog rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
import psycopg.errors
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from seata_py.databases.postgresql import catalog
from seata_py.databases.postgresql.dialect import PostgresDialect
from seata_py.databases.postgresql.jdbc_types import jdbc_type
from seata_py.databases.postgresql.undo_log import undo_log_ddl
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import TableMetaError
from seata_py.types.meta import ColumnMeta, IndexMeta
from seata_py.undo.log_table import UndoLogTable

try:
    from psycopg._queries import _split_query
except ImportError:  # pragma: no cover
    _split_query = None

DIALECT = PostgresDialect()


def pg_tree(sql: str) -> list[exp.Expression]:
    """The statements as PostgreSQL reads them, unquoted names folded."""
    return [normalize_identifiers(t, dialect="postgres") for t in sqlglot.parse(sql, read="postgres") if t]


def created_table(ddl: str) -> exp.Create:
    return next(t for t in pg_tree(ddl) if isinstance(t, exp.Create) and t.kind == "TABLE")


# -- quoting -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "quoted"),
    [("t", '"t"'), ("MixedCase", '"MixedCase"'), ('a"b', '"a""b"'), ('"', '""""'), ("select", '"select"')],
)
def test_quote_keeps_any_name_exactly(name: str, quoted: str) -> None:
    assert DIALECT.quote(name) == quoted == catalog.quote(name)
    # PostgreSQL reads the quoted form back as the very same name
    (tree,) = pg_tree(f"SELECT 1 FROM {quoted}")
    assert tree.find(exp.Table).name == name  # type: ignore[union-attr]


def test_qualified_names_are_quoted_part_by_part() -> None:
    assert DIALECT.quote_table("T", "Shop") == '"Shop"."T"'
    assert DIALECT.quote_column("id", "o") == '"o"."id"'


# -- undo_log ------------------------------------------------------------------------------------------------

SEATA_COLUMNS = {
    # Seata's script/client/at/db/postgresql.sql
    "id": "SERIAL",
    "branch_id": "BIGINT",
    "xid": "VARCHAR(128)",
    "context": "VARCHAR(128)",
    "rollback_info": "BYTEA",
    "log_status": "INT",
    "log_created": "TIMESTAMP(0)",
    "log_modified": "TIMESTAMP(0)",
}


def test_the_ddl_creates_seatas_undo_log_table() -> None:
    ddl = undo_log_ddl()
    create = created_table(ddl)
    assert create.this.this.name == "undo_log"  # type: ignore[union-attr]
    assert create.args.get("exists")  # IF NOT EXISTS: safe to run again
    defs = {c.name: c for c in create.this.expressions if isinstance(c, exp.ColumnDef)}
    assert list(defs) == list(SEATA_COLUMNS)
    lines = [line.split() for line in ddl.splitlines()]
    for name, declared in SEATA_COLUMNS.items():
        assert [name, declared, "NOT", "NULL,"] in lines
    assert "CONSTRAINT pk_undo_log PRIMARY KEY (id)" in ddl
    assert "CONSTRAINT ux_undo_log UNIQUE (xid, branch_id)" in ddl
    index = next(t for t in pg_tree(ddl) if isinstance(t, exp.Create) and t.kind == "INDEX")
    assert index.this.name == "ix_log_created"
    assert [c.name for c in index.find_all(exp.Column)] == ["log_created"]


def test_a_custom_table_gets_constraint_names_of_its_own() -> None:
    ddl = undo_log_ddl("my_undo")
    assert created_table(ddl).this.this.name == "my_undo"  # type: ignore[union-attr]
    # constraint and index names share one namespace per schema: two undo tables must not collide
    assert "CONSTRAINT pk_my_undo PRIMARY KEY (id)" in ddl
    assert "CONSTRAINT ux_my_undo UNIQUE (xid, branch_id)" in ddl
    assert "ix_my_undo_log_created ON my_undo (log_created)" in ddl
    assert "undo_log" not in ddl.replace("my_undo", "")
    assert DIALECT.undo_log_ddl("my_undo") == ddl


@pytest.mark.parametrize("name", ['x"; DROP TABLE t; --', "public.undo_log", "undo log", "", "undo-log"])
def test_a_name_that_is_not_plain_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain table name"):
        undo_log_ddl(name)


def test_the_duplicate_undo_row_is_recognized_by_seatas_constraint() -> None:
    # psycopg's message for the insert that collides with an existing (xid, branch_id)
    duplicate = psycopg.errors.UniqueViolation(
        'duplicate key value violates unique constraint "ux_undo_log"\n'
        "DETAIL:  Key (xid, branch_id)=(1.2.3.4:8091:77, 78) already exists."
    )
    assert DIALECT.is_undo_log_duplicate_error(duplicate)
    other_key = psycopg.errors.UniqueViolation(
        'duplicate key value violates unique constraint "t_pkey"\nDETAIL:  Key (id)=(1) already exists.'
    )
    assert not DIALECT.is_undo_log_duplicate_error(other_key)
    assert not DIALECT.is_undo_log_duplicate_error(psycopg.errors.UndefinedTable("ux_undo_log xid branch_id"))
    assert DIALECT.is_unknown_column_error(psycopg.errors.UndefinedColumn('column "x" does not exist'))
    assert not DIALECT.is_unknown_column_error(psycopg.errors.UndefinedTable("no table"))


def test_the_ddl_creates_the_table_the_undo_log_statements_use() -> None:
    used = UndoLogTable("UndoLog", DIALECT).table
    (select,) = pg_tree(f"SELECT xid FROM {used}")
    created = created_table(undo_log_ddl("UndoLog")).this.this.name  # type: ignore[union-attr]
    assert created == select.find(exp.Table).name  # type: ignore[union-attr]


def test_purge_deletes_a_batch_through_a_subquery() -> None:
    # PostgreSQL's DELETE has no LIMIT: the batch is the subquery's
    sql = DIALECT.purge_sql('"undo_log"', 3000)
    (tree,) = pg_tree(sql.replace("%s", "'2020-01-01'"))
    assert isinstance(tree, exp.Delete)
    assert tree.this.name == "undo_log"
    subquery = tree.find(exp.Select)
    assert subquery is not None
    assert subquery.args["limit"].expression.this == "3000"
    assert "log_created <= %s" in sql
    assert sql.count("%s") == 1
    # the batch is a number in the text, never anything else
    assert "LIMIT 12)" in DIALECT.purge_sql('"u"', 12.9)  # type: ignore[arg-type]


# -- defaults in upserts -------------------------------------------------------------------------------------


def default_column(default: str | None) -> ColumnMeta:
    return ColumnMeta("code", 2, "text", "text", 12, default=default)


@pytest.mark.parametrize(
    ("default", "condition"),
    [
        # defaults as pg_catalog.pg_get_expr shows them
        ("0", '"code" = 0'),
        ("1.5", '"code" = 1.5'),
        ("true", '"code" = true'),
        ("'x'::text", "\"code\" = 'x'::text"),
        ("'it''s'::character varying", "\"code\" = 'it''s'::character varying"),
        ("'a'::bpchar", "\"code\" = 'a'::bpchar"),
    ],
)
def test_a_constant_default_is_matched_as_the_server_evaluates_it(default: str, condition: str) -> None:
    assert DIALECT.default_match(default_column(default)) == (condition, [])


@pytest.mark.parametrize(
    "default",
    [
        "now()",
        "CURRENT_TIMESTAMP",
        "nextval('t_id_seq'::regclass)",
        "gen_random_uuid()",
        "('x'::text || 'y'::text)",
        "(random() * (10)::double precision)",
    ],
)
def test_a_default_that_is_not_a_constant_is_refused(default: str) -> None:
    # each row would get its own value: no condition finds the row the upsert collides with
    with pytest.raises(UnsupportedSQLError, match="not a constant") as caught:
        DIALECT.default_match(default_column(default))
    assert "code" in caught.value.construct


@pytest.mark.parametrize("default", ["'-1'::integer", "'-1.5'::numeric"])
def test_a_negative_number_default_is_a_constant(default: str) -> None:
    sql, params = DIALECT.default_match(default_column(default))
    assert (sql, params) == (f'"code" = {default}', [])


def test_a_default_with_a_percent_survives_psycopg() -> None:
    sql, params = DIALECT.default_match(default_column("'a%b'::text"))
    assert _split_query is not None
    parts = _split_query(sql.encode())  # what psycopg does with it when args are given
    assert len(parts) - 1 == len(params)
    assert b"'a%b'" in b"".join(p.pre for p in parts)


# -- type codes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data_type", "code"),
    [
        # java.sql.Types values pgjdbc's DatabaseMetaData.getColumns reports
        ("bool", -7),  # BIT
        ("int2", 5),
        ("int4", 4),
        ("int8", -5),
        ("numeric", 2),
        ("float4", 7),  # REAL
        ("float8", 8),  # DOUBLE
        ("bpchar", 1),
        ("varchar", 12),
        ("text", 12),
        ("bytea", -2),  # BINARY
        ("date", 91),
        ("time", 92),
        ("timestamp", 93),
        ("timestamptz", 93),
        ("xml", 2009),
        ("array", 2003),
        ("uuid", 1111),  # OTHER
        ("json", 1111),
        ("interval", 1111),
        ("some_extension_type", 1111),
    ],
)
def test_jdbc_type_codes(data_type: str, code: int) -> None:
    assert jdbc_type(data_type) == code


# -- catalog -------------------------------------------------------------------------------------------------


def col(
    attnum: int,
    name: str,
    typname: str,
    *,
    declared: str | None = None,
    typtype: str = "b",
    category: str = "N",
    element: str | None = None,
    notnull: bool = False,
    default: str | None = None,
    identity: str = "",
    generated: str = "",
) -> tuple[Any, ...]:
    """One row of the columns query, in its column order."""
    return (
        attnum, name, declared or typname, typname, typtype, category, element, notnull, default, identity,
        generated,
    )  # fmt: skip


class CatalogCursor:
    """Answers the catalog queries from canned rows; ``tables`` maps a to_regclass argument to its row."""

    def __init__(
        self,
        tables: dict[str, tuple[Any, ...]],
        columns: Sequence[tuple[Any, ...]] = (),
        indexes: Sequence[tuple[Any, ...]] = (),
        schema: str | None = "public",
    ) -> None:
        self.tables, self.columns, self.indexes, self.schema = tables, columns, indexes, schema
        self.executed: list[tuple[str, Any]] = []
        self._rows: Sequence[Sequence[Any]] = ()

    def execute(self, query: str, args: Any = None) -> None:
        self.executed.append((query, args))
        if "current_schema()" in query:
            self._rows = [(self.schema,)]
        elif "to_regclass" in query:
            row = self.tables.get(args[0])
            self._rows = [row] if row else []
        elif "pg_attribute a" in query and "pg_attrdef" in query:
            self._rows = self.columns
        elif "pg_index x" in query:
            self._rows = self.indexes
        else:
            raise AssertionError(query)

    def fetchall(self) -> Sequence[Sequence[Any]]:
        return self._rows

    def regclass_args(self) -> list[str]:
        return [a[0] for q, a in self.executed if "to_regclass" in q]


ORDERS = (16384, "public", "orders", "r", "p")
ORDER_COLUMNS = [
    col(1, "id", "int8", declared="bigint", notnull=True, default="nextval('orders_id_seq'::regclass)"),
    col(2, "code", "text", notnull=True),
    col(3, "tags", "_text", declared="text[]", category="A", element="text"),
    col(4, "mood", "mood", typtype="e", category="E"),
    col(5, "total", "numeric", declared="numeric(10,2)", default="0"),
    col(6, "created", "timestamptz", declared="timestamp with time zone", default="now()"),
    col(8, "doubled", "int8", generated="s"),  # attnum 7 was dropped
]
ORDER_INDEXES = [
    ("orders_code_key", False, True, False, '["code"]'),
    ("orders_pkey", True, True, False, '["id"]'),
    ("orders_lower_code", False, True, True, "[]"),  # an expression index: no column list to match
    ("orders_open", False, True, True, '["code"]'),  # a partial unique index
    ("orders_total_idx", False, False, False, '["total", "created"]'),
]


def test_table_metadata_from_the_catalog() -> None:
    cursor = CatalogCursor({'"orders"': ORDERS}, ORDER_COLUMNS, ORDER_INDEXES)
    meta = catalog.load_table_meta(cursor, None, "orders")
    assert (meta.schema, meta.name, meta.record_name) == ("public", "orders", "orders")
    # the generated column is computed by the server: nothing restores it
    assert [c.name for c in meta.columns] == ["id", "code", "tags", "mood", "total", "created"]
    by_name = {c.name: c for c in meta.columns}
    assert by_name["id"] == ColumnMeta(
        "id", 1, "int8", "bigint", -5, False, "nextval('orders_id_seq'::regclass)", auto_increment=True
    )
    assert (by_name["code"].nullable, by_name["code"].default, by_name["code"].auto_increment) == (
        False,
        None,
        False,
    )
    assert (by_name["tags"].data_type, by_name["tags"].jdbc_type) == ("_text", 2003)
    assert (by_name["mood"].data_type, by_name["mood"].jdbc_type) == ("enum", 12)
    # a function default on a column outside the primary key is no generated key
    assert not by_name["created"].auto_increment
    assert meta.indexes == (
        IndexMeta("orders_pkey", ("id",), unique=True, primary=True),
        IndexMeta("orders_code_key", ("code",), unique=True),
        IndexMeta("orders_total_idx", ("total", "created"), unique=False),
    )
    assert meta.primary_key == ("id",)
    # the table was asked for by its quoted name, so the search_path finds it as PostgreSQL would
    assert cursor.regclass_args() == ['"orders"']
    oids = [a for q, a in cursor.executed if "to_regclass" not in q]
    assert oids == [[16384], [16384]]


def test_a_schema_outside_public_is_part_of_the_java_name() -> None:
    cursor = CatalogCursor(
        {'"inventory"."stock"': (1, "inventory", "stock", "r", "p")}, [col(1, "id", "int4")]
    )
    meta = catalog.load_table_meta(cursor, "inventory", "stock")
    assert (meta.schema, meta.name, meta.record_name) == ("inventory", "stock", "inventory.stock")


def test_a_name_from_a_java_log_falls_back_to_its_folded_form() -> None:
    # Java's undo log carries the table as the SQL spelled it (Orders): PostgreSQL meant orders
    cursor = CatalogCursor({'"shop"."orders"': (2, "shop", "orders", "r", "p")}, [col(1, "id", "int4")])
    meta = catalog.load_table_meta(cursor, "Shop", "Orders")
    assert meta.name == "orders"
    assert cursor.regclass_args() == ['"Shop"."Orders"', '"shop"."orders"']
    # a quoted mixed-case table that exists is taken as it is
    exact = CatalogCursor({'"Orders"': (3, "public", "Orders", "r", "p")}, [col(1, "id", "int4")])
    assert catalog.load_table_meta(exact, None, "Orders").name == "Orders"
    assert exact.regclass_args() == ['"Orders"']


def test_a_name_with_a_quote_reaches_to_regclass_quoted() -> None:
    cursor = CatalogCursor({'"a""b"': (4, "public", 'a"b', "r", "p")}, [col(1, "id", "int4")])
    assert catalog.load_table_meta(cursor, None, 'a"b').name == 'a"b'


def test_a_missing_table_is_a_meta_error() -> None:
    with pytest.raises(TableMetaError, match="nope"):
        catalog.load_table_meta(CatalogCursor({}), None, "nope")


@pytest.mark.parametrize(
    ("relkind", "what"), [("v", "a view"), ("m", "a materialized view"), ("f", "a foreign")]
)
def test_writes_through_a_view_or_foreign_table_are_refused(relkind: str, what: str) -> None:
    cursor = CatalogCursor({'"v"': (5, "public", "v", relkind, "p")})
    with pytest.raises(UnsupportedSQLError, match=what):
        catalog.load_table_meta(cursor, None, "v")


def test_a_relation_that_is_no_table_is_a_meta_error() -> None:
    cursor = CatalogCursor({'"s"': (6, "public", "s", "S", "p")})  # a sequence
    with pytest.raises(TableMetaError, match="not a table"):
        catalog.load_table_meta(cursor, None, "s")


def test_a_partitioned_table_is_a_table() -> None:
    cursor = CatalogCursor({'"p"': (7, "public", "p", "p", "p")}, [col(1, "id", "int4")])
    assert catalog.load_table_meta(cursor, None, "p").name == "p"


def test_a_temporary_table_is_refused() -> None:
    # phase 2 runs on another session, which cannot see it
    cursor = CatalogCursor({'"tmp"': (8, "pg_temp_3", "tmp", "r", "t")}, [col(1, "id", "int4")])
    with pytest.raises(UnsupportedSQLError, match="temporary table"):
        catalog.load_table_meta(cursor, None, "tmp")


def test_columns_differing_only_in_case_are_refused() -> None:
    cursor = CatalogCursor(
        {'"t"': (9, "public", "t", "r", "p")}, [col(1, "id", "int4"), col(2, "ID", "int4")]
    )
    with pytest.raises(UnsupportedSQLError, match="differ only in case"):
        catalog.load_table_meta(cursor, None, "t")


@pytest.mark.parametrize(
    ("column_row", "generated"),
    [
        (col(1, "id", "int4", identity="a"), True),  # GENERATED ALWAYS AS IDENTITY
        (col(1, "id", "int4", identity="d"), True),  # GENERATED BY DEFAULT AS IDENTITY
        (col(1, "id", "int4", default="nextval('s'::regclass)"), True),  # serial
        (col(1, "id", "uuid", default="gen_random_uuid()"), True),  # a function fills each row afresh
        (col(1, "id", "int4", default="0"), False),
        (col(1, "id", "int4"), False),
    ],
)
def test_a_key_the_database_fills_is_a_generated_key(column_row: tuple[Any, ...], generated: bool) -> None:
    cursor = CatalogCursor(
        {'"t"': (10, "public", "t", "r", "p")}, [column_row], [("t_pkey", True, True, False, '["id"]')]
    )
    assert catalog.load_table_meta(cursor, None, "t").column("id").auto_increment is generated


def test_a_constant_default_with_a_parenthesis_is_no_generated_key() -> None:
    cursor = CatalogCursor(
        {'"t"': (11, "public", "t", "r", "p")},
        [col(1, "code", "text", default="'(none)'::text")],
        [("t_pkey", True, True, False, '["code"]')],
    )
    assert not catalog.load_table_meta(cursor, None, "t").column("code").auto_increment


def test_the_current_schema() -> None:
    assert catalog.current_schema(CatalogCursor({}, schema="shop")) == "shop"
    assert DIALECT.current_schema(CatalogCursor({}, schema="shop")) == "shop"
    with pytest.raises(TableMetaError, match="search_path"):
        catalog.current_schema(CatalogCursor({}, schema=None))  # no schema of the search_path exists
