"""Which addresses a fetch may connect to.

A cited URL comes from an untrusted bibliography, and the server it names chooses
where its redirects go: each hop's host is resolved here, every address it resolves
to is checked, and the connection is then made to a checked address (never to the
name again, so a second DNS answer cannot swap in 127.0.0.1: DNS rebinding)."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..urls import host_problem

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
# RFC 6761: a resolver answers names under these with "no such name" at once, without
# asking anyone; so do we (and a test of a DNS failure stays on this machine)
_NEVER_RESOLVE = (".invalid",)


class Blocked(Exception):
    """The URL or an address it resolves to is not allowed; the message says why."""


class Unresolvable(Exception):
    """The host name does not resolve (DNS failure)."""


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str
    host: str  # as written in the URL, lower case, no brackets
    port: int
    path: str  # path and query, at least "/"
    addresses: tuple[str, ...]  # checked addresses to connect to, in resolver order

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def is_private(address: Address) -> bool:
    """Loopback, private, link-local (cloud metadata at 169.254.169.254), shared,
    reserved, unspecified, documentation or multicast: not somewhere on the internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL; raises Blocked otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Blocked(f"not a valid web address ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise Blocked(f"only http and https are fetched, not '{scheme or 'no scheme'}:'")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise Blocked("the address names no host")
    if parts.username or parts.password:
        raise Blocked("the address carries a user name or password")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host`, in the resolver's order; raises Unresolvable."""
    if host.endswith(_NEVER_RESOLVE) or host in ("invalid",):
        raise Unresolvable(f"'{host}' does not resolve (a reserved name)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolvable(f"'{host}' does not resolve ({exc})") from None
    found = [str(info[4][0]) for info in infos]
    return list(dict.fromkeys(found))


def target(url: str, allow_private: bool) -> Target:
    """The URL checked and resolved; raises Blocked or Unresolvable."""
    scheme, host, port, path = split(url)
    if not allow_private and not re.fullmatch(r"[0-9a-fA-FxX.:%]+", host):
        # names that reach this machine or a local network (localhost, *.internal);
        # addresses, however written (0x7f.1), are checked once resolved, below
        problem = host_problem(f"{scheme}://{host}/")
        if problem:
            raise Blocked(f"'{host}': {problem} (pass --allow-private to fetch it)")
    addresses = resolve(host, port)
    if not addresses:
        raise Unresolvable(f"'{host}' does not resolve")
    if not allow_private:
        for text in addresses:
            # one private answer among public ones refuses the name: a resolver's order
            # is the server's to choose
            if is_private(ipaddress.ip_address(text.split("%")[0])):
                raise Blocked(
                    f"'{host}' resolves to {text}, a private, loopback, link-local or "
                    "reserved address (pass --allow-private to fetch it)"
                )
    return Target(scheme, host, port, path, tuple(addresses))
