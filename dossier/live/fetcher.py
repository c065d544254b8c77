"""One polite, bounded fetch of a web page, with urllib3 (no dependencies of its own; a
pool can be told to connect to an address while it verifies the certificate of the
name, which is how every hop goes to an address that policy.target checked).

Limits: http and https only, at most MAX_REDIRECTS redirects (each re-checked), the
body streamed and abandoned past `max_bytes`, connect, read and total time limits.
Every failure is a Fetched with a one-line `problem`, never an exception."""

from __future__ import annotations

import datetime as dt
import hashlib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin

import urllib3
from urllib3 import exceptions as ux

from .. import __version__
from ..projectfs import size_text
from .policy import Blocked, Target, Unresolvable, split, target

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    connect: float = 10.0  # seconds to open a connection
    read: float = 30.0  # seconds without a byte
    total: float = 120.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 50 * 1024 * 1024
    workers: int = 4  # fetches at once (one per host)


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # as asked
    final_url: str  # after redirects
    status: int  # HTTP status of the last response; 0 when there was none
    content_type: str
    body: bytes
    fetched_at: str  # UTC, ISO 8601, seconds
    # "" when a response came; else why not: blocked | dns | tls | timeout | connect |
    # too-large | redirects | protocol
    failure: str = ""
    problem: str = ""  # one line for people
    redirects: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def user_agent(contact: str = "") -> str:
    return f"dossier/{__version__}" + (f" (+{contact})" if contact else "")


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class _Failed(Exception):
    def __init__(self, failure: str, problem: str, status: int = 0) -> None:
        super().__init__(problem)
        self.failure, self.problem, self.status = failure, problem, status


