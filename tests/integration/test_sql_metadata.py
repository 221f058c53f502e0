"""Table metadata from a real MariaDB/MySQL catalog, and recognizer fragments run against real tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

from seata_py.databases.mysql.dialect import MySQLDialect
from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import TableMetaError
from seata_py.sql.metadata_cache import TableMetaCache
from seata_py.sql.recognizer import check_table_meta
from seata_py.types.meta import ColumnMeta, IndexMeta
from seata_py.types.statements import DeleteStatement, SelectForUpdateStatement, UpdateStatement
from tests.infra.mariadb import MySQLServer

pytestmark = pytest.mark.integration

DB = "it_sql_meta"
OTHER_DB = "it_sql_meta_other"

TABLES = [
    """CREATE TABLE order_items (
        order_id BIGINT NOT NULL,
        item_id INT NOT NULL,
        sku VARCHAR(32) NOT NULL,
        variant CHAR(2) NOT NULL DEFAULT 'xx',
        qty INT NOT NULL DEFAULT 1,
        created DATETIME NULL,
        PRIMARY KEY (order_id, item_id),
        UNIQUE KEY uk_sku (sku, variant),
        KEY ix_created (created)
    )""",
    """CREATE TABLE accounts (
        id BIGINT NOT NULL AUTO_INCREMENT,
        user_id VARCHAR(64) NOT NULL,
        money DECIMAL(10,2) NOT NULL DEFAULT 0.00,
        note VARCHAR(20) NULL DEFAULT 'it''s',
        updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        PRIMARY KEY (id),
        UNIQUE KEY uk_user (user_id)
    )""",
    """CREATE TABLE all_types (
        id INT NOT NULL PRIMARY KEY,
        c_bool BOOL NULL,
        c_tinyint TINYINT NULL,
        c_smallint SMALLINT NULL,
        c_mediumint MEDIUMINT NULL,
        c_int INT NULL,
        c_int_unsigned INT UNSIGNED NULL,
        c_bigint BIGINT NULL,
        c_bigint_unsigned BIGINT UNSIGNED NULL,
        c_decimal DECIMAL(12,3) NULL,
        c_float FLOAT NULL,
        c_double DOUBLE NULL,
        c_bit1 BIT(1) NULL,
        c_bit8 BIT(8) NULL,
        c_char CHAR(3) NULL,
        c_varchar VARCHAR(20) NULL,
        c_tinytext TINYTEXT NULL,
        c_text TEXT NULL,
        c_mediumtext MEDIUMTEXT NULL,
        c_longtext LONGTEXT NULL,
        c_enum ENUM('a','b') NULL,
        c_set SET('x','y') NULL,
        c_json JSON NULL,
        c_binary BINARY(4) NULL,
        c_varbinary VARBINARY(8) NULL,
        c_tinyblob TINYBLOB NULL,
        c_blob BLOB NULL,
        c_mediumblob MEDIUMBLOB NULL,
        c_longblob LONGBLOB NULL,
        c_date DATE NULL,
        c_time TIME(3) NULL,
        c_datetime DATETIME(6) NULL,
        c_timestamp TIMESTAMP(6) NULL DEFAULT NULL,
        c_year YEAR NULL
    )""",
    "CREATE TABLE no_pk (a INT NULL, b VARCHAR(5) NULL)",
    "CREATE TABLE `We``ird` (`Id` INT NOT NULL, `sel``ect` INT NULL, PRIMARY KEY (`Id`))",
]


@pytest.fixture(scope="module")
def conn(mysql_server: MySQLServer) -> Iterator[pymysql.connections.Connection]:
    mysql_server.create_database(DB)
    mysql_server.create_database(OTHER_DB)
    connection = pymysql.connect(**mysql_server.connect_kwargs(DB), autocommit=True)
    with connection.cursor() as cur:
        for ddl in TABLES:
            cur.execute(ddl)
        cur.execute(f"CREATE TABLE `{OTHER_DB}`.elsewhere (id INT PRIMARY KEY, v INT NULL)")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="module")
def mariadb(conn: pymysql.connections.Connection) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return "mariadb" in cur.fetchall()[0][0].lower()


def server_form(mariadb: bool, column_type: str, default: str | None = None) -> tuple[str, str | None]:
    """Expected COLUMN_TYPE and default as the server spells them: written here in MariaDB's form."""
    if mariadb:
        return column_type, default
    # MySQL 8.0.19+ drops integer display widths except TINYINT(1), and YEAR's width.
    column_type = re.sub(r"^(tinyint|smallint|mediumint|int|bigint)\((?!1\))\d+\)", r"\1", column_type)
    column_type = column_type.replace("year(4)", "year")
    if default == "current_timestamp()":
        default = "CURRENT_TIMESTAMP"
    return column_type, default


