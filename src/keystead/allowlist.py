"""Per-token IP allowlists: single addresses and CIDR ranges, IPv4 and IPv6. Pure.

An IPv4 client reaching an IPv6 socket arrives as `::ffff:a.b.c.d`; it is matched
as the IPv4 address it is, so `10.0.0.0/8` admits it either way.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address

MAX_ENTRIES = 100


def _unmapped(address: Address) -> Address:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def canonical(entry: str) -> str:
    """One allowlist entry in its canonical form (`10.0.0.0/8`, `2001:db8::1`).

    Raises ValueError with a message that says how to fix the entry.
    """
    text = entry.strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as error:
        if "host bits set" in str(error):
            loose = ipaddress.ip_network(text, strict=False)
            raise ValueError(
                f"{text} has bits set after the prefix length; the range is {loose}"
            ) from None
        raise ValueError(
            f"{text!r} is not an IP address or CIDR range (e.g. 203.0.113.7, "
            "198.51.100.0/24, 2001:db8::/32)"
        ) from None
    if network.num_addresses == 1:
        return str(_unmapped(network.network_address))
    return str(network)


def networks(entries: list[str] | None) -> tuple[Network, ...]:
    """Stored (canonical) entries as networks; empty means "from anywhere"."""
    return tuple(ipaddress.ip_network(entry) for entry in entries or ())


def client_address(client: str) -> Address | None:
    try:
        return _unmapped(ipaddress.ip_address(client))
    except ValueError:
        return None  # not an IP address (a test client, a unix socket): never allowed


def allows(allowed: tuple[Network, ...], client: str) -> bool:
    """Whether `client` may use a credential limited to `allowed` (non-empty)."""
    address = client_address(client)
    if address is None:
        return False
    # A network of the other IP version never contains the address; `in` says False.
    return any(address in network for network in allowed)
