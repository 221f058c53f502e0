from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pymysql.err
import pytest

from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.databases.mysql.jdbc_types import jdbc_type
from seata_py.sql.errors import TableMetaError
from seata_py.types.meta import ColumnMeta, IndexMeta
from seata_py.types.statements import quote_identifier


class FakeCursor:
    """Answers the catalog queries from canned rows and records what was executed."""

    def __init__(
        self, version: str, database: str | None, columns: list[tuple[Any, ...]], stats: list[tuple[Any, ...]]
    ):
        self.version, self.database, self.columns, self.stats = version, database, columns, stats
        self.executed: list[tuple[str, Any]] = []
        self._result: Sequence[Sequence[Any]] = ()

    def execute(self, query: str, args: Any = None) -> int:
        self.executed.append((query, args))
        if query == "SELECT DATABASE(), VERSION()":
            self._result = [(self.database, self.version)]
        elif query == "SELECT DATABASE()":
            self._result = [(self.database,)]
        elif "information_schema.COLUMNS" in query:
            self._result = self.columns
        elif "information_schema.STATISTICS" in query:
            self._result = self.stats
        else:
            raise AssertionError(query)
        return len(self._result)

    def fetchall(self) -> Sequence[Sequence[Any]]:
        return self._result


def col(table: str, name: str, ordinal: int, data_type: str, column_type: str, **kw: Any) -> tuple[Any, ...]:
    return (
        "shop",
        table,
        name,
        ordinal,
        data_type,
        column_type,
        kw.get("nullable", "YES"),
        kw.get("default"),
        kw.get("extra", ""),
    )


def test_quote_escapes_backticks() -> None:
    dialect = MySQLDialect()
    assert dialect.quote("order") == "`order`"
    assert dialect.quote("we`ird") == "`we``ird`"
    assert dialect.quote("``") == "``````"
    assert dialect.quote_table("t`1", "db`x") == "`db``x`.`t``1`"
    assert dialect.quote_column("c", "a`") == "`a```.`c`"
    assert quote_identifier("a`b") == dialect.quote("a`b")


def test_loads_columns_and_indexes_with_bound_parameters() -> None:
    cursor = FakeCursor(
        "8.0.36",
        "shop",
        [
            col("orders", "id", 1, "bigint", "bigint", nullable="NO", extra="auto_increment"),
            col("orders", "tenant", 2, "varchar", "varchar(32)", nullable="NO", default="t'1"),
            col(
                "orders",
                "updated",
                3,
                "timestamp",
                "timestamp",
                extra="DEFAULT_GENERATED on update CURRENT_TIMESTAMP",
            ),
            col("orders", "flag", 4, "tinyint", "tinyint(1)", default="0"),
        ],
        [
            ("shop", "orders", "ix_updated", 1, 1, "updated"),
            ("shop", "orders", "PRIMARY", 0, 2, "id"),
            ("shop", "orders", "PRIMARY", 0, 1, "tenant"),
            ("shop", "orders", "uk_flag", 0, 1, "flag"),
            ("shop", "orders", "fx", 1, 1, None),  # functional key part
        ],
    )
    meta = MySQLDialect().load_table_meta(cursor, None, "orders")
    assert (meta.schema, meta.name) == ("shop", "orders")
    assert meta.columns == (
        ColumnMeta("id", 1, "bigint", "bigint", -5, nullable=False, auto_increment=True),
        ColumnMeta("tenant", 2, "varchar", "varchar(32)", 12, nullable=False, default="t'1"),
        ColumnMeta("updated", 3, "timestamp", "timestamp", 93, on_update=True),
        ColumnMeta("flag", 4, "tinyint", "tinyint(1)", -7, default="0"),
    )
    # Rows arrive ordered by index name; PRIMARY comes first, then unique, then the rest.
    assert [i.name for i in meta.indexes] == ["PRIMARY", "uk_flag", "ix_updated"]
    assert meta.indexes[0] == IndexMeta("PRIMARY", ("id", "tenant"), unique=True, primary=True)
    assert meta.primary_key == ("id", "tenant")
    assert meta.on_update_columns == ("updated",)
    for query, args in cursor.executed[1:]:
        assert args in (("shop", "orders"),)
        assert "orders" not in query and "shop" not in query  # names travel as parameters, never as text