def column(
    mariadb: bool, name: str, ordinal: int, data_type: str, column_type: str, jdbc: int, **kw: Any
) -> ColumnMeta:
    shown_type, default = server_form(mariadb, column_type, kw.pop("default", None))
    return ColumnMeta(name, ordinal, data_type, shown_type, jdbc, default=default, **kw)


def load(conn: pymysql.connections.Connection, table: str, schema: str | None = None) -> Any:
    with conn.cursor() as cur:
        return MySQLDialect().load_table_meta(cur, schema, table)


def test_composite_primary_key_and_unique_index(conn: pymysql.connections.Connection, mariadb: bool) -> None:
    meta = load(conn, "order_items")
    assert (meta.schema, meta.name) == (DB, "order_items")
    assert meta.columns == (
        column(mariadb, "order_id", 1, "bigint", "bigint(20)", -5, nullable=False),
        column(mariadb, "item_id", 2, "int", "int(11)", 4, nullable=False),
        column(mariadb, "sku", 3, "varchar", "varchar(32)", 12, nullable=False),
        column(mariadb, "variant", 4, "char", "char(2)", 1, nullable=False, default="xx"),
        column(mariadb, "qty", 5, "int", "int(11)", 4, nullable=False, default="1"),
        column(mariadb, "created", 6, "datetime", "datetime", 93),
    )
    assert meta.indexes == (
        IndexMeta("PRIMARY", ("order_id", "item_id"), unique=True, primary=True),
        IndexMeta("uk_sku", ("sku", "variant"), unique=True),
        IndexMeta("ix_created", ("created",), unique=False),
    )
    assert meta.primary_key == ("order_id", "item_id")
    assert meta.primary_key_java_order == ("item_id", "order_id")  # Java's HashMap order, see §2.10
    assert [i.name for i in meta.unique_indexes] == ["PRIMARY", "uk_sku"]
    assert meta.auto_increment_column is None
    check_table_meta(meta)


def test_auto_increment_and_on_update(conn: pymysql.connections.Connection, mariadb: bool) -> None:
    meta = load(conn, "accounts")
    assert meta.columns == (
        column(mariadb, "id", 1, "bigint", "bigint(20)", -5, nullable=False, auto_increment=True),
        column(mariadb, "user_id", 2, "varchar", "varchar(64)", 12, nullable=False),
        column(mariadb, "money", 3, "decimal", "decimal(10,2)", 3, nullable=False, default="0.00"),
        column(mariadb, "note", 4, "varchar", "varchar(20)", 12, default="it's"),
        column(
            mariadb,
            "updated",
            5,
            "timestamp",
            "timestamp",
            93,
            nullable=False,
            default="current_timestamp()",
            on_update=True,
        ),
    )
    assert meta.indexes == (
        IndexMeta("PRIMARY", ("id",), unique=True, primary=True),
        IndexMeta("uk_user", ("user_id",), unique=True),
    )
    assert meta.auto_increment_column == "id"
    assert meta.on_update_columns == ("updated",)
    assert meta.primary_key_java_order == ("id",)


