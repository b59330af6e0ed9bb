"""Where a tenant-given server address may send our requests: public hosts only, by default.

A business gives frontdesk its CalDAV server's URL, and frontdesk then sends requests
there from inside the operator's network. Left alone, that lets any API key reach
loopback services, the private network and the cloud metadata endpoint
(169.254.169.254). This module decides, for one host, whether it may be reached:

- An IP literal is read the way the C resolver reads it (``inet_aton``): decimal
  ``2130706433``, octal ``0177.0.0.1``, hex ``0x7f.1`` and short ``127.1`` are all
  127.0.0.1, so they are judged as such and never sent to DNS.
- IPv6 forms that carry an IPv4 address (mapped ``::ffff:a.b.c.d``, NAT64
  ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by the IPv4 address they reach.
- A name is resolved, and *every* address it resolves to must be public: a name that
  answers one public and one private address could be connected to either.

Pure apart from the resolver, which is a parameter (tests pass their own). The HTTP
transport asks the same question for each connection it opens (``caldav_transport``), so
a redirect, or a name that resolves elsewhere later (DNS rebinding), is judged too.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
)
from urllib.parse import urlsplit

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
# host, port -> the addresses (as text) the host resolves to.
Resolver = Callable[[str, int], Sequence[str]]

ALLOW_SETTING = "FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1"
_SHARED = IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598); not "private" in 3.11
_BROADCAST = IPv4Address("255.255.255.255")
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
_DIGITS = {8: "01234567", 10: "0123456789", 16: "0123456789abcdef"}


class AddressNotAllowed(OSError):
    """A host is, or resolves to, an address frontdesk must not connect to.

    An ``OSError``: raised from inside a resolver, the HTTP stack treats it as the
    connection failure it is (and keeps it as the cause of its own error)."""

    def __init__(self, host: str, address: IPAddress, kind: str) -> None:
        self.host = host
        self.address = address
        self.kind = kind
        if _same(host, address):
            what = f"{host} is"
        elif parse_ip_literal(host) is not None:
            what = f"{host} is {address},"
        else:
            what = f"{host} resolves to {address},"
        super().__init__(
            f"{what} {_article(kind)} {kind} address; frontdesk does not connect to private "
            f"networks unless the operator sets {ALLOW_SETTING}"
        )


def refusal_behind(exc: BaseException) -> AddressNotAllowed | None:
    """The policy's refusal behind an HTTP stack's connection error, if any: the stack
    wraps what our resolver raised, so it is found down the chain of causes."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, AddressNotAllowed):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _same(host: str, address: IPAddress) -> bool:
    try:
        return ip_address(host.strip("[]")) == address
    except ValueError:
        return False


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address reaches through a translation, if it is one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def blocked_kind(address: IPAddress) -> str | None:
    """Why ``address`` must not be connected to ("loopback", "private", ...), or None.

    Explicit checks beside ``is_global``: Python 3.11 calls multicast and site-local
    IPv6 addresses global."""
    if isinstance(address, IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            kind = blocked_kind(inner)
            return f"{kind} (IPv4 in IPv6)" if kind else None
    checks: tuple[tuple[bool, str], ...] = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),  # 169.254.169.254: cloud metadata
        (address.is_multicast, "multicast"),
        (address == _BROADCAST, "broadcast"),
        (isinstance(address, IPv4Address) and address in _SHARED, "carrier-grade NAT"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (isinstance(address, IPv6Address) and address.is_site_local, "site-local"),
        (not address.is_global, "non-public"),
    )
    return next((kind for hit, kind in checks if hit), None)


def _ipv4_part(text: str) -> int | None:
    """One part of a legacy IPv4 literal: decimal, octal (leading 0) or hex (0x)."""
    if text[:2].lower() == "0x":
        digits, base = text[2:].lower(), 16
        if not digits:
            return 0  # "0x" alone is zero to inet_aton
    elif len(text) > 1 and text[0] == "0":
        digits, base = text[1:], 8
    else:
        digits, base = text, 10
    if not digits or any(c not in _DIGITS[base] for c in digits):
        return None
    return int(digits, base)


def _legacy_ipv4(host: str) -> IPv4Address | None:
    """``inet_aton``'s reading: 1 to 4 parts, the last one filling the remaining bytes."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or "" in parts:
        return None
    values = [_ipv4_part(part) for part in parts]
    if any(v is None for v in values):
        return None
    numbers = [v for v in values if v is not None]
    *head, last = numbers
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(numbers))):
        return None
    value = last
    for index, byte in enumerate(head):
        value |= byte << (8 * (3 - index))
    return IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` names if it is an IP literal in any notation, else None.

    ``host`` as in a URL: IPv6 in brackets or not (a ``%zone`` is kept), an optional
    trailing dot after IPv4."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return IPv6Address(text)
        except ValueError:
            return None
    return _legacy_ipv4(text[:-1] if text.endswith(".") else text)


def _is_localhost_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")  # RFC 6761 §6.3


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver: every address ``host`` resolves to, as text."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses outbound requests to tenant-given servers may reach.

    ``allow_private``: the operator's opt-out (a CalDAV server on the same network);
    nothing is checked then. ``allowed_networks``: exceptions to the rules (one known
    server on the LAN; tests' stand-ins on a loopback address). ``resolve``: how names
    become addresses.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolve: Resolver = resolve_host

    def check_address(self, host: str, address: IPAddress) -> None:
        """Raise ``AddressNotAllowed`` unless ``address`` (``host``'s) may be reached."""
        if self.allow_private or any(address in net for net in self.allowed_networks):
            return
        kind = blocked_kind(address)
        if kind is not None:
            raise AddressNotAllowed(host, address, kind)

    def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for ``host``, every one of them allowed.

        Raises ``AddressNotAllowed`` if any is not (or the name is ``localhost``), and the
        resolver's own ``OSError`` (``socket.gaierror``) if the name does not resolve."""
        literal = parse_ip_literal(host)
        if literal is not None:
            self.check_address(host, literal)
            return [literal]
        if _is_localhost_name(host) and not self.allow_private:
            raise AddressNotAllowed(host, IPv4Address("127.0.0.1"), "loopback")
        found = [ip_address(text) for text in self.resolve(host, port)]
        for address in found:
            self.check_address(host, address)
        return found

    def check_url(self, url: str) -> None:
        """Raise ``AddressNotAllowed`` if ``url``'s host may not be reached (``ValueError``
        for a URL without an http(s) scheme and host, ``OSError`` if it does not resolve)."""
        if self.allow_private:
            return
        parts = urlsplit(url.strip())
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError(f"{url!r} is not an http(s) URL with a host")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.addresses(host, port)
