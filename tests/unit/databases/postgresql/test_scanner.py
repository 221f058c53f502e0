"""The PostgreSQL scanner: psycopg's placeholders read as psycopg reads them (blind to quoting, only with
args), and PostgreSQL's lexing (standard and E'' strings, dollar quotes, quoted identifiers, -- and nested
/* */ comments) deciding where a placeholder may stand and where a statement ends."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from seata_py.databases.postgresql.scanner import scan
from seata_py.databases.postgresql.syntax import parse
from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.errors import SQLPlaceholderError
from seata_py.sql.recognizer import ArgsStyle
from seata_py.types.statements import (
    DeleteStatement,
    Fragment,
    ParamRef,
    SelectForUpdateStatement,
    UpdateStatement,
)

try:  # psycopg's own splitter: the reference for which `%` sequences are placeholders
    from psycopg._queries import _split_query
except ImportError:  # pragma: no cover - a psycopg without it skips the comparison tests
    _split_query = None

needs_psycopg_splitter = pytest.mark.skipif(_split_query is None, reason="psycopg._queries._split_query gone")


def words(text: str) -> list[str]:
    return text.split()


def psycopg_refs(sql: str) -> tuple[ParamRef, ...]:
    """The argument each placeholder takes, as psycopg 3 finds them (raises what psycopg raises)."""
    assert _split_query is not None
    parts = _split_query(sql.encode())
    # every part but the last ends in a placeholder; positional ones are numbered in order
    return tuple(part.item for part in parts[:-1])


# -- placeholders --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "style", "refs"),
    [
        ("SELECT %s, %b, %t", "sequence", (0, 1, 2)),  # text, binary and automatic formats all take a value
        ("SELECT %(a)s, %(b)b, %(a)t", "mapping", ("a", "b", "a")),  # a name can repeat
        ("SELECT %(x y)s", "mapping", ("x y",)),  # psycopg takes anything up to `)` as the name
        ("SELECT %s %% 2", "sequence", (0,)),
        ("SELECT 100%", "sequence", ()),  # a `%` ending the string is left alone by psycopg
        ("SELECT 5 %\n, %s", "sequence", (0,)),  # ... as is one ending a line
    ],
)
def test_placeholders_take_the_arguments_psycopg_gives_them(
    sql: str, style: ArgsStyle, refs: tuple[ParamRef, ...]
) -> None:
    scanned = scan(sql, style)
    assert scanned.markers == refs
    assert scanned.positional_count == sum(1 for r in refs if isinstance(r, int))
    if _split_query is not None:
        assert psycopg_refs(sql) == refs


def test_markers_replace_placeholders_and_double_percent_becomes_one() -> None:
    scanned = scan("UPDATE t SET a = %s WHERE b LIKE 'x%%'", "sequence")
    (chunk,) = scanned.chunks
    marker = ":" + scanned.marker_prefix + "0"
    # what PostgreSQL gets from psycopg is `'x%'`; the code text blanks the string's contents
    assert words(chunk.text) == ["UPDATE", "t", "SET", "a", "=", marker, "WHERE", "b", "LIKE", "'x%'"]
    assert words(chunk.code) == ["UPDATE", "t", "SET", "a", "=", "?", "WHERE", "b", "LIKE", "''"]


def test_without_args_nothing_is_a_placeholder_and_percent_stays_as_written() -> None:
    # psycopg sends the query untouched when execute() gets no params
    scanned = scan("SELECT '%s', 7 % 2, '%%', %(x", "none")
    assert scanned.markers == ()
    assert scanned.chunks[0].text == "SELECT '%s', 7 % 2, '%%', %(x"


@pytest.mark.parametrize(
    ("sql", "style", "message"),
    [
        ("SELECT %(a)s, %s", "mapping", "positional %s placeholder"),
        ("SELECT %s, %(a)s", "sequence", "not a mapping"),
        ("SELECT %(a", "mapping", "incomplete placeholder"),
        ("SELECT %()s", "mapping", "incomplete placeholder"),
        ("SELECT %(a)", "mapping", "incomplete placeholder"),
        ("SELECT %(a)\ns", "mapping", "incomplete placeholder"),
        ("SELECT %(a)d", "mapping", "only %s, %b, %t"),
        ("SELECT %d", "sequence", "only %s, %b, %t"),
        ("SELECT a % 2", "sequence", "double it (%%)"),
        ("SELECT * FROM t WHERE a LIKE 'x%' AND b = %s", "sequence", "only %s, %b, %t"),
    ],
)
def test_placeholders_psycopg_would_refuse(sql: str, style: ArgsStyle, message: str) -> None:
    with pytest.raises(SQLPlaceholderError) as caught:
        scan(sql, style)
    assert message in str(caught.value)
    if _split_query is not None:
        with pytest.raises(psycopg.ProgrammingError):  # psycopg refuses the same string
            psycopg_refs(sql)


def test_mixing_positional_and_named_placeholders_is_refused_in_either_style() -> None:
    for style in ("sequence", "mapping"):
        with pytest.raises(SQLPlaceholderError):
            scan("UPDATE t SET a = %s WHERE id = %(id)s", style)  # type: ignore[arg-type]


# -- where a placeholder may stand ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "where"),
    [
        ("UPDATE t SET a = '%s'", "a quoted string"),
        ("UPDATE t SET a = 'it''s %s'", "a quoted string"),  # '' does not end the string
        ("UPDATE t SET a = '\\' || %s || '%s'", "a quoted string"),  # `\` is plain in '...': `'\'` ends
        ("UPDATE t SET a = E'\\' %s'", "a quoted string"),  # in E'...' `\'` does not end the string
        ("UPDATE t SET a = e'\\\\' || '%s'", "a quoted string"),
        ("UPDATE t SET a = $$ ; %s $$", "a dollar-quoted string"),
        ("UPDATE t SET a = $q$ $$ %s $q$", "a dollar-quoted string"),  # another tag does not end it
        ("UPDATE t SET a = $q$ $Q$ %s $q$", "a dollar-quoted string"),  # tags are case-sensitive
        ('UPDATE "t%s" SET a = 1', "a quoted identifier"),
        ('UPDATE "a""%s" SET a = 1', "a quoted identifier"),  # "" does not end the identifier
        ("UPDATE t SET a = 1 -- %s", "a -- comment"),
        ("UPDATE t SET a = 1 --%s\n", "a -- comment"),
        ("UPDATE t SET a = 1 /* %s */", "a /* */ comment"),
        ("UPDATE t SET a = 1 /* /* */ %s */", "a /* */ comment"),  # comments nest: still inside
        ("UPDATE t SET a = 1 /* ' */ /* %s */", "a /* */ comment"),
    ],
)
def test_a_placeholder_inside_a_string_identifier_or_comment_is_refused(sql: str, where: str) -> None:
    # psycopg would still send a value for it, and the server would not read it as a value
    with pytest.raises(UnsupportedSQLError) as caught:
        scan(sql, "sequence")
    assert caught.value.construct == f"a placeholder inside {where}"
    assert caught.value.sql == sql


@pytest.mark.parametrize(
    ("sql", "refs"),
    [
        ("UPDATE t SET a = E'\\'' || %s", (0,)),  # E'\'' is one quote character, and ends
        ("UPDATE t SET a = E'\\\\' || %s", (0,)),  # E'\\' is one backslash, and ends
        ("UPDATE t SET a = E'it''s' || %s", (0,)),
        ("UPDATE t SET a = '\\' || %s", (0,)),  # standard_conforming_strings: '\' is a backslash
        ("UPDATE t SET a = $$it's$$ || %s", (0,)),  # a quote means nothing in a dollar-quoted string
        ("UPDATE t SET a = $q$x$$y$q$ || %s", (0,)),
        ("UPDATE t SET a$b = %s", (0,)),  # `$` inside an identifier starts no dollar quote
        ("UPDATE t SET a = b$$ || %s", (0,)),  # nor right after one: `b$$` is one identifier
        ('UPDATE "x""" SET a = %s', (0,)),
        ("UPDATE t SET a = %s /* /* */ */ WHERE b = %s", (0, 1)),  # both levels closed
        ("UPDATE t SET a = %s /* it's */ WHERE b = %s", (0, 1)),  # a quote in a comment opens nothing
        ("UPDATE t SET a = %s -- it's /*\nWHERE b = %s", (0, 1)),  # the line ends the comment
        ("UPDATE t SET a = '--' || %s", (0,)),
        ("UPDATE t SET a = 1--%s\n", None),  # `--` needs no space in PostgreSQL: a comment
    ],
)
def test_strings_identifiers_and_comments_end_where_postgresql_ends_them(
    sql: str, refs: tuple[ParamRef, ...] | None
) -> None:
    if refs is None:
        with pytest.raises(UnsupportedSQLError, match="inside a -- comment"):
            scan(sql, "sequence")
        return
    assert scan(sql, "sequence").markers == refs