def test_every_type(conn: pymysql.connections.Connection, mariadb: bool) -> None:
    meta = load(conn, "all_types")
    json_type = "longtext" if mariadb else "json"  # MariaDB's JSON is an alias of LONGTEXT
    expected = [
        ("id", "int", "int(11)", 4),
        ("c_bool", "tinyint", "tinyint(1)", -7),
        ("c_tinyint", "tinyint", "tinyint(4)", -6),
        ("c_smallint", "smallint", "smallint(6)", 5),
        ("c_mediumint", "mediumint", "mediumint(9)", 4),
        ("c_int", "int", "int(11)", 4),
        ("c_int_unsigned", "int", "int(10) unsigned", 4),
        ("c_bigint", "bigint", "bigint(20)", -5),
        ("c_bigint_unsigned", "bigint", "bigint(20) unsigned", -5),
        ("c_decimal", "decimal", "decimal(12,3)", 3),
        ("c_float", "float", "float", 7),
        ("c_double", "double", "double", 8),
        ("c_bit1", "bit", "bit(1)", -7),
        ("c_bit8", "bit", "bit(8)", -7),
        ("c_char", "char", "char(3)", 1),
        ("c_varchar", "varchar", "varchar(20)", 12),
        ("c_tinytext", "tinytext", "tinytext", 12),
        ("c_text", "text", "text", -1),
        ("c_mediumtext", "mediumtext", "mediumtext", -1),
        ("c_longtext", "longtext", "longtext", -1),
        ("c_enum", "enum", "enum('a','b')", 1),
        ("c_set", "set", "set('x','y')", 1),
        ("c_json", json_type, json_type, -1),
        ("c_binary", "binary", "binary(4)", -2),
        ("c_varbinary", "varbinary", "varbinary(8)", -3),
        ("c_tinyblob", "tinyblob", "tinyblob", -3),
        ("c_blob", "blob", "blob", -4),
        ("c_mediumblob", "mediumblob", "mediumblob", -4),
        ("c_longblob", "longblob", "longblob", -4),
        ("c_date", "date", "date", 91),
        ("c_time", "time", "time(3)", 92),
        ("c_datetime", "datetime", "datetime(6)", 93),
        ("c_timestamp", "timestamp", "timestamp(6)", 93),
        ("c_year", "year", "year(4)", 91),
    ]
    assert meta.columns == tuple(
        column(mariadb, name, i + 1, data_type, column_type, jdbc, nullable=(name != "id"))
        for i, (name, data_type, column_type, jdbc) in enumerate(expected)
    )
    assert meta.columns[6].unsigned and meta.columns[8].unsigned and not meta.columns[5].unsigned


def test_table_without_primary_key_is_rejected(conn: pymysql.connections.Connection) -> None:
    meta = load(conn, "no_pk")
    assert meta.primary_key == () and meta.indexes == ()
    with pytest.raises(UnsupportedSQLError, match="a table without a primary key: no_pk"):
        check_table_meta(meta)


def test_quoted_names(conn: pymysql.connections.Connection, mariadb: bool) -> None:
    meta = load(conn, "We`ird")
    assert meta.name == "We`ird"
    assert [c.name for c in meta.columns] == ["Id", "sel`ect"]
    assert meta.primary_key == ("Id",)
    assert meta.column("ID").name == "Id"
    (statement,) = parse_sql("UPDATE `We``ird` SET `sel``ect` = %s WHERE `Id` = %s", "sequence")
    assert isinstance(statement, UpdateStatement)
    with conn.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {statement.table.sql} WHERE {statement.where.sql}", [1])  # type: ignore[union-attr]
        assert cur.fetchall() == ((0,),)


def test_schema_qualified_and_missing(conn: pymysql.connections.Connection) -> None:
    meta = load(conn, "elsewhere", OTHER_DB)
    assert (meta.schema, meta.name, meta.primary_key) == (OTHER_DB, "elsewhere", ("id",))
    with pytest.raises(TableMetaError, match=re.escape(f"table {DB}.elsewhere not found")):
        load(conn, "elsewhere")
    with pytest.raises(TableMetaError, match="not found"):
        load(conn, "Order_Items")  # lower_case_table_names=0: names are case-sensitive
    with conn.cursor() as cur:
        assert MySQLDialect().current_schema(cur) == DB


