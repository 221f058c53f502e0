"""Recognition: a driver's query string → one statement model per statement, or a rejection.

Everything is decided before anything executes. Results are cached by (sql, args_style, dialect): an uncached
parse costs a few hundred microseconds, and applications send the same few statements over and over.

The pipeline is the same for every database: scan the driver's string into statements with placeholder
markers, reject what no parse tree shows, parse with sqlglot, build the statement model. What differs is one
:class:`Syntax` per database, which its package defines (``databases/<name>/syntax.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from seata_py.exceptions import UnsupportedSQLError
from seata_py.sql.meta_checks import (
    assignments_by_table,
    check_statement_against_meta,
    check_table_meta,
)
from seata_py.sql.parse_cache import CacheInfo, LRUCache
from seata_py.sql.rendering import Renderer, RenderStyle, restore_keywords
from seata_py.sql.scanner import ArgsStyle, Chunk, ScannedSQL
from seata_py.sql.statement_builder import StatementBuilder, reject_unparsed
from seata_py.types.awaiting import off_loop
from seata_py.types.statements import Statement, statement_family

__all__ = [
    "DEFAULT_PARSE_CACHE_SIZE",
    "ArgsStyle",
    "Syntax",
    "args_style_of",
    "assignments_by_table",
    "check_statement_against_meta",
    "check_table_meta",
    "clear_parse_cache",
    "parse_cache_info",
    "parse_sql",
    "set_parse_cache_size",
]

DEFAULT_PARSE_CACHE_SIZE = 2048

_SEMICOLON: type | tuple[type, ...] = getattr(exp, "Semicolon", ())

_cache: LRUCache[tuple[Statement, ...]] = LRUCache(DEFAULT_PARSE_CACHE_SIZE)


@dataclass(frozen=True)
class Syntax:
    """Everything recognition does differently per database."""

    name: str  # part of the parse cache's key
    scan: Callable[[str, ArgsStyle], ScannedSQL]
    style: RenderStyle
    builder: Callable[[ScannedSQL, str], StatementBuilder]
    reject_by_leading_words: Callable[[str, str], None]
    strip_modifiers: Callable[[str, str], str]
    restore_keywords: bool  # undo sqlglot's reading of MySQL's niladic keywords as column names


def args_style_of(args: Sequence[Any] | Mapping[str, Any] | None) -> ArgsStyle:
    """The placeholder style pymysql applies for these ``execute`` args (a lone scalar, which pymysql still
    accepts with a deprecation warning, counts as a sequence: wrap it in a tuple before binding)."""
    if args is None:
        return "none"
    return "mapping" if isinstance(args, Mapping) else "sequence"


def parse_sql(sql: str, args_style: ArgsStyle, syntax: Syntax) -> tuple[Statement, ...]:
    """Recognize every statement of ``sql``; raises UnsupportedSQLError for SQL AT mode cannot undo.

    ``args_style`` says how the driver binds the args (see :func:`args_style_of` and each database's
    scanner); fragments in the result use the syntax's placeholder.
    """
    key = (sql, args_style, syntax.name)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    # tens of milliseconds for a long statement: an asyncio caller's loop must not wait for it
    statements = off_loop(_parse_uncached, sql, args_style, syntax)
    _cache.put(key, statements)
    return statements


def parse_cache_info() -> CacheInfo:
    return _cache.info()


def clear_parse_cache() -> None:
    _cache.clear()


def set_parse_cache_size(maxsize: int) -> None:
    _cache.resize(maxsize)


def _parse_uncached(sql: str, args_style: ArgsStyle, syntax: Syntax) -> tuple[Statement, ...]:
    scanned = syntax.scan(sql, args_style)
    builder = syntax.builder(scanned, sql)
    renderer = Renderer(scanned, syntax.style)
    statements: list[Statement] = []
    for chunk in scanned.chunks:
        own_text = renderer.text_fragment(chunk.text)
        statements.extend(replace(s, sql=own_text) for s in _parse_chunk(chunk, builder, sql, syntax))
    _check_one_family(statements, sql)
    return tuple(statements)


def _parse_chunk(chunk: Chunk, builder: StatementBuilder, sql: str, syntax: Syntax) -> list[Statement]:
    syntax.reject_by_leading_words(chunk.code, sql)  # before sqlglot, which would only warn and fall back
    try:
        trees = sqlglot.parse(syntax.strip_modifiers(chunk.text, sql), read=syntax.style.sqlglot_dialect)
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [reject_unparsed(chunk.code, sql, reason)]
    result: list[Statement] = []
    for tree in trees:
        # sqlglot may hand back None or a bare Semicolon node for an empty statement.
        if not isinstance(tree, exp.Expression) or isinstance(tree, _SEMICOLON):
            continue
        if syntax.restore_keywords:
            restore_keywords(tree)
        result.append(builder.build(tree, chunk))
    return result


def _check_one_family(statements: list[Statement], sql: str) -> None:
    # Java accepts several statements in one string only when they are of one kind; the same rule keeps a
    # string's behaviour the same whichever language's RM runs it.
    families = {f for f in map(statement_family, statements) if f is not None}
    if len(families) > 1:
        raise UnsupportedSQLError("mixed statement kinds in one string", sql)