def test_comments_are_dropped_from_the_statement_text() -> None:
    scanned = scan("UPDATE t /* x /* y */ z */ SET a = 1 -- tail\nWHERE b = 2", "none")
    (chunk,) = scanned.chunks
    assert words(chunk.text) == ["UPDATE", "t", "SET", "a", "=", "1", "WHERE", "b", "=", "2"]


# -- statements ----------------------------------------------------------------------------------------------


def test_a_string_is_split_at_semicolons_outside_quotes_and_comments() -> None:
    sql = (
        "SELECT ';'; SELECT E'\\';'; SELECT $$;$$; SELECT $x$;$x$; SELECT \"a;b\" -- ;\n"
        "; /* ; /* ; */ ; */ SELECT 1;;"
    )
    scanned = scan(sql, "none")
    assert [c.text for c in scanned.chunks] == [
        "SELECT ';'",
        "SELECT E'\\';'",
        "SELECT $$;$$",
        "SELECT $x$;$x$",
        'SELECT "a;b"',
        "SELECT 1",
    ]
    # the code text blanks every string and identifier, so keyword searches see no user text
    assert [c.code for c in scanned.chunks] == [
        "SELECT ''",
        "SELECT E''",
        "SELECT ''",
        "SELECT ''",
        'SELECT ""',
        "SELECT 1",
    ]


