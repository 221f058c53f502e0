from __future__ import annotations

import pytest

from seata_py.databases.mysql.scanner import scan
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.scanner import leading_words


def test_positional_placeholders_count_like_pymysql() -> None:
    # pymysql fills every %s in order, comments included; markers exist only where SQL can see them.
    scanned = scan("UPDATE t SET a = %s -- was %s\nWHERE b = %s", "sequence")
    assert scanned.positional_count == 3
    assert scanned.markers == (0, 2)
    (chunk,) = scanned.chunks
    marker = ":" + scanned.marker_prefix
    assert chunk.text.split() == [
        "UPDATE",
        "t",
        "SET",
        "a",
        "=",
        f"{marker}0",
        "WHERE",
        "b",
        "=",
        f"{marker}1",
    ]


def test_named_placeholders_repeat() -> None:
    scanned = scan("SELECT %(a)s, %(b)s, %(a)s, %(x(y))s", "mapping")
    assert scanned.markers == ("a", "b", "a", "x(y)")
    assert scanned.positional_count == 0


def test_double_percent_only_with_args() -> None:
    assert scan("SELECT '%%'", "sequence").chunks[0].text == "SELECT '%'"
    assert scan("SELECT '%%'", "none").chunks[0].text == "SELECT '%%'"
    assert scan("SELECT 5 %% 2", "mapping").chunks[0].text == "SELECT 5 % 2"


def test_backslash_before_percent_in_a_string() -> None:
    # pymysql formats before MySQL reads the backslash: '\%%' reaches MySQL as '\%'.
    assert scan("SELECT 'a\\%%b'", "sequence").chunks[0].text == "SELECT 'a\\%b'"
    with pytest.raises(UnsupportedSQLError, match="inside a quoted string"):
        scan("SELECT 'a\\%s'", "sequence")


def test_statement_split_respects_quotes_and_comments() -> None:
    scanned = scan("SELECT ';'; SELECT `a;b` -- ;\n; /* ; */ SELECT \"x;\" # ;", "none")
    assert [c.text for c in scanned.chunks] == ["SELECT ';'", "SELECT `a;b`", 'SELECT "x;"']
    assert [c.code for c in scanned.chunks] == ["SELECT ''", "SELECT ``", 'SELECT ""']


def test_double_dash_without_space_is_not_a_comment() -> None:
    assert scan("SELECT 1--1", "none").chunks[0].text == "SELECT 1--1"
    assert scan("SELECT 1-- 1", "none").chunks[0].text == "SELECT 1"


def test_marker_prefix_avoids_user_text() -> None:
    scanned = scan("SELECT __seata_p0, %s", "sequence")
    assert scanned.marker_prefix != "__seata_p"
    assert scanned.marker_ref(scanned.marker_prefix + "0") == 0
    assert scanned.marker_ref("__seata_p0") is None


def test_leading_words() -> None:
    assert leading_words("  ((select a from t") == ("SELECT", "A", "FROM")
    assert leading_words("") == ()
