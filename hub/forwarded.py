"""Behind a reverse proxy: the caller's address and scheme as the proxy saw them.

A TLS-terminating proxy (nginx, a load balancer) connects to the hub itself,
so without this every request would come from the proxy's address over plain
HTTP: one address for the failed-authentication limit of every caller, the
proxy's address in the audit log, ``http://`` in ``Location`` headers and
``next`` links. For a request whose direct peer is one of
``HUB_TRUSTED_PROXIES``, this WSGI layer sets ``REMOTE_ADDR`` from
``X-Forwarded-For`` and ``wsgi.url_scheme`` from ``X-Forwarded-Proto``;
from anyone else both headers are ignored, so a caller cannot claim another
address. It wraps the whole application (``hub.wsgi``), so the read lane,
Django, the audit log and the rate limits all see the same caller.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Parse addresses and CIDR ranges (``10.0.0.0/8``); ValueError names a bad one."""
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network") from None
    return tuple(found)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in `text`, IPv4 for an IPv4-mapped one (a server listening on ``::``)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _trusted(address, trusted: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in trusted)


def caller_address(remote: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The caller's address: the nearest hop of ``X-Forwarded-For`` not a trusted proxy.

    Hops are read from the right (each proxy appends the address it saw); the
    first one not in `trusted` is the caller. Everything left of it is what the
    caller claimed and counts for nothing. A hop that is not an address ends
    the walk at the last trusted one.
    """
    caller = remote
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break
        caller = str(address)
        if not _trusted(address, trusted):
            break
    return caller


class TrustedProxies:
    """WSGI middleware applying what trusted proxies forward (see the module)."""

    def __init__(self, application, trusted: tuple[Network, ...]):
        self.application = application
        self.trusted = trusted

    def __call__(self, environ, start_response):
        if self.trusted and _trusted(_address(environ.get("REMOTE_ADDR", "")), self.trusted):
            forwarded_for = environ.get("HTTP_X_FORWARDED_FOR")
            if forwarded_for:
                environ["REMOTE_ADDR"] = caller_address(
                    environ["REMOTE_ADDR"], forwarded_for, self.trusted
                )
            # The nearest proxy's word: the last value when several were appended.
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").rsplit(",", 1)[-1].strip().lower()
            if proto in {"http", "https"}:
                environ["wsgi.url_scheme"] = proto
        return self.application(environ, start_response)
