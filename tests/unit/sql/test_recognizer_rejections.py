"""Table-driven: SQL that AT mode must refuse before anything executes, and the construct it names."""

from __future__ import annotations

import pymysql.err
import pytest

from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import SQLPlaceholderError
from seata_py.sql.recognizer import ArgsStyle

REJECTED: list[tuple[str, ArgsStyle, str]] = [
    ("REPLACE INTO t VALUES (1)", "none", "REPLACE INTO"),
    ("/* x */ replace t (a) values (%s)", "sequence", "REPLACE INTO"),
    ("INSERT IGNORE INTO t VALUES (1)", "none", "INSERT IGNORE"),
    ("INSERT LOW_PRIORITY IGNORE INTO t (a) VALUES (1)", "none", "INSERT IGNORE"),
    ("INSERT INTO t (a) SELECT a FROM u", "none", "INSERT ... SELECT"),
    ("INSERT INTO t SELECT * FROM u WHERE k = %s", "sequence", "INSERT ... SELECT"),
    ("INSERT INTO t (a) TABLE u", "none", "INSERT ... SELECT"),
    ("UPDATE t SET a = 1 WHERE id IN (SELECT id FROM u)", "none", "IN (subquery)"),
    ("DELETE FROM t WHERE id NOT IN (SELECT t_id FROM u WHERE k = %s)", "sequence", "IN (subquery)"),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u) FOR UPDATE", "none", "IN (subquery)"),
    ("UPDATE t1 JOIN t2 ON t2.id IN (SELECT id FROM u) SET t1.a = 1", "none", "IN (subquery)"),
    ("UPDATE t SET a = (b IN (SELECT b FROM u))", "none", "IN (subquery)"),
    ("UPDATE (SELECT * FROM t) x SET a = 1", "none", "a derived table (subquery in FROM)"),
    (
        "UPDATE t JOIN (SELECT id FROM u) x ON x.id = t.id SET t.a = 1",
        "none",
        "a derived table (subquery in FROM)",
    ),
    (
        "SELECT * FROM (SELECT * FROM t) x WHERE x.id = 1 FOR UPDATE",
        "none",
        "a derived table (subquery in FROM)",
    ),
    ("DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id", "none", "multi-table DELETE"),
    ("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t2.k = 1", "none", "multi-table DELETE"),
    ("DELETE FROM t1 USING t1 JOIN t2 ON t1.id = t2.id", "none", "multi-table DELETE"),
    ("DELETE x FROM t1 a WHERE a.id = 1", "none", "multi-table DELETE"),
    ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1", "none", "MERGE"),
    ("UPDATE t SET a = 1; DELETE FROM t WHERE id = 2", "none", "mixed statement kinds in one string"),
    ("INSERT INTO t VALUES (1); UPDATE t SET a = 1", "none", "mixed statement kinds in one string"),
    (
        "SELECT * FROM t WHERE id = 1 FOR UPDATE; UPDATE t SET a = 1",
        "none",
        "mixed statement kinds in one string",
    ),
    ("SELECT * FROM t, u WHERE t.id = u.id FOR UPDATE", "none", "SELECT ... FOR UPDATE over several tables"),
    ("SELECT * FROM t JOIN u ON t.id = u.id FOR UPDATE", "none", "SELECT ... FOR UPDATE over several tables"),
    ("SELECT a FROM t UNION SELECT a FROM u FOR UPDATE", "none", "SELECT ... FOR UPDATE in a UNION"),
    ("CALL transfer(%s, %s)", "sequence", "CALL (a stored procedure)"),
    ("EXECUTE stmt USING @a", "none", "EXECUTE of a server-side prepared statement"),
    ("LOAD DATA INFILE '/tmp/x' INTO TABLE t", "none", "LOAD DATA"),
    ("WITH x AS (SELECT 1 AS id) UPDATE t SET a = 1 WHERE id IN (1)", "none", "a WITH clause"),
    ("WITH x AS (SELECT 1) SELECT * FROM t WHERE id = 1 FOR UPDATE", "none", "a WITH clause"),
    ("DELETE FROM t PARTITION (p0) WHERE a = 1", "none", "explicit PARTITION selection"),
    ("INSERT INTO t PARTITION (p0) (a) VALUES (1)", "none", "explicit PARTITION selection"),
    ("DELETE IGNORE FROM t WHERE a = 1", "none", "DELETE IGNORE"),
    ("UPDATE t SET a = '%s' WHERE id = %s", "sequence", "a placeholder inside a quoted string"),
    ("UPDATE `t%s` SET a = 1", "sequence", "a placeholder inside a quoted identifier"),
    ("UPDATE t SET a = 1 /* %s */", "sequence", "a placeholder inside a /* */ comment"),
    ("UPDATE t SET a = ? WHERE id = ?", "none", "a ? placeholder"),
    ("UPDATE t SET a = :a", "none", "a :a placeholder"),
    ("INSERT INTO t (a, b) VALUES %s", "sequence", "a whole VALUES row in one placeholder"),
    ("INSERT INTO t (a, b) VALUES (1, 2), %s", "sequence", "a whole VALUES row in one placeholder"),
    ("UPDATE /*!40000 IGNORE */ t SET a = 1", "none", "a MySQL executable comment"),
    ("UPDATE t SET a = DEFAULT(b)", "none", "UPDATE syntax the SQL parser cannot read"),
    ("DELETE FROM t WHERE", "none", "DELETE syntax the SQL parser cannot read"),
    ("ANALYZE UPDATE t SET a = 1", "none", "ANALYZE of a data-changing statement"),
]


