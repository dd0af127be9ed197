"""Outbound fetches reach only public addresses: the check runs on the resolved address of every
connection (so on every redirect hop too, and a name that re-resolves to 127.0.0.1 between a check
and the connect cannot slip through), unless a setting names the host or network as allowed.

httpx has no hook at connect time, so the guard is an httpcore network backend that resolves the
name itself, checks each address and connects to the checked address; TLS still verifies the
original host name, which httpcore passes to ``start_tls`` separately.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(httpcore.ConnectError):
    """A fetch would have reached a loopback, private, link-local, multicast or reserved address."""


def parse_allow(spec: str | Iterable[str]) -> tuple[str, ...]:
    """Return the allow-list entries of a comma-separated setting (or an iterable), stripped."""
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(s.strip() for s in items if s and s.strip())


class AddressGuard:
    """Decides whether a resolved address (and the name it came from) may be connected to."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[Network] = []
        for entry in parse_allow(allow):
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry.lower().rstrip("."))

    def allows(self, host: str, address: str) -> bool:
        """Return True if ``address`` (resolved from ``host``) is public or explicitly allowed."""
        if host.lower().rstrip(".") in self.names:
            return True
        try:
            ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.networks):
            return True
        return ip.is_global and not ip.is_multicast


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard allows."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve ``host``, refuse it if any of its addresses is not allowed, connect to the first."""
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        # Every address must pass: a name resolving to one public and one internal address would
        # otherwise reach the internal one on a retry.
        blocked = [a for a in addresses if not self.guard.allows(host, a)]
        if blocked or not addresses:
            raise BlockedAddress(
                f"{host} resolves to {', '.join(blocked) or 'nothing'}: not a public address "
                "(allow it with the fetch_allow_networks setting)"
            )
        return await self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        """Refuse: fetches never go to local sockets."""
        raise BlockedAddress(f"unix socket {path}: not a public address")

    async def sleep(self, seconds: float) -> None:
        """Sleep (delegated)."""
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport over a connection pool whose connections pass through the guard."""

    def __init__(self, guard: AddressGuard, max_connections: int) -> None:
        super().__init__(trust_env=False)
        # httpx builds its pool without a way to pass a network backend: rebuild it with one.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            network_backend=GuardedBackend(guard),
        )
