"""Registered client connections and the choice of the RM that receives a phase-2 request (§6.2, §7.1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from seata_py.protocol import ClientRole, Message


class Channel(Protocol):
    """A classic connection or a gRPC stream as the coordinator sees it; the server implements it."""

    #: "tcp" (classic frames) or "grpc" (one sendRequest stream)
    transport: str

    @property
    def peer(self) -> tuple[str, int]:
        """The client's ``ip:port`` on the TC port, whatever the wire; clientIds and routing use it."""
        ...

    @property
    def closed(self) -> bool: ...

    async def request(self, message: Message, timeout: float) -> Message:
        """Send a sync request and wait for the answer; ChannelClosedError or TimeoutError otherwise."""
        ...

    async def send_oneway(self, message: Message) -> None: ...


@dataclass(eq=False)
class ClientChannel:
    """What a client told us when it registered on one connection."""

    channel: Channel
    application_id: str | None = None
    tx_service_group: str | None = None
    version: str | None = None
    roles: set[ClientRole] = field(default_factory=set)
    resource_ids: list[str] = field(default_factory=list)

    @property
    def ip(self) -> str:
        return self.channel.peer[0]

    @property
    def port(self) -> int:
        return self.channel.peer[1]

    @property
    def client_id(self) -> str:
        """``applicationId:ip:port``, recorded with every branch registered over this connection."""
        return f"{self.application_id}:{self.ip}:{self.port}"

    def add_resources(self, resource_ids: str | None) -> list[str]:
        added = []
        for resource_id in (resource_ids or "").split(","):
            resource_id = resource_id.strip()
            if resource_id and resource_id not in self.resource_ids:
                self.resource_ids.append(resource_id)
                added.append(resource_id)
        return added


def split_client_id(client_id: str) -> tuple[str, str, int | None]:
    """``app:ip:port`` → (app, ip, port); the application id may itself contain ``:``."""
    app, _, rest = client_id.rpartition(":")
    app_id, _, ip = app.rpartition(":")
    return app_id, ip, int(rest) if rest.isdigit() else None


class ChannelRegistry:
    def __init__(self) -> None:
        self._clients: dict[Channel, ClientChannel] = {}

    def get(self, channel: Channel) -> ClientChannel | None:
        return self._clients.get(channel)

    def all(self) -> list[ClientChannel]:
        return list(self._clients.values())

    def register(
        self,
        channel: Channel,
        role: ClientRole,
        application_id: str | None,
        tx_service_group: str | None,
        version: str | None,
        resource_ids: str | None = None,
    ) -> ClientChannel:
        """Identify a connection; registering again (RM after TM, or more resources) adds to it."""
        client = self._clients.get(channel)
        if client is None:
            client = ClientChannel(channel)
            self._clients[channel] = client
        if application_id:
            client.application_id = application_id
        if tx_service_group:
            client.tx_service_group = tx_service_group
        if version:
            client.version = version
        client.roles.add(role)
        client.add_resources(resource_ids)
        return client

    def remove(self, channel: Channel) -> ClientChannel | None:
        return self._clients.pop(channel, None)

    def resource_owners(self) -> dict[str, list[ClientChannel]]:
        owners: dict[str, list[ClientChannel]] = {}
        for client in self._rms():
            for resource_id in client.resource_ids:
                owners.setdefault(resource_id, []).append(client)
        return owners

    def route(self, resource_id: str, client_id: str, any_application: bool) -> list[ClientChannel]:
        """RM connections to try for a branch, best first: the one that registered the branch, another
        connection of the same application on the same host, the same application elsewhere, then (AT only)
        any application that registered the resource, since AT phase 2 works from the database alone."""
        app_id, ip, port = split_client_id(client_id)
        rms = self._rms()
        holders = [c for c in rms if resource_id in c.resource_ids]
        ordered = [c for c in rms if c.application_id == app_id and c.ip == ip and c.port == port]
        ordered += [c for c in holders if c.application_id == app_id and c.ip == ip]
        ordered += [c for c in holders if c.application_id == app_id]
        if any_application:
            ordered += holders
        unique: list[ClientChannel] = []
        for client in ordered:
            if client not in unique:
                unique.append(client)
        return unique

    def _rms(self) -> list[ClientChannel]:
        return [c for c in self._clients.values() if ClientRole.RM in c.roles and not c.channel.closed]
