"""Row lock keys from a branch's lockKey, the way the TC reads them (seata-at-mode.md §2.10).

``t_order:1,2;t_stock:7_3`` under resource ``R`` locks ``R^^^t_order^^^1``, ``R^^^t_order^^^2`` and
``R^^^t_stock^^^7_3``: split on ``;``, then at the first ``:``, then on ``,``. Table and pk strings are taken
as they are (case-sensitive), so Java, Go and Python clients lock the same row only with the same spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from seata_py.protocol import TransactionExceptionCode
from seata_py.tc.errors import MalformedLockKeyError

ROW_KEY_SEPARATOR = "^^^"


@dataclass(frozen=True)
class RowRef:
    resource_id: str
    table: str
    pk: str

    @property
    def row_key(self) -> str:
        return ROW_KEY_SEPARATOR.join((self.resource_id, self.table, self.pk))


def parse_lock_key(resource_id: str, lock_key: str | None, xid: str | None = None) -> list[RowRef]:
    """The distinct rows named by ``lock_key``, in order of appearance."""
    if not lock_key:
        return []
    rows: dict[str, RowRef] = {}
    for segment in lock_key.split(";"):
        if not segment:
            continue
        table, sep, pks = segment.partition(":")
        if not sep or not table:
            raise MalformedLockKeyError(
                f"wrong format of lockKey segment {segment!r} (expected table:pk[,pk...])",
                code=TransactionExceptionCode.UNKNOWN,
                xid=xid,
            )
        for pk in pks.split(","):
            if pk:
                ref = RowRef(resource_id, table, pk)
                rows.setdefault(ref.row_key, ref)
    return list(rows.values())