def test_mariadb_defaults_are_normalised() -> None:
    cursor = FakeCursor(
        "10.11.19-MariaDB-0+deb12u1",
        "shop",
        [
            col("t", "id", 1, "int", "int(11)", nullable="NO"),
            col("t", "a", 2, "varchar", "varchar(10)", default="'a''b\\\\c'"),
            col("t", "b", 3, "int", "int(11)", default="NULL"),
            col("t", "c", 4, "varchar", "varchar(5)", default="'NULL'"),
            col("t", "d", 5, "datetime", "datetime", default="current_timestamp()"),
        ],
        [("shop", "t", "PRIMARY", 0, 1, "id")],
    )
    meta = MySQLDialect().load_table_meta(cursor, "shop", "t")
    assert [c.default for c in meta.columns] == [None, "a'b\\c", None, "NULL", "current_timestamp()"]


def test_table_name_case() -> None:
    rows = [col("T", "id", 1, "int", "int"), col("t", "ID", 1, "int", "int")]
    stats = [("shop", "T", "PRIMARY", 0, 1, "id"), ("shop", "t", "PRIMARY", 0, 1, "ID")]
    dialect = MySQLDialect()
    assert (
        dialect.load_table_meta(FakeCursor("8.0", "shop", rows, stats), "shop", "t").columns[0].name == "ID"
    )
    assert dialect.load_table_meta(FakeCursor("8.0", "shop", rows, stats), "shop", "T").primary_key == ("id",)
    with pytest.raises(TableMetaError, match="ambiguous"):
        dialect.load_table_meta(FakeCursor("8.0", "shop", rows, stats), "shop", "t2")
    # A server that folds names (lower_case_table_names=1) answers with the catalog spelling.
    folded = dialect.load_table_meta(FakeCursor("8.0", "shop", rows[1:], stats[1:]), "shop", "T")
    assert folded.name == "t"


def test_missing_table_and_database() -> None:
    dialect = MySQLDialect()
    with pytest.raises(TableMetaError, match=r"table shop\.nope not found"):
        dialect.load_table_meta(FakeCursor("8.0", "shop", [], []), None, "nope")
    with pytest.raises(TableMetaError, match="no database selected"):
        dialect.load_table_meta(FakeCursor("8.0", None, [], []), None, "t")
    with pytest.raises(TableMetaError, match="no database selected"):
        dialect.current_schema(FakeCursor("8.0", None, [], []))
    assert dialect.current_schema(FakeCursor("8.0", "shop", [], [])) == "shop"


def test_unknown_column_error() -> None:
    dialect = MySQLDialect()
    assert dialect.is_unknown_column_error(pymysql.err.OperationalError(1054, "Unknown column 'x'"))
    assert not dialect.is_unknown_column_error(pymysql.err.OperationalError(1146, "Table doesn't exist"))
    assert not dialect.is_unknown_column_error(ValueError("1054"))


@pytest.mark.parametrize(
    ("data_type", "column_type", "expected"),
    [
        ("tinyint", "tinyint(1)", -7),
        ("tinyint", "tinyint(1) unsigned", -7),
        ("tinyint", "tinyint(4)", -6),
        ("tinyint", "tinyint", -6),
        ("smallint", "smallint(6)", 5),
        ("mediumint", "mediumint(9)", 4),
        ("int", "int(11)", 4),
        ("int", "int(10) unsigned", 4),
        ("bigint", "bigint(20) unsigned", -5),
        ("decimal", "decimal(10,2)", 3),
        ("float", "float", 7),
        ("double", "double", 8),
        ("bit", "bit(1)", -7),
        ("bit", "bit(8)", -7),
        ("char", "char(3)", 1),
        ("varchar", "varchar(20)", 12),
        ("tinytext", "tinytext", 12),
        ("text", "text", -1),
        ("mediumtext", "mediumtext", -1),
        ("longtext", "longtext", -1),
        ("json", "json", -1),
        ("enum", "enum('a','b')", 1),
        ("set", "set('a','b')", 1),
        ("binary", "binary(4)", -2),
        ("varbinary", "varbinary(4)", -3),
        ("tinyblob", "tinyblob", -3),
        ("blob", "blob", -4),
        ("mediumblob", "mediumblob", -4),
        ("longblob", "longblob", -4),
        ("date", "date", 91),
        ("time", "time(3)", 92),
        ("datetime", "datetime(6)", 93),
        ("timestamp", "timestamp", 93),
        ("year", "year(4)", 91),
        ("geometry", "geometry", -2),
        ("inet6", "inet6", 1111),
    ],
)
def test_jdbc_types(data_type: str, column_type: str, expected: int) -> None:
    assert jdbc_type(data_type, column_type) == expected
