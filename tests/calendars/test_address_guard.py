"""The address policy for tenant-given calendar URLs, over generated hosts (hypothesis).

Every blocked range, in every notation a URL or the C resolver accepts, must be refused;
public addresses must pass. The resolver is injected: it answers a public address for
anything it is asked, so an IP literal is refused by reading it, never by asking DNS.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.calendars.address_guard import (
    AddressNotAllowed,
    AddressPolicy,
    IPAddress,
    parse_ip_literal,
)
from frontdesk.calendars.guarded_http import PolicyResolver

PUBLIC = "93.184.216.34"


def lying_resolver(host: str, port: int) -> Sequence[str]:
    """Says every name is a public host: a literal refused anyway was read, not resolved."""
    return [PUBLIC]


STRICT = AddressPolicy(resolve=lying_resolver)

BLOCKED_V4 = {
    "loopback": ["127.0.0.0/8"],
    "private": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    "carrier-grade NAT": ["100.64.0.0/10"],
    "link-local": ["169.254.0.0/16", "169.254.169.254/32"],  # the cloud metadata address
    "multicast": ["224.0.0.0/4"],
    "unspecified": ["0.0.0.0/32"],
    "reserved": ["240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8"],
    "broadcast": ["255.255.255.255/32"],
}
# "This network" (0.0.0.0/8) beyond 0.0.0.0 itself is private to Python, unspecified
# only at .0: either way refused.
BLOCKED_V4_ANY_KIND = ["0.0.0.0/8", "255.0.0.0/8"]
BLOCKED_V6 = {
    "loopback": ["::1/128"],
    "unspecified": ["::/128"],
    "private": ["fc00::/7"],
    "link-local": ["fe80::/10"],
    "multicast": ["ff00::/8"],
}
PUBLIC_V4 = ["1.1.1.0/24", "8.0.0.0/8", "93.184.0.0/16", "151.101.0.0/16", "185.0.0.0/8"]
PUBLIC_V6 = ["2606:4700::/32", "2a00:1450::/32", "2001:4860::/32"]


def addresses_in(networks: list[str]) -> st.SearchStrategy[IPAddress]:
    def within(text: str) -> st.SearchStrategy[IPAddress]:
        net = IPv4Network(text) if "." in text else IPv6Network(text)
        kind = IPv4Address if net.version == 4 else IPv6Address
        low, high = int(net.network_address), int(net.broadcast_address)
        return st.integers(low, high).map(kind)

    return st.sampled_from(networks).flatmap(within)


def v4_in(networks: list[str]) -> st.SearchStrategy[IPv4Address]:
    return addresses_in(networks).map(lambda a: IPv4Address(int(a)))  # typed as IPv4


def blocked_v4() -> st.SearchStrategy[IPv4Address]:
    return v4_in([net for group in BLOCKED_V4.values() for net in group] + BLOCKED_V4_ANY_KIND)


# --- IPv4 notations, as inet_aton (and so getaddrinfo) reads them ------------------------


def _part(value: int, style: str) -> str:
    if style == "oct":
        return f"0{value:o}"
    if style == "hex":
        return f"0x{value:x}"
    if style == "HEX":
        return f"0X{value:X}"
    return str(value)


@st.composite
def ipv4_notation(draw: st.DrawFn, address: IPv4Address) -> str:
    """``address`` in 1 to 4 parts (the last filling the rest), each part in decimal,
    octal or hex: 2130706433, 0177.0.0.1, 0x7f.1, 127.1, 0x7F.0.0x0.01 ..."""
    value = int(address)
    parts = draw(st.integers(1, 4))
    styles = draw(st.lists(st.sampled_from(["dec", "oct", "hex", "HEX"]),
                           min_size=parts, max_size=parts))
    head = [(value >> (8 * (3 - i))) & 0xFF for i in range(parts - 1)]
    last = value & ((1 << (8 * (5 - parts))) - 1)
    return ".".join(_part(v, s) for v, s in zip([*head, last], styles, strict=True))


def ipv6_forms(address: IPv6Address) -> list[str]:
    return [str(address), address.exploded, address.exploded.upper(), f"[{address}]"]


def ipv4_in_ipv6_forms(address: IPv4Address) -> list[str]:
    """Mapped (dotted and hex), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms."""
    n = int(address)
    hi, lo = n >> 16, n & 0xFFFF
    return [
        f"::ffff:{address}", f"[::ffff:{address}]", f"::ffff:{hi:x}:{lo:x}",
        f"[0:0:0:0:0:FFFF:{address}]", f"64:ff9b::{address}", f"2002:{hi:x}:{lo:x}::1",
    ]


def url_for(host: str) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"https://{host}:8443/remote.php/dav/"


def assert_refused(host: str, policy: AddressPolicy = STRICT) -> AddressNotAllowed:
    with pytest.raises(AddressNotAllowed) as raised:
        policy.addresses(host, 443)
    with pytest.raises(AddressNotAllowed):
        policy.check_url(url_for(host))
    assert "FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1" in str(raised.value)
    return raised.value


@given(st.data())
def test_blocked_ipv4_is_refused_in_every_notation(data: st.DataObject) -> None:
    address = data.draw(blocked_v4())
    host = data.draw(ipv4_notation(address))
    assert parse_ip_literal(host) == address
    # The C resolver reads the same address from it: what would have been connected to.
    assert socket.inet_aton(host) == address.packed
    refused = assert_refused(host)
    assert refused.address == address
    assert_refused(host + ".")  # a trailing dot changes nothing


@given(st.sampled_from(sorted(BLOCKED_V4)).flatmap(
    lambda kind: st.tuples(st.just(kind), v4_in(BLOCKED_V4[kind]))))
def test_the_refusal_names_the_kind_of_address(kind_and_address: tuple[str, IPv4Address]) -> None:
    kind, address = kind_and_address
    refused = assert_refused(str(address))
    assert refused.kind == kind, (address, refused.kind)
    assert f"{address} is a" in str(refused) and kind in str(refused)


@given(st.data())
def test_blocked_ipv6_is_refused_in_every_notation(data: st.DataObject) -> None:
    address = data.draw(addresses_in([n for g in BLOCKED_V6.values() for n in g]))
    assert isinstance(address, IPv6Address)
    for host in ipv6_forms(address):
        assert parse_ip_literal(host) == address
        assert_refused(host)


@given(blocked_v4())
def test_ipv4_blocked_ranges_are_refused_inside_ipv6(address: IPv4Address) -> None:
    for host in ipv4_in_ipv6_forms(address):
        refused = assert_refused(host)
        assert "IPv4 in IPv6" in refused.kind


@given(st.data())
def test_public_addresses_are_allowed_in_every_notation(data: st.DataObject) -> None:
    v4 = IPv4Address(int(data.draw(addresses_in(PUBLIC_V4))))
    for host in (str(v4), data.draw(ipv4_notation(v4)), f"::ffff:{v4}", f"64:ff9b::{v4}"):
        assert STRICT.addresses(host, 443) == [parse_ip_literal(host)]
        STRICT.check_url(url_for(host))
    v6 = data.draw(addresses_in(PUBLIC_V6))
    for host in ipv6_forms(v6):  # type: ignore[arg-type]
        assert STRICT.addresses(host, 443) == [v6]


def resolver_of(answers: dict[str, list[str]]) -> Callable[[str, int], Sequence[str]]:
    def resolve(host: str, port: int) -> Sequence[str]:
        return answers[host]

    return resolve


@given(st.lists(addresses_in(PUBLIC_V4 + PUBLIC_V6), min_size=1, max_size=4, unique=True))
def test_a_name_with_only_public_addresses_is_allowed(found: list[IPAddress]) -> None:
    policy = AddressPolicy(resolve=resolver_of({"dav.example.com": [str(a) for a in found]}))
    assert policy.addresses("dav.example.com", 443) == found
    policy.check_url("https://dav.example.com/dav/")


@given(st.lists(addresses_in(PUBLIC_V4), min_size=0, max_size=3),
       st.one_of(blocked_v4(), addresses_in(["::1/128", "fc00::/7", "fe80::/10"])),
       st.integers(0, 3))
def test_one_blocked_address_among_public_ones_refuses_the_name(
    public: list[IPAddress], blocked: IPAddress, at: int
) -> None:
    """A name answering several addresses could be connected to any of them."""
    answers = [str(a) for a in public]
    answers.insert(min(at, len(answers)), str(blocked))
    policy = AddressPolicy(resolve=resolver_of({"rebind.example.net": answers}))
    refused = assert_refused("rebind.example.net", policy)
    assert refused.address == blocked
    assert f"rebind.example.net resolves to {blocked}" in str(refused)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "localhost.", "api.localhost"])
def test_localhost_names_are_refused_without_asking_dns(host: str) -> None:
    assert assert_refused(host).kind == "loopback"


@pytest.mark.parametrize("url", [
    "http://user@127.0.0.1/", f"http://{PUBLIC}@127.0.0.1:8080/", "http://[::1]:5232/",
    "http://169.254.169.254/latest/meta-data/", "http://2130706433/", "http://0x7f.1/",
])
def test_the_host_of_a_url_is_what_is_judged(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        STRICT.check_url(url)


@pytest.mark.parametrize("url", ["ftp://files.example.com/", "http://", "http://[::1/",
                                 "https://dav.example.com:99999/"])
def test_what_is_not_an_http_url_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        STRICT.check_url(url)


@given(st.one_of(blocked_v4(), addresses_in(["::1/128", "fe80::/10"])))
def test_the_operator_may_allow_private_hosts(address: IPAddress) -> None:
    def no_dns(host: str, port: int) -> Sequence[str]:
        raise AssertionError("nothing is resolved when every address is allowed")

    allowed = AddressPolicy(allow_private=True, resolve=no_dns)
    assert allowed.addresses(str(address), 80) == [address]
    allowed.check_url(url_for(str(address)))
    allowed.check_url("http://localhost:5232/")


def test_an_allowed_network_is_an_exception_to_the_rules() -> None:
    one_lan_server = AddressPolicy(allowed_networks=(IPv4Network("192.168.1.10/32"),),
                                   resolve=lying_resolver)
    assert one_lan_server.addresses("192.168.1.10", 443) == [IPv4Address("192.168.1.10")]
    assert_refused("192.168.1.11", one_lan_server)
    assert_refused("169.254.169.254", one_lan_server)


# --- the same rule at the HTTP transport's resolver --------------------------------------


@given(st.one_of(blocked_v4().flatmap(ipv4_notation), st.sampled_from(
    ["::1", "::ffff:10.0.0.1", "fe80::1", "localhost", "ff02::1"])))
def test_the_transport_resolver_refuses_what_the_policy_refuses(host: str) -> None:
    with pytest.raises(AddressNotAllowed):
        PolicyResolver(STRICT).getaddrinfo(host, 443, socket.AF_UNSPEC, socket.SOCK_STREAM)


def test_the_transport_resolver_connects_to_the_checked_addresses_only() -> None:
    policy = AddressPolicy(resolve=resolver_of({"dav.example.com": [PUBLIC, "2606:4700::1"]}))
    resolver = PolicyResolver(policy)
    found = resolver.getaddrinfo("dav.example.com", 443, socket.AF_UNSPEC, socket.SOCK_STREAM)
    assert [(info[0], info[4][0]) for info in found] == [
        (socket.AF_INET, PUBLIC), (socket.AF_INET6, "2606:4700::1")]
    only_v4 = resolver.getaddrinfo("dav.example.com", 443, socket.AF_INET, socket.SOCK_STREAM)
    assert [info[4] for info in only_v4] == [(PUBLIC, 443)]
