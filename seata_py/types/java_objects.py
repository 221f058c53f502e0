"""Undo-log values Java holds as objects of a driver's own classes, which Jackson writes property by property.

pgjdbc hands Seata ``PGobject`` (json, jsonb, inet, ...), ``PGInterval`` and, through Seata, ``SerialArray``
values; Jackson writes each as ``{"@class": ..., "<property>": ..., ...}``, arrays inside them as
``["[Ljava.lang.Integer;", [...]]``. The undo codec reads and writes these generically; which properties a
class has, and what they mean, is the database package's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class JavaArray:
    """A Java array: its class (``[Ljava.lang.String;``) and items (JSON-native values, or JavaArrays)."""

    java_class: str
    items: tuple[Any, ...]


@dataclass(frozen=True)
class JavaObject:
    """A bean: its class and properties in the order Jackson writes them (JSON-native values, JavaArrays).

    ``derived`` names properties Java recomputes from the others (a PGInterval's ``value`` text): two
    objects are the same value when everything else is equal, as Java's own ``equals`` decides.
    """

    java_class: str
    properties: tuple[tuple[str, Any], ...]
    derived: frozenset[str] = field(default=frozenset(), compare=False)

    def get(self, name: str, default: Any = None) -> Any:
        return next((v for k, v in self.properties if k == name), default)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JavaObject) or other.java_class != self.java_class:
            return NotImplemented if not isinstance(other, JavaObject) else False
        skip = self.derived | other.derived
        return [p for p in self.properties if p[0] not in skip] == [
            p for p in other.properties if p[0] not in skip
        ]

    def __hash__(self) -> int:
        return hash((self.java_class, tuple(p for p in self.properties if p[0] not in self.derived)))