@pytest.mark.parametrize(("sql", "style", "construct"), REJECTED, ids=[r[0][:60] for r in REJECTED])
def test_rejected(sql: str, style: ArgsStyle, construct: str) -> None:
    with pytest.raises(UnsupportedSQLError) as caught:
        parse_sql(sql, style)
    assert caught.value.construct.startswith(construct)
    assert construct in str(caught.value)
    assert caught.value.sql == sql
    assert isinstance(caught.value, pymysql.err.NotSupportedError)  # PEP 249 class callers already catch


BAD_PLACEHOLDERS: list[tuple[str, ArgsStyle, str]] = [
    ("UPDATE t SET a = %d", "sequence", "unsupported format character 'd'"),
    ("UPDATE t SET a = %5s", "sequence", "unsupported format character '5'"),
    ("UPDATE t SET a = %s", "mapping", "positional %s placeholder"),
    ("UPDATE t SET a = %(a)s", "sequence", "not a mapping"),
    ("UPDATE t SET a = %(a)d", "mapping", "use %(a)s"),
    ("UPDATE t SET a = %(a", "mapping", "incomplete format key"),
    ("SELECT * FROM t WHERE a LIKE 'x%' AND b = %s", "sequence", "unsupported format character"),
    ("UPDATE t SET a = 5 %", "sequence", "incomplete format"),
]


@pytest.mark.parametrize(("sql", "style", "message"), BAD_PLACEHOLDERS, ids=[b[0] for b in BAD_PLACEHOLDERS])
def test_placeholders_pymysql_would_refuse(sql: str, style: ArgsStyle, message: str) -> None:
    with pytest.raises(SQLPlaceholderError, match=None) as caught:
        parse_sql(sql, style)
    assert message in str(caught.value)
    assert isinstance(caught.value, pymysql.err.ProgrammingError)


def test_percent_is_plain_text_without_args() -> None:
    # Without args pymysql sends the text untouched, so `%s` is no placeholder and `%%` stays two characters.
    (statement,) = parse_sql("SELECT * FROM t WHERE a LIKE '%s%%' FOR UPDATE", "none")
    assert statement.where is not None  # type: ignore[union-attr]
    assert statement.where.sql == "`a` LIKE '%%s%%%%'"  # type: ignore[union-attr]
    assert statement.where.params == ()  # type: ignore[union-attr]


def test_rejection_happens_even_after_an_accepted_statement() -> None:
    with pytest.raises(UnsupportedSQLError, match="REPLACE INTO"):
        parse_sql("UPDATE t SET a = 1; REPLACE INTO t VALUES (1)", "none")


def test_enough_rejections() -> None:
    assert len(REJECTED) + len(BAD_PLACEHOLDERS) >= 40
