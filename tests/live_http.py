"""A web server on 127.0.0.1 for the tests of dossier.live: pages are set per path and
may change between requests; nothing leaves this machine."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

Body = bytes | Callable[[], Iterable[bytes]]


@dataclass
class Route:
    status: int = 200
    body: Body = b""
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False  # hold the answer until the test ends (a timeout)


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []  # (path, headers) asked
        self.release = threading.Event()
        self.port = 0
        self.wrap: ssl.SSLContext | None = None  # set by serving_tls

    @property
    def scheme(self) -> str:
        return "https" if self.wrap else "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def page(
        self,
        path: str,
        body: Body,
        kind: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        status: int = 200,
    ) -> str:
        self.routes[path] = Route(status, body, {"Content-Type": kind, **(headers or {})})
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": to})
        return self.url(path)


def _handler(server: Server) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # the body ends when the connection closes

        def do_GET(self) -> None:
            server.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = server.routes.get(self.path.split("?")[0], Route(404, b"not here"))
            if route.stall:
                server.release.wait(30)
                return
            self.send_response(route.status)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if isinstance(route.body, bytes):
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            chunks: Iterable[bytes] = (
                [route.body] if isinstance(route.body, bytes) else route.body()
            )
            try:
                for chunk in chunks:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading (the size limit)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _HTTPServer(http.server.ThreadingHTTPServer):
    owner: Server

    def get_request(self):  # type: ignore[no-untyped-def]
        conn, address = super().get_request()
        if self.owner.wrap is not None:  # the handshake happens in the handler's thread
            conn = self.owner.wrap.wrap_socket(
                conn, server_side=True, do_handshake_on_connect=False
            )
        return conn, address


@contextmanager
def serving() -> Iterator[Server]:
    server = Server()
    httpd = _HTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.owner = server
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        httpd.shutdown()
        httpd.server_close()


def text_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer is `text` (ASCII, no parentheses)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@contextmanager
def serving_tls(certs: Path) -> Iterator[Server]:
    """The server behind TLS, with a self-signed certificate that no client trusts
    (made with the openssl command; the test is skipped without it)."""
    key, cert = certs / "key.pem", certs / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serving() as server:
        server.wrap = context
        yield server
