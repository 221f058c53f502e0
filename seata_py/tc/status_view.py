"""What the TC holds right now, as JSON-ready data, and as text for ``seata-py tc status``."""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from seata_py._version import __version__
from seata_py.exceptions import StatusUnavailableError as StatusUnavailableError

if TYPE_CHECKING:
    from seata_py.tc.channels import ChannelRegistry
    from seata_py.tc.decisions import Coordinator
    from seata_py.tc.store import Store


def _iso(epoch_ms: float) -> str:
    return datetime.datetime.fromtimestamp(epoch_ms / 1000, datetime.timezone.utc).isoformat(
        timespec="milliseconds"
    )


def build_status(
    *,
    address: str,
    xid_prefix: str,
    store: Store | None,
    started_at: float,
    channels: ChannelRegistry,
    coordinator: Coordinator,
) -> dict[str, Any]:
    """The JSON document ``/status`` serves: the server, its client channels, sessions and row locks."""
    return {
        "server": {
            "version": __version__,
            "address": address,
            "xid_prefix": xid_prefix,
            "store": store.description if store else None,
            "started_at": _iso(started_at * 1000) if started_at else None,
        },
        "channels": [
            {
                "client_id": c.client_id,
                "roles": sorted(role.value for role in c.roles),
                "transport": c.channel.transport,
                "application_id": c.application_id,
                "tx_service_group": c.tx_service_group,
                "version": c.version,
                "resource_ids": list(c.resource_ids),
            }
            for c in channels.all()
        ],
        "global_transactions": [
            {
                "xid": s.xid,
                "transaction_id": s.transaction_id,
                "status": s.status.name,
                "active": s.active,
                "name": s.name,
                "application_id": s.application_id,
                "tx_service_group": s.tx_service_group,
                "begin_time": _iso(s.begin_time_ms),
                "timeout_ms": s.timeout_ms,
                "branches": [
                    {
                        "branch_id": b.branch_id,
                        "branch_type": b.branch_type.name,
                        "status": b.status.name,
                        "resource_id": b.resource_id,
                        "lock_key": b.lock_key,
                        "client_id": b.client_id,
                        "application_data": b.application_data,
                    }
                    for b in s.branches
                ],
            }
            for s in coordinator.sessions()
        ],
        "locks": [
            {
                "row_key": lock.row_key,
                "xid": lock.xid,
                "branch_id": lock.branch_id,
                "resource_id": lock.resource_id,
                "table": lock.table,
                "pk": lock.pk,
            }
            for lock in coordinator.locks()
        ],
    }


def status_url(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/status") else base + "/status"


def fetch_status(url: str, timeout: float = 10.0) -> dict[str, Any]:
    target = status_url(url)
    try:
        with urllib.request.urlopen(target, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise StatusUnavailableError(f"cannot read the TC status at {target}: {exc}") from exc
    if not isinstance(data, dict):
        raise StatusUnavailableError(f"{target} did not answer a JSON object")
    return data


def format_status(data: dict[str, Any]) -> str:
    server = data.get("server", {})
    lines = [
        f"TC {server.get('address')} (XIDs {server.get('xid_prefix')}:<id>), store {server.get('store')}, "
        f"up since {server.get('started_at')}, seata-py {server.get('version')}",
    ]
    _section(lines, "Clients", data.get("channels", []), _client_lines)
    _section(lines, "Global transactions", data.get("global_transactions", []), _session_lines)
    _section(lines, "Row locks", data.get("locks", []), _lock_lines)
    return "\n".join(lines) + "\n"


def _section(
    lines: list[str], title: str, items: list[dict[str, Any]], render: Callable[[dict[str, Any]], list[str]]
) -> None:
    lines.append(f"\n{title} ({len(items)}):")
    for item in items:
        lines.extend(render(item))


def _client_lines(c: dict[str, Any]) -> list[str]:
    resources = ", ".join(c.get("resource_ids") or []) or "-"
    roles = "+".join(c.get("roles") or [])
    return [f"  {c['client_id']}  {roles}  {c.get('transport', 'tcp')}  resources: {resources}"]


def _session_lines(s: dict[str, Any]) -> list[str]:
    head = (
        f"  {s['xid']}  {s['status']}  name={s.get('name')!r}  app={s.get('application_id')}  "
        f"began {s.get('begin_time')}  timeout {s.get('timeout_ms')} ms"
    )
    return [head] + [
        f"    branch {b['branch_id']}  {b['branch_type']}  {b['status']}  {b['resource_id']}  "
        f"locks {b.get('lock_key') or '-'}  client {b.get('client_id')}"
        for b in s.get("branches", [])
    ]


def _lock_lines(lock: dict[str, Any]) -> list[str]:
    row = f"{lock['table']}:{lock['pk']}"
    return [f"  {lock['resource_id']}  {row}  xid {lock['xid']}  branch {lock['branch_id']}"]
