"""Table-driven: SQL text in, exact statement model out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from seata_py.databases.mysql.syntax import parse as parse_sql
from seata_py.sql.recognizer import ArgsStyle
from seata_py.types.statements import (
    Assignment,
    Default,
    DeleteStatement,
    Expression,
    Fragment,
    InsertStatement,
    Literal,
    Param,
    PlainStatement,
    SelectForUpdateStatement,
    Statement,
    TableRef,
    UpdateJoinStatement,
    UpdateStatement,
)


def T(name: str, schema: str | None = None, alias: str | None = None, text: str | None = None) -> TableRef:
    return TableRef(name=name, schema=schema, alias=alias, text=text if text is not None else name)


def F(sql: str, *params: int | str) -> Fragment:
    return Fragment(sql, tuple(params))


def A(column: str, value: Fragment, qualifier: str | None = None) -> Assignment:
    return Assignment(column=column, qualifier=qualifier, value=value)


SEQ: ArgsStyle = "sequence"
MAP: ArgsStyle = "mapping"
NONE: ArgsStyle = "none"

CASES: list[tuple[str, ArgsStyle, tuple[Statement, ...]]] = [
    # --- UPDATE -------------------------------------------------------------------------------------------
    (
        "UPDATE account_tbl SET money = money - %s WHERE user_id = %s",
        SEQ,
        (UpdateStatement(T("account_tbl"), (A("money", F("`money` - %s", 0)),), F("`user_id` = %s", 1)),),
    ),
    (
        "UPDATE `db`.`order_tbl` o SET o.`status` = %s, o.updated = NOW()"
        " WHERE o.id = %s AND o.tenant = 'a%%b'",
        SEQ,
        (
            UpdateStatement(
                T("order_tbl", "db", "o", "`db`.`order_tbl`"),
                (A("status", F("%s", 0), "o"), A("updated", F("NOW()"), "o")),
                F("`o`.`id` = %s AND `o`.`tenant` = 'a%%b'", 1),
            ),
        ),
    ),
    (
        "update t set a = a + 1 where b > %s order by id desc, b limit %s",
        SEQ,
        (
            UpdateStatement(
                T("t"), (A("a", F("`a` + 1")),), F("`b` > %s", 0), F("`id` DESC, `b`"), F("%s", 1)
            ),
        ),
    ),
    ("UPDATE t SET a = 1", NONE, (UpdateStatement(T("t"), (A("a", F("1")),)),)),
    (
        "UPDATE t SET a = %(v)s WHERE id = %(id)s OR parent = %(id)s",
        MAP,
        (UpdateStatement(T("t"), (A("a", F("%s", "v")),), F("`id` = %s OR `parent` = %s", "id", "id")),),
    ),
    (
        "UPDATE t SET a = 0 WHERE id IN %s LIMIT 10",
        SEQ,
        (UpdateStatement(T("t"), (A("a", F("0")),), F("`id` IN %s", 0), None, F("10")),),
    ),
    (
        "UPDATE t SET a = 1 WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id AND u.k = %s)",
        SEQ,
        (
            UpdateStatement(
                T("t"),
                (A("a", F("1")),),
                F("EXISTS(SELECT 1 FROM `u` WHERE `u`.`t_id` = `t`.`id` AND `u`.`k` = %s)", 0),
            ),
        ),
    ),
    (
        "UPDATE t SET a = (SELECT MAX(b) FROM u) WHERE id = (SELECT MIN(id) FROM u WHERE k = %s)",
        SEQ,
        (
            UpdateStatement(
                T("t"),
                (A("a", F("(SELECT MAX(`b`) FROM `u`)")),),
                F("`id` = (SELECT MIN(`id`) FROM `u` WHERE `k` = %s)", 0),
            ),
        ),
    ),
    (
        "UPDATE t SET a = DEFAULT, b = UTC_TIMESTAMP, c = CURRENT_TIMESTAMP WHERE id = 1",
        NONE,
        (
            UpdateStatement(
                T("t"),
                (A("a", F("DEFAULT")), A("b", F("UTC_TIMESTAMP")), A("c", F("CURRENT_TIMESTAMP()"))),
                F("`id` = 1"),
            ),
        ),
    ),
    (
        "UPDATE t SET a = '50%' WHERE b LIKE '%x' AND c = 7 % 3",
        NONE,
        (UpdateStatement(T("t"), (A("a", F("'50%%'")),), F("`b` LIKE '%%x' AND `c` = 7 %% 3")),),
    ),
    (
        "UPDATE t SET a = b %% 2, c = '100%%' WHERE id = %s",
        SEQ,
        (UpdateStatement(T("t"), (A("a", F("`b` %% 2")), A("c", F("'100%%'"))), F("`id` = %s", 0)),),
    ),
    (
        "/* app=shop */ UPDATE t SET a = %s -- note %s\n WHERE id = %s # done %s",
        SEQ,
        (UpdateStatement(T("t"), (A("a", F("%s", 0)),), F("`id` = %s", 2)),),
    ),
    (
        "UPDATE LOW_PRIORITY IGNORE t SET a = 1 WHERE id = 2",
        NONE,
        (UpdateStatement(T("t"), (A("a", F("1")),), F("`id` = 2")),),
    ),
    (
        "UPDATE `we``ird` SET `c``1` = 1 WHERE `id` = 2",
        NONE,
        (UpdateStatement(T("we`ird", text="`we``ird`"), (A("c`1", F("1")),), F("`id` = 2")),),
    ),
    (
        "UPDATE t SET a = 'it''s', b = 'x\\'y', c = \"dq\" WHERE d = 'a#b' AND e = '-- no comment'",
        NONE,
        (
            UpdateStatement(
                T("t"),
                (A("a", F("'it''s'")), A("b", F("'x''y'")), A("c", F("'dq'"))),
                F("`d` = 'a#b' AND `e` = '-- no comment'"),
            ),
        ),
    ),
    (
        "UPDATE t SET t.a = 1 WHERE t.id = 1--1",
        NONE,
        (UpdateStatement(T("t"), (A("a", F("1"), "t"),), F("`t`.`id` = 1 - -1")),),
    ),
    # --- UPDATE JOIN --------------------------------------------------------------------------------------
    (
        "UPDATE t1 a JOIN t2 b ON a.id = b.a_id AND b.kind = %s SET a.x = %s, b.y = b.y + 1 WHERE a.id > %s",
        SEQ,
        (
            UpdateJoinStatement(
                (T("t1", alias="a"), T("t2", alias="b")),
                F("`t1` AS `a` JOIN `t2` AS `b` ON `a`.`id` = `b`.`a_id` AND `b`.`kind` = %s", 0),
                (A("x", F("%s", 1), "a"), A("y", F("`b`.`y` + 1"), "b")),
                F("`a`.`id` > %s", 2),
            ),
        ),
    ),
    (
        "UPDATE t1, t2 SET t1.a = t2.b WHERE t1.id = t2.id",
        NONE,
        (
            UpdateJoinStatement(
                (T("t1"), T("t2")),
                F("`t1`, `t2`"),
                (A("a", F("`t2`.`b`"), "t1"),),
                F("`t1`.`id` = `t2`.`id`"),
            ),
        ),
    ),
    (
        "UPDATE shop.orders o LEFT JOIN `shop`.`users` AS u USING (user_id) SET o.flag = 1, vip = 0",
        NONE,
        (
            UpdateJoinStatement(
                (T("orders", "shop", "o", "shop.orders"), T("users", "shop", "u", "`shop`.`users`")),
                F("`shop`.`orders` AS `o` LEFT JOIN `shop`.`users` AS `u` USING (`user_id`)"),
                (A("flag", F("1"), "o"), A("vip", F("0"))),
            ),
        ),
    ),
    # --- DELETE -------------------------------------------------------------------------------------------
    ("DELETE FROM t WHERE id = %s", SEQ, (DeleteStatement(T("t"), F("`id` = %s", 0)),)),
    (
        "DELETE FROM `db`.`t` AS x WHERE x.k < %s ORDER BY x.k LIMIT %s",
        SEQ,
        (DeleteStatement(T("t", "db", "x", "`db`.`t`"), F("`x`.`k` < %s", 0), F("`x`.`k`"), F("%s", 1)),),
    ),
    ("delete from t", NONE, (DeleteStatement(T("t")),)),
    ("DELETE a FROM t a WHERE a.id = 1", NONE, (DeleteStatement(T("t", alias="a"), F("`a`.`id` = 1")),)),
    ("DELETE LOW_PRIORITY QUICK FROM t WHERE id = 1", NONE, (DeleteStatement(T("t"), F("`id` = 1")),)),
    (
        "DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.id = t.u_id) AND name LIKE %(p)s",
        MAP,
        (
            DeleteStatement(
                T("t"), F("NOT EXISTS(SELECT 1 FROM `u` WHERE `u`.`id` = `t`.`u_id`) AND `name` LIKE %s", "p")
            ),
        ),
    ),
    # --- INSERT -------------------------------------------------------------------------------------------
    (
        "INSERT INTO order_tbl (user_id, commodity_code, count, money) VALUES (%s, %s, %s, %s)",
        SEQ,
        (
            InsertStatement(
                T("order_tbl"),
                ("user_id", "commodity_code", "count", "money"),
                ((Param(0), Param(1), Param(2), Param(3)),),
            ),
        ),
    ),
    (
        "INSERT INTO t (id, name) VALUES (%s, %s), (%s, %s), (3, 'c')",
        SEQ,
        (
            InsertStatement(
                T("t"),
                ("id", "name"),
                ((Param(0), Param(1)), (Param(2), Param(3)), (Literal(3), Literal("c"))),
            ),
        ),
    ),
    (
        "INSERT INTO t VALUES (1, 'a', NULL)",
        NONE,
        (InsertStatement(T("t"), None, ((Literal(1), Literal("a"), Literal(None)),)),),
    ),
    (
        "INSERT INTO t (a, b, c, d, e, f, g, h, i)"
        " VALUES (NOW(), UUID(), DEFAULT, -5, 1.50, 2e3, TRUE, x'ff', (7))",
        NONE,
        (
            InsertStatement(
                T("t"),
                ("a", "b", "c", "d", "e", "f", "g", "h", "i"),
                (
                    (
                        Expression(F("NOW()"), True),
                        Expression(F("UUID()"), True),
                        Default(),
                        Literal(-5),
                        Literal(Decimal("1.50")),
                        Literal(2000.0),
                        Literal(True),
                        Expression(F("x'ff'"), False),
                        Literal(7),
                    ),
                ),
            ),
        ),
    ),
    (
        "INSERT INTO t SET id = %(id)s, name = %(name)s",
        MAP,
        (InsertStatement(T("t"), ("id", "name"), ((Param("id"), Param("name")),)),),
    ),
    (
        "INSERT INTO t (id, n) VALUES (%s, %s) ON DUPLICATE KEY UPDATE n = VALUES(n), cnt = cnt + %s",
        SEQ,
        (
            InsertStatement(
                T("t"),
                ("id", "n"),
                ((Param(0), Param(1)),),
                (A("n", F("VALUES(n)")), A("cnt", F("`cnt` + %s", 2))),
            ),
        ),
    ),
    (
        "INSERT INTO t (id, n) VALUES (1, 2) AS new ON DUPLICATE KEY UPDATE n = new.n",
        NONE,
        (InsertStatement(T("t"), ("id", "n"), ((Literal(1), Literal(2)),), (A("n", F("`new`.`n`")),)),),
    ),
    ("INSERT INTO t (a) VALUES ('100%')", NONE, (InsertStatement(T("t"), ("a",), ((Literal("100%"),),)),)),
    (
        "INSERT INTO t (a, b) VALUES ('100%%', %s)",
        SEQ,
        (InsertStatement(T("t"), ("a", "b"), ((Literal("100%"), Param(0)),)),),
    ),
    (
        "INSERT INTO t VALUES ROW(1, 2), ROW(%s, 4)",
        SEQ,
        (InsertStatement(T("t"), None, ((Literal(1), Literal(2)), (Param(0), Literal(4)))),),
    ),
    (
        "INSERT INTO t (a, b) VALUES (%s + 1, CONCAT(%s, '%%'))",
        SEQ,
        (
            InsertStatement(
                T("t"),
                ("a", "b"),
                ((Expression(F("%s + 1", 0), False), Expression(F("CONCAT(%s, '%%')", 1), True)),),
            ),
        ),
    ),
    ("INSERT INTO t () VALUES ()", NONE, (InsertStatement(T("t"), (), ((),)),)),
    (
        "INSERT INTO `shop`.`order` (`id`, `desc`) VALUES (%s, 'a\\nb')",
        SEQ,
        (
            InsertStatement(
                T("order", "shop", text="`shop`.`order`"), ("id", "desc"), ((Param(0), Literal("a\nb")),)
            ),
        ),
    ),
    (
        "INSERT HIGH_PRIORITY t (a) VALUE ('it''s')",
        NONE,
        (InsertStatement(T("t"), ("a",), ((Literal("it's"),),)),),
    ),
    # --- SELECT ... FOR UPDATE ----------------------------------------------------------------------------
    (
        "SELECT * FROM t WHERE id = %s FOR UPDATE",
        SEQ,
        (SelectForUpdateStatement(T("t"), F("`id` = %s", 0)),),
    ),
    (
        "SELECT id, name FROM `db`.t AS x WHERE x.k = %s ORDER BY x.id LIMIT %s, %s FOR UPDATE",
        SEQ,
        (
            SelectForUpdateStatement(
                T("t", "db", "x", "`db`.t"), F("`x`.`k` = %s", 0), F("`x`.`id`"), F("%s, %s", 1, 2)
            ),
        ),
    ),
    (
        "SELECT id FROM t WHERE k = 1 LIMIT 10 OFFSET 5 FOR UPDATE SKIP LOCKED",
        NONE,
        (SelectForUpdateStatement(T("t"), F("`k` = 1"), None, F("5, 10"), "FOR UPDATE SKIP LOCKED"),),
    ),
    (
        "SELECT k, COUNT(*) FROM t WHERE k > 0 GROUP BY k ORDER BY COUNT(*) LIMIT 1 FOR UPDATE NOWAIT",
        NONE,
        (SelectForUpdateStatement(T("t"), F("`k` > 0"), None, None, "FOR UPDATE NOWAIT"),),
    ),
    ("(SELECT * FROM t WHERE id = 1 FOR UPDATE)", NONE, (SelectForUpdateStatement(T("t"), F("`id` = 1")),)),
    (
        "SELECT * FROM t FORCE INDEX (ix) WHERE a = 1 FOR UPDATE OF t",
        NONE,
        (SelectForUpdateStatement(T("t"), F("`a` = 1"), lock_clause="FOR UPDATE OF `t`"),),
    ),
    # --- plain statements ---------------------------------------------------------------------------------
    ("SELECT * FROM t WHERE id = %s", SEQ, (PlainStatement("select"),)),
    ("SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE", NONE, (PlainStatement("select"),)),
    ("SELECT 1 FOR UPDATE", NONE, (PlainStatement("select"),)),
    ("SELECT 1 FROM DUAL FOR UPDATE", NONE, (PlainStatement("select"),)),
    ("SELECT * FROM t WHERE id IN (SELECT id FROM u)", NONE, (PlainStatement("select"),)),
    ("SELECT a FROM t UNION SELECT b FROM u", NONE, (PlainStatement("select"),)),
    ("SELECT * FROM t INTO OUTFILE '/tmp/x'", NONE, (PlainStatement("select"),)),
    ("SHOW TABLES", NONE, (PlainStatement("show"),)),
    ("SET autocommit = 0", NONE, (PlainStatement("set"),)),
    ("USE shop", NONE, (PlainStatement("use"),)),
    ("START TRANSACTION", NONE, (PlainStatement("transaction"),)),
    ("COMMIT", NONE, (PlainStatement("transaction"),)),
    ("SAVEPOINT s1", NONE, (PlainStatement("savepoint"),)),
    ("ROLLBACK TO SAVEPOINT s1", NONE, (PlainStatement("savepoint"),)),
    ("RELEASE SAVEPOINT s1", NONE, (PlainStatement("savepoint"),)),
    ("CREATE TABLE x (id INT PRIMARY KEY)", NONE, (PlainStatement("ddl"),)),
    ("TRUNCATE TABLE x", NONE, (PlainStatement("ddl"),)),
    ("EXPLAIN UPDATE t SET a = 1", NONE, (PlainStatement("describe"),)),
    ("LOCK TABLES t WRITE", NONE, (PlainStatement("other"),)),
    ("DO SLEEP(0)", NONE, (PlainStatement("other"),)),
    ("", NONE, ()),
    ("  -- only a comment\n /* and another */ ;", NONE, ()),
    # --- several statements -------------------------------------------------------------------------------
    (
        "UPDATE t SET a = %s WHERE id = %s; UPDATE u SET b = %s WHERE id = %s;",
        SEQ,
        (
            UpdateStatement(T("t"), (A("a", F("%s", 0)),), F("`id` = %s", 1)),
            UpdateStatement(T("u"), (A("b", F("%s", 2)),), F("`id` = %s", 3)),
        ),
    ),
    (
        "SET @x = 1; DELETE FROM t WHERE id = %s; # the second\n"
        "DELETE FROM t WHERE k = 'a;b'; SELECT ROW_COUNT()",
        SEQ,
        (
            PlainStatement("set"),
            DeleteStatement(T("t"), F("`id` = %s", 0)),
            DeleteStatement(T("t"), F("`k` = 'a;b'")),
            PlainStatement("select"),
        ),
    ),
    (
        "INSERT INTO t (a) VALUES (%(x)s); INSERT INTO u (b) VALUES (%(y)s), (%(x)s)",
        MAP,
        (
            InsertStatement(T("t"), ("a",), ((Param("x"),),)),
            InsertStatement(T("u"), ("b",), ((Param("y"),), (Param("x"),))),
        ),
    ),
    (
        "UPDATE t SET a = 1; UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = 2",
        NONE,
        (
            UpdateStatement(T("t"), (A("a", F("1")),)),
            UpdateJoinStatement(
                (T("t1"), T("t2")), F("`t1` JOIN `t2` ON `t1`.`id` = `t2`.`id`"), (A("a", F("2"), "t1"),)
            ),
        ),
    ),
]


@pytest.mark.parametrize(("sql", "style", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_statement_model(sql: str, style: ArgsStyle, expected: tuple[Statement, ...]) -> None:
    assert parse_sql(sql, style) == expected


def test_enough_cases() -> None:
    assert len(CASES) >= 60


def test_table_ref_properties() -> None:
    ref = T("order`tbl", "db", "o", "`db`.`order``tbl`")
    assert ref.sql == "`db`.`order``tbl`"
    assert ref.source_sql == "`db`.`order``tbl` AS `o`"
    assert ref.qualifier == "o"
    assert T("t").qualifier == "t"
    assert T("t").source_sql == "`t`"


def test_fragment_bind() -> None:
    fragment = F("`a` = %s AND `b` IN %s AND `c` = %s", 2, 0, 2)
    assert fragment.bind(["x", "y", "z"]) == ["z", "x", "z"]
    assert F("%s", "k").bind({"k": 5}) == [5]
    assert F("1").bind(None) == []
    assert not Fragment.empty()
    assert F("1") + F(" + %s", 3) == F("1 + %s", 3)
    with pytest.raises(TypeError):
        F("%s", 0).bind(None)
    with pytest.raises(TypeError):
        F("%s", 0).bind({"0": 1})
    with pytest.raises(TypeError):
        F("%s", "k").bind([1])


def test_each_statement_carries_its_own_text() -> None:
    sql = (
        "/* lead */ UPDATE LOW_PRIORITY t SET a=%s -- x %s\n WHERE b LIKE 'p%%'; "
        "SELECT %s AS `x%%`; DO SLEEP(%s); INSERT INTO u (v) VALUES ('%%s')"
    )
    with pytest.raises(Exception, match="mixed statement kinds"):
        parse_sql(sql, SEQ)
    update, select, do = parse_sql(sql.rsplit(";", 1)[0], SEQ)
    assert update.sql == F("UPDATE LOW_PRIORITY t SET a=%s  \n WHERE b LIKE 'p%%'", 0)
    assert select.sql == F("SELECT %s AS `x%%`", 2)
    assert do.sql == F("DO SLEEP(%s)", 3)
    (insert,) = parse_sql("INSERT INTO u (v) VALUES ('50%')", NONE)
    assert insert.sql == F("INSERT INTO u (v) VALUES ('50%%')")
    # the text is not part of equality: the model is
    assert insert == InsertStatement(T("u"), ("v",), ((Literal("50%"),),))