def test_cache_refresh_after_unknown_column(conn: pymysql.connections.Connection) -> None:
    dialect = MySQLDialect()
    cache = TableMetaCache(dialect)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE evolving (id INT PRIMARY KEY)")
        before = cache.get(cur, "jdbc:mysql://it/db", None, "evolving")
        cur.execute("ALTER TABLE evolving ADD COLUMN extra INT NULL")
        assert cache.get(cur, "jdbc:mysql://it/db", None, "evolving") is before  # still cached
        with pytest.raises(pymysql.err.MySQLError) as caught:
            cur.execute("SELECT nope FROM evolving")
        assert dialect.is_unknown_column_error(caught.value)
        after = cache.refresh(cur, "jdbc:mysql://it/db", None, "evolving")
        assert [c.name for c in after.columns] == ["id", "extra"]
        assert cache.get(cur, "jdbc:mysql://it/db", None, "evolving") is after


SEED = [
    (1, 10, "a%1", "x", 5),
    (1, 11, "b'2", "y", 6),
    (2, 10, "c\\3", "x", 7),
    (3, 12, "d%%4", "z", 8),
]


@pytest.mark.parametrize(
    ("sql", "args"),
    [
        ("UPDATE order_items SET qty = qty + %s WHERE sku LIKE 'a%%' OR sku = %s", [1, "b'2"]),
        ("UPDATE order_items o SET o.qty = 0 WHERE o.order_id IN %s AND o.variant <> %s", [(1, 2), "y"]),
        (
            "DELETE FROM order_items WHERE sku IN (%(a)s, %(b)s) ORDER BY item_id DESC LIMIT %(n)s",
            {"a": "c\\3", "b": "d%%4", "n": 5},
        ),
        (
            "SELECT * FROM order_items WHERE qty > %s AND sku NOT LIKE '%%''%%'"
            " ORDER BY qty LIMIT %s, %s FOR UPDATE",
            [5, 0, 2],
        ),
        (
            "UPDATE order_items SET qty = 1 WHERE sku = 'd%%%%4' OR @@`autocommit` = 2 OR created = UTC_DATE",
            [],
        ),
        ("DELETE FROM order_items WHERE sku LIKE '%4' OR sku = 'b''2'", None),
    ],
)
def test_fragments_select_the_same_rows(conn: pymysql.connections.Connection, sql: str, args: Any) -> None:
    """The image SELECT built from the fragments finds exactly the rows the statement's own WHERE finds."""
    with conn.cursor() as cur:
        cur.execute("DELETE FROM order_items")
        cur.executemany(
            "INSERT INTO order_items (order_id, item_id, sku, variant, qty) VALUES (%s, %s, %s, %s, %s)", SEED
        )
        style = "none" if args is None else ("mapping" if isinstance(args, dict) else "sequence")
        (statement,) = parse_sql(sql, style)
        assert isinstance(statement, UpdateStatement | DeleteStatement | SelectForUpdateStatement)
        where, order_by, limit = statement.where, statement.order_by, statement.limit
        image = f"SELECT order_id, item_id FROM {statement.table.source_sql} WHERE {where.sql}"  # type: ignore[union-attr]
        params = where.bind(args)  # type: ignore[union-attr]
        if order_by:
            image += f" ORDER BY {order_by.sql}"
            params += order_by.bind(args)
        if limit:
            image += f" LIMIT {limit.sql}"
            params += limit.bind(args)
        cur.execute(image + " FOR UPDATE", params)
        imaged = sorted(cur.fetchall())
        # What the statement itself touches: run it and see which rows changed or vanished.
        cur.execute("SELECT order_id, item_id, qty FROM order_items")
        before = {r[:2]: r[2] for r in cur.fetchall()}
        if isinstance(statement, SelectForUpdateStatement):
            cur.execute(sql.replace("SELECT *", "SELECT order_id, item_id"), args)
            touched = sorted(cur.fetchall())
        else:
            cur.execute(sql.replace("qty = qty + %s", "qty = qty + 100 + %s"), args)
            cur.execute("SELECT order_id, item_id, qty FROM order_items")
            after = {r[:2]: r[2] for r in cur.fetchall()}
            touched = sorted(k for k in before if after.get(k) != before[k])
        assert imaged == touched
        assert imaged  # each case is meant to hit something
