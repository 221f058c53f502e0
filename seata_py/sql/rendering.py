"""Turns parts of a sqlglot tree back into SQL text for the driver: how user SQL reaches an image query.

Rendering from the tree (not slicing the user's text) means what the executors paste is exactly what was
understood. Markers (see ``scanner``) come back as the driver's placeholder with their argument refs collected
in textual order. For pymysql (``%s``) every literal ``%`` is doubled because the executors always run with an
args list; sqlite3's ``?`` needs no escaping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from seata_py.sql.scanner import ScannedSQL
from seata_py.types.statements import Fragment, ParamRef


@dataclass(frozen=True)
class RenderStyle:
    """How one database's driver takes SQL text: sqlglot's dialect, the placeholder, ``%`` escaping."""

    sqlglot_dialect: str
    placeholder: str
    escape_percent: bool


# Reserved words MySQL evaluates as values without parentheses, which sqlglot reads as column names; rendered
# with identify=True they would turn into quoted columns (`DEFAULT`) and change meaning.
_NILADIC_KEYWORDS = frozenset({"DEFAULT", "UTC_DATE", "UTC_TIME", "UTC_TIMESTAMP"})


def restore_keywords(tree: exp.Expression) -> None:
    for column in list(tree.find_all(exp.Column)):
        ident = column.this
        if (
            not column.table
            and isinstance(ident, exp.Identifier)
            and not ident.quoted
            and ident.name.upper() in _NILADIC_KEYWORDS
        ):
            column.replace(exp.Var(this=ident.name.upper()))


class Renderer:
    """Renders nodes of one scanned statement string."""

    def __init__(self, scanned: ScannedSQL, style: RenderStyle) -> None:
        self._scanned = scanned
        self._style = style
        self._marker = re.compile(":" + re.escape(scanned.marker_prefix) + r"(\d+)")
        # The scanner pads each marker with a space either side (lost where the statement text was stripped);
        # the user's own text comes back without them.
        self._padded_marker = re.compile(" ?:" + re.escape(scanned.marker_prefix) + r"(\d+) ?")

    def sql(self, node: exp.Expression) -> str:
        """Plain sqlglot rendering, markers still in: for internal comparisons only."""
        return node.sql(dialect=self._style.sqlglot_dialect, identify=True, comments=False)

    def _escaped(self, text: str) -> str:
        return text.replace("%", "%%") if self._style.escape_percent else text

    def fragment(self, node: exp.Expression) -> Fragment:
        text = self._escaped(self.sql(node))
        params: list[ParamRef] = []

        def to_placeholder(match: re.Match[str]) -> str:
            params.append(self._scanned.markers[int(match.group(1))])
            return self._style.placeholder

        return Fragment(self._marker.sub(to_placeholder, text), tuple(params))

    def text_fragment(self, text: str) -> Fragment:
        """The user's own statement text (from the scanner, markers in) as a Fragment: not re-rendered, so
        nothing the parser ignores (hints, spelling) changes when the statement itself is run."""
        params: list[ParamRef] = []

        def to_placeholder(match: re.Match[str]) -> str:
            params.append(self._scanned.markers[int(match.group(1))])
            return self._style.placeholder

        return Fragment(self._padded_marker.sub(to_placeholder, self._escaped(text)), tuple(params))

    def fragments(self, nodes: list[exp.Expression], separator: str = ", ") -> Fragment:
        return Fragment.join(separator, (self.fragment(n) for n in nodes))
