"""Where a request comes from: the peer's address, or — when the peer is a trusted reverse
proxy (`RUNPLANE_TRUSTED_PROXIES`) — what its `X-Forwarded-For`, `-Proto` and `-Host` say.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """`10.0.0.1`, `10.0.0.0/8`, `::1`; raises `ValueError` naming a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"RUNPLANE_TRUSTED_PROXIES: {value!r} is not an address or network (CIDR)"
            ) from None
    return tuple(networks)


@dataclass(frozen=True)
class Peer:
    address: str | None
    scheme: str
    host: str | None
    """The `Host` the client asked for (a trusted proxy's `X-Forwarded-Host`)."""
    via_proxy: bool
    user_agent: str | None


def peer_of(scope: Scope, headers: Headers, proxies: tuple[Network, ...]) -> Peer:
    client = scope.get("client")
    address = client[0] if client else None
    scheme = str(scope.get("scheme", "http"))
    host = headers.get("host")
    agent = headers.get("user-agent")
    agent = None if agent is None else agent[:300]
    if not proxies or not _within(address, proxies):
        return Peer(address, scheme, host, False, agent)
    forwarded = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
    for hop in reversed(forwarded):  # the nearest hop no trusted proxy vouches for
        address = hop
        if not _within(hop, proxies):
            break
    proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    return Peer(
        address,
        proto if proto in ("http", "https") else scheme,
        forwarded_host or host,
        True,
        agent,
    )


def _within(address: str | None, networks: tuple[Network, ...]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
