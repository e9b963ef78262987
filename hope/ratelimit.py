"""Counting attempts in the shared cache (Redis), so a limit holds across every web process.

A fixed window per key: the first attempt starts the count and its expiry, later ones add
to it atomically (Redis INCR). The key is an HMAC of what is counted, so an email address
or a client's address never sits in Redis in the clear.
"""

from __future__ import annotations

import ipaddress

from django.core.cache import cache
from django.utils.crypto import salted_hmac

# One IPv6 home or office connection is given a whole /64 (allauth's sign-in limits count
# it as one address too).
IPV6_PREFIX = 64


def client_network(ip: str | None) -> str:
    """What a per-address limit counts: an IPv4 address as it is, an IPv6 one by its /64,
    so a visitor cannot start afresh by moving to the next address of their own network;
    "unknown" when there is no address."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return ip


def _key(scope: str, ident: str) -> str:
    return f"ratelimit:{scope}:{salted_hmac('hope.ratelimit', f'{scope}:{ident}').hexdigest()[:32]}"


def limit_hit(scope: str, ident: str, *, limit: int, seconds: int) -> bool:
    """Count one attempt of ``ident`` in ``scope``; True when it goes past ``limit`` in
    the window of ``seconds`` that the first attempt started."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=seconds):
        return 1 > limit
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the add and the incr: a new window
        cache.add(key, 1, timeout=seconds)
        count = 1
    return count > limit


def limit_reached(scope: str, ident: str, *, limit: int) -> bool:
    """Whether ``ident`` has used up ``scope``'s limit, without counting an attempt."""
    return (cache.get(_key(scope, ident)) or 0) >= limit
