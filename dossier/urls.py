"""The one URL policy: which addresses may become a live link anywhere dossier writes
one (chapters, bibliography fields, source pages, project templates, the site and the
PDF). Everything in a project is untrusted, so a link is either

  - a web page or mail address: http, https or mailto, whose host is on the public
    internet (never this computer, a local network, link-local or cloud metadata), or
  - relative: a place in the document (#id) or a file that stays inside the project,
    with no drive letter and no backslash (Windows would read `C:` and `\\`, and the PDF
    viewer would open them as files).

Everything else (javascript:, data:, file:, vbscript:, unknown schemes) is refused
however it is spelled: entities, percent-escapes and invisible characters are undone
first, as a browser would."""

from __future__ import annotations

import html
import ipaddress
import posixpath
import re
import socket
from urllib.parse import unquote, urlsplit

LINK_SCHEMES = ("http", "https", "mailto")
WEB_SCHEMES = ("http", "https")

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_DRIVE = re.compile(r"(?:^|/)[A-Za-z]:")
LOCAL = "it points to this computer or a local network"
# Names that reach the machine itself or a cloud provider's metadata service (which
# hands out credentials): never linked, whatever address they resolve to.
_LOCAL_NAMES = frozenset({"localhost", "metadata", "instance-data", "metadata.google.internal"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")


def plain_url(url: str) -> str:
    """The URL as a browser could end up reading it: entities and percent-escapes
    decoded (repeatedly), whitespace and control characters removed (browsers drop tabs
    and newlines anywhere in a URL), backslashes read as slashes."""
    for _ in range(4):
        decoded = html.unescape(unquote(url))
        if decoded == url:
            break
        url = decoded
    return _INVISIBLE.sub("", url).replace("\\", "/")


def url_problem(url: str, folder: str = "") -> str | None:
    """Why `url` may not become a live link, or None. `folder` is the project-relative
    folder of the document; relative paths must stay inside the project."""
    plain = plain_url(url)
    if not plain or plain.startswith(("#", "?")):
        return None
    scheme = _SCHEME.match(plain)
    if scheme and not _DRIVE.match(plain):
        name = scheme.group(1).lower()
        if name not in LINK_SCHEMES:
            return f"'{name}:' links are not allowed (only http, https and mailto)"
        return host_problem(plain) if name != "mailto" else None
    if plain.startswith("//"):
        return host_problem("http:" + plain)
    if plain.startswith("/"):
        return "it is an absolute path"
    path = re.split(r"[?#]", plain)[0]
    if "\\" in unquote(html.unescape(url)) or _DRIVE.search(path):
        return "it names a Windows drive or uses backslashes"
    normal = posixpath.normpath(posixpath.join(folder, path or "."))
    if normal == ".." or normal.startswith("../"):
        return "it points outside the project"
    return None


def web_url(url: str) -> str:
    """`url` when it is a web address (http or https, with a public host) that a reader
    may follow; "" otherwise. For addresses that must be absolute: BibTeX url and doi
    fields, the original of an archived source."""
    url = url.strip()
    if re.search(r"[\x00-\x20\x7f]", url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc or url_problem(url):
        return ""
    return url


def site_href(href: str) -> bool:
    """Whether a relative href written into a page at the site's root stays inside the
    site (the site is one folder: climbing out of it with `..` reaches the project)."""
    plain = plain_url(href)
    if _SCHEME.match(plain) and not _DRIVE.match(plain):
        return url_problem(href) is None
    path = re.split(r"[?#]", plain)[0]
    normal = posixpath.normpath(path or ".")
    return url_problem(href) is None and not (normal == ".." or normal.startswith("../"))


def pdf_link(target: str) -> bool:
    """Whether WeasyPrint may turn `target` (an absolute URL it resolved against the
    document) into a URI action in the PDF: only web pages and mail, never a file:
    URI (a viewer would open, or run, the file it names)."""
    plain = plain_url(target)
    scheme = _SCHEME.match(plain)
    if scheme is None or scheme.group(1).lower() not in LINK_SCHEMES:
        return False
    return url_problem(target) is None


def host_problem(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return "it is not a valid web address"
    host = host.rstrip(".").lower()
    if not host:
        return "it names no host"
    if host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES):
        return LOCAL
    address = _ip(host)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # not is_global: loopback, private, link-local (169.254/16, fe80::, the metadata
    # services), shared (100.64/10), reserved, unspecified, documentation ranges
    if not address.is_global or address.is_multicast:
        return LOCAL
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host):  # 2130706433, 0x7f.1, 0177.0.0.1
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