@dataclass
class Fetcher:
    """Fetches URLs, one per host at a time and at most `limits.workers` at once."""

    limits: Limits = field(default_factory=Limits)
    allow_private: bool = False
    contact: str = ""
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def fetch_all(
        self, urls: Iterable[str], done: Callable[[Fetched], None] | None = None
    ) -> dict[str, Fetched]:
        # one queue per host, worked through in order: hosts in parallel (at most
        # `workers` at once), never two requests to one host at the same time
        queues: dict[str, list[str]] = {}
        for url in dict.fromkeys(urls):
            try:
                host = split(url)[1]
            except Blocked:
                host = ""
            queues.setdefault(host, []).append(url)
        out: dict[str, Fetched] = {}

        def work(queue: list[str]) -> None:
            for url in queue:
                result = self.fetch(url)
                out[url] = result  # each url is one queue's alone
                if done is not None:
                    done(result)

        with ThreadPoolExecutor(max_workers=max(1, self.limits.workers)) as pool:
            list(pool.map(work, queues.values()))
        return out

    def fetch(self, url: str) -> Fetched:
        started = _now()
        try:
            host = split(url)[1]
        except Blocked as exc:
            return Fetched(url, url, 0, "", b"", started, "blocked", str(exc))
        with self._host_lock(host):
            return self._fetch(url, started)

    def _host_lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def _fetch(self, url: str, started: str) -> Fetched:
        deadline = time.monotonic() + self.limits.total
        current, hops = url, []
        status = 0
        try:
            for _ in range(MAX_REDIRECTS + 1):
                status, headers, body = self._one(current, deadline)
                location = headers.get("location", "")
                if status in REDIRECTS and location:
                    hops.append(current)
                    current = urljoin(current, location.strip())
                    continue
                kind = headers.get("content-type", "").split(";")[0].strip().lower()
                return Fetched(url, current, status, kind, body, started, redirects=tuple(hops))
            raise _Failed("redirects", f"more than {MAX_REDIRECTS} redirects", status)
        except _Failed as failed:
            return Fetched(
                url,
                current,
                failed.status,
                "",
                b"",
                started,
                failed.failure,
                failed.problem,
                tuple(hops),
            )

    def _one(self, url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
        """One request to a checked address: (status, headers, body)."""
        try:
            where = target(url, self.allow_private)
        except Blocked as exc:
            raise _Failed("blocked", f"refused: {exc}") from None
        except Unresolvable as exc:
            raise _Failed("dns", f"DNS failure: {exc}") from None
        last: _Failed | None = None
        for address in where.addresses:
            try:
                return self._request(where, address, deadline)
            except _Failed as failed:
                if failed.failure != "connect":
                    raise
                last = failed  # the next address may answer
        assert last is not None  # target() returns at least one address
        raise last

    def _pool(self, where: Target, address: str) -> urllib3.HTTPConnectionPool:
        left = self.limits
        timeout = urllib3.Timeout(connect=left.connect, read=left.read)
        if where.scheme == "https":
            context = ssl.create_default_context()
            return urllib3.HTTPSConnectionPool(
                address,
                where.port,
                timeout=timeout,
                maxsize=1,
                retries=False,
                ssl_context=context,
                cert_reqs="CERT_REQUIRED",
                server_hostname=where.host,  # SNI, and the name the certificate must carry
                assert_hostname=where.host,
            )
        return urllib3.HTTPConnectionPool(
            address, where.port, timeout=timeout, maxsize=1, retries=False
        )

    def _request(
        self, where: Target, address: str, deadline: float
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Host": where.host_header,
            "User-Agent": user_agent(self.contact),
            "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",  # not br: urllib3's Brotli path had bombs
        }
        if time.monotonic() > deadline:
            raise _Failed("timeout", f"took longer than {self.limits.total:g} s in all")
        pool = self._pool(where, address)
        try:
            response = pool.urlopen(
                "GET",
                where.path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
            )
            try:
                got = {k.lower(): v for k, v in response.headers.items()}
                if response.status in REDIRECTS:
                    return response.status, got, b""
                body = self._body(response, got, deadline)
                return response.status, got, body
            finally:
                # closed, not drained: what is left of a refused body is never read
                response.close()
                response.release_conn()
        except _Failed:
            raise
        except Exception as exc:  # every way a connection fails becomes one line
            raise _classify(exc, self.limits) from None
        finally:
            pool.close()

    def _body(
        self, response: urllib3.BaseHTTPResponse, headers: dict[str, str], deadline: float
    ) -> bytes:
        limit = self.limits.max_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Failed(
                "too-large",
                f"the page is {size_text(int(declared))}, more than {size_text(limit)}",
                response.status,
            )
        parts, size = [], 0
        for chunk in _chunks(response):
            size += len(chunk)
            if size > limit:
                raise _Failed(
                    "too-large", f"the page is larger than {size_text(limit)}", response.status
                )
            if time.monotonic() > deadline:
                raise _Failed("timeout", f"took longer than {self.limits.total:g} s in all")
            parts.append(chunk)
        return b"".join(parts)


def _chunks(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    while True:
        chunk = response.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _classify(exc: BaseException, limits: Limits) -> _Failed:
    if isinstance(exc, ux.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, ux.SSLError | ssl.SSLError):
        return _Failed("tls", f"TLS failure: {_first_line(exc)}")
    if isinstance(exc, ux.NewConnectionError):
        return _Failed("connect", f"cannot connect: {_first_line(exc)}")
    if isinstance(exc, ux.ConnectTimeoutError):
        return _Failed("timeout", f"no connection within {limits.connect:g} s")
    if isinstance(exc, ux.ReadTimeoutError | TimeoutError):
        return _Failed("timeout", f"no answer within {limits.read:g} s")
    if isinstance(exc, ux.DecodeError):
        return _Failed("protocol", f"the page's compression is broken: {_first_line(exc)}")
    if isinstance(exc, ux.HTTPError | OSError):
        return _Failed("protocol", f"the connection failed: {_first_line(exc)}")
    return _Failed("protocol", f"the fetch failed: {type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
