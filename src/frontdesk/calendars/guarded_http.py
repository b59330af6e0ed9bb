"""An HTTP session whose every new connection obeys an ``AddressPolicy``.

The ``caldav`` library talks HTTP through a ``niquests`` session, and niquests lets a
session bring its own DNS resolver: the resolver's answer is what the socket connects
to. So the policy is enforced there, once per connection, for every request the library
makes — the URL we were given, a redirect to another host, a calendar URL the server
names in its answers — and a name that resolved to a public address when the calendar
was connected but resolves to a private one now (DNS rebinding) is refused when it
matters: at the connection itself. The addresses that were checked are the addresses
that are connected to; nothing is resolved twice.
"""

from __future__ import annotations

import socket
from ipaddress import IPv6Address
from typing import TYPE_CHECKING

import niquests

from frontdesk.calendars.address_guard import AddressPolicy

if TYPE_CHECKING:
    from urllib3.contrib.resolver import BaseResolver, ProtocolResolver
else:
    # niquests runs on urllib3-future, importable under either name; this is its own.
    from niquests.packages.urllib3.contrib.resolver import BaseResolver, ProtocolResolver

# family, type, proto, canonical name, socket address: what socket.getaddrinfo returns.
AddrInfo = tuple[
    socket.AddressFamily,
    socket.SocketKind,
    int,
    str | bytes,
    tuple[str, int] | tuple[str, int, int, int],
]


class PolicyResolver(BaseResolver):
    """Resolves through the policy (its resolver), refusing any address it does not allow."""

    implementation = "frontdesk-address-policy"
    protocol = ProtocolResolver.CUSTOM

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(None, None)
        self._policy = policy

    def recycle(self) -> BaseResolver:
        return self  # holds no connection of its own: never closed, never renewed

    def close(self) -> None:
        pass

    def is_available(self) -> bool:
        return True

    def getaddrinfo(
        self,
        host: bytes | str | None,
        port: str | int | None,
        family: socket.AddressFamily,
        type: socket.SocketKind,
        proto: int = 0,
        flags: int = 0,
        *,
        quic_upgrade_via_dns_rr: bool = False,
    ) -> list[AddrInfo]:
        name = host.decode("ascii") if isinstance(host, bytes) else host
        if not name:
            raise socket.gaierror(socket.EAI_NONAME, "no host to connect to")
        number = int(port or 0)
        found: list[AddrInfo] = []
        for address in self._policy.addresses(name, number):
            if isinstance(address, IPv6Address):
                found.append((socket.AF_INET6, type, proto, "", (str(address), number, 0, 0)))
            else:
                found.append((socket.AF_INET, type, proto, "", (str(address), number)))
        found = [info for info in found if family in (socket.AF_UNSPEC, info[0])]
        if not found:
            raise socket.gaierror(socket.EAI_FAMILY, f"{name} has no address of that family")
        return found


def guarded_session(policy: AddressPolicy) -> niquests.Session:
    """A session for requests to tenant-given servers, under ``policy``."""
    session = niquests.Session(resolver=PolicyResolver(policy))
    # A proxy from the environment would resolve and connect on our behalf, out of the
    # policy's sight; .netrc credentials have no business going to a tenant's server.
    session.trust_env = False
    return session