def test_placeholders_count_across_the_statements_of_one_string() -> None:
    first, second = parse("UPDATE t SET a = %s WHERE id = %s; UPDATE t SET a = %s WHERE id = %s")
    assert isinstance(first, UpdateStatement)
    assert isinstance(second, UpdateStatement)
    assert first.where == Fragment('"id" = %s', (1,))
    assert second.where == Fragment('"id" = %s', (3,))
    assert second.sql == Fragment("UPDATE t SET a = %s WHERE id = %s", (2, 3))


def test_marker_prefix_avoids_the_users_own_names() -> None:
    scanned = scan("SELECT __seata_p0 FROM t WHERE a = %s", "sequence")
    assert scanned.marker_prefix != "__seata_p"
    assert scanned.marker_ref("__seata_p0") is None
    assert scanned.marker_ref(scanned.marker_prefix + "0") == 0


# -- agreement with psycopg ----------------------------------------------------------------------------------

_PIECES = [
    "%s", "%b", "%t", "%d", "%%", "%", "%(k)s", "%(k", "%()s", "(", ")", "s", "'", "''", '"', "E'", "$$",
    "$q$", "$", "-", "--", "/*", "*/", "*", "/", "\n", " ", "a", ";", "x",
]  # fmt: skip


@needs_psycopg_splitter
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
@example("SELECT '%(' , %s")
@example("SELECT %(a\n)s")
@example("SELECT %%(a)s")
@example("SELECT %(a))s")
def test_the_scanner_finds_the_placeholders_psycopg_finds(sql: str) -> None:
    try:
        expected = psycopg_refs(sql)
    except psycopg.ProgrammingError:
        for style in ("sequence", "mapping"):  # whatever psycopg refuses is refused before it runs
            with pytest.raises((SQLPlaceholderError, UnsupportedSQLError)):
                scan(sql, style)  # type: ignore[arg-type]
        return
    style: ArgsStyle = "mapping" if any(isinstance(r, str) for r in expected) else "sequence"
    try:
        scanned = scan(sql, style)
    except UnsupportedSQLError:
        return  # a placeholder psycopg fills where PostgreSQL reads no value (string, comment, ...)
    assert scanned.markers == expected
    assert scanned.positional_count == sum(1 for r in expected if isinstance(r, int))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_PIECES, "\\"]), max_size=14).map("".join))
def test_without_args_the_scanner_never_refuses_a_percent(sql: str) -> None:
    assert scan(sql, "none").markers == ()


# -- known gaps ----------------------------------------------------------------------------------------------


def test_a_placeholder_after_a_backslash_in_an_escape_string_is_refused() -> None:
    sql = "UPDATE t SET a = E'\\%s', b = %s WHERE id = %s"
    if _split_query is not None:
        assert psycopg_refs(sql) == (0, 1, 2)  # psycopg fills all three, the first inside the literal
    with pytest.raises(UnsupportedSQLError, match="inside a quoted string"):
        parse(sql)


def test_a_doubled_percent_after_a_backslash_in_an_escape_string_is_one_percent() -> None:
    sql = "SELECT * FROM t WHERE a LIKE E'100\\%%' AND id = %s FOR UPDATE"
    if _split_query is not None:
        assert psycopg_refs(sql) == (0,)
    (stmt,) = parse(sql)
    assert isinstance(stmt, SelectForUpdateStatement)
    assert stmt.sql == Fragment(sql, (0,))


def test_a_carriage_return_ends_a_line_comment() -> None:
    (stmt,) = parse("DELETE FROM t -- note\rWHERE id = 5", "none")
    assert isinstance(stmt, DeleteStatement)
    assert stmt.where == Fragment('"id" = 5')
