"""The address of the client behind any trusted reverse proxies.

``REMOTE_ADDR`` is the address that opened the connection. Behind a reverse
proxy that is the proxy, so every office would share one lockout and every
audit entry would show the proxy. When ``REMOTE_ADDR`` is one of
``TRUSTED_PROXIES`` (addresses or networks), the client is the right-most entry
of ``X-Forwarded-For`` that is not itself a trusted proxy: entries to its left
were written by the client and prove nothing.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_trusted_proxy(address) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return address is not None and any(address in network for network in networks)


def client_address(request) -> str | None:
    """Return the client's address: ``REMOTE_ADDR``, or the nearest untrusted ``X-Forwarded-For`` hop."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    if not is_trusted_proxy(remote):
        return str(remote)
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            # A malformed hop: nothing to its left can be trusted either.
            return str(remote)
        if not is_trusted_proxy(address):
            return str(address)
    return str(remote)
