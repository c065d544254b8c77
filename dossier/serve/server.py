"""`dossier serve`: build, serve build/html on loopback, rebuild on change, reload browsers.

Only files under <output>/html/ are served. The live-reload script is added to HTML
responses, never to the files on disk. After a failed rebuild the last good site stays
on disk (build() swaps only on success) and open pages show the diagnostics instead of
reloading into a broken site."""

from __future__ import annotations

import html
import ipaddress
import json
import mimetypes
import os
import queue
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from ..config import BUILD_MARKER
from ..diagnostics import Diagnostic, inert
from ..projectfs import MAX_SERVED_BYTES, Refused, is_real_dir, is_real_file, open_beneath, read_fd
from .watch import Plan, plan, real_folders

__all__ = ["EVENTS", "Plan", "Server", "is_loopback", "plan", "serve"]

EVENTS = "/__dossier__/events"
Log = Callable[[str], None]
Report = Callable[[Sequence[Diagnostic]], None]
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".webp": "image/webp",
}
LIVE_SCRIPT = "/__dossier__/live.js"
# An external script of the preview server's own, never inline: every page carries a
# Content-Security-Policy that allows only same-origin scripts (sanitize.py). The
# page's build version travels in the script's own address.
_SCRIPT = """(function () {
  var me = document.currentScript, box = null;
  var version = Number(new URL(me.src).searchParams.get("v"));
  var source = new EventSource("@EVENTS@");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.version !== version) { source.close(); location.reload(); return; }
    if (box) { box.remove(); box = null; }
    if (!state.errors.length) return;
    box = document.createElement("pre"); box.id = "dossier-errors";
    box.setAttribute("role", "alert");
    var look = {position: "fixed", left: "0", right: "0", bottom: "0", maxHeight: "50vh",
      margin: "0", overflow: "auto", zIndex: "2147483647", padding: "1em",
      background: "#fff0f0", color: "#600", borderTop: "3px solid #c00",
      font: "13px/1.4 monospace", whiteSpace: "pre-wrap"};
    Object.keys(look).forEach(function (k) { box.style[k] = look[k]; });
    box.textContent = "dossier: the rebuild failed; this is the last good build.\\n\\n" +
      state.errors.join("\\n");  // text, never markup: diagnostics quote the user's input
    document.body.appendChild(box);
  };
})();
""".replace("@EVENTS@", EVENTS)


def _quiet(_: object) -> None:
    """A callback that prints nothing."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(host: str) -> str:
    """'127.0.0.1:8000' -> '127.0.0.1', '[::1]:8000' -> '::1'."""
    return host[1 : host.find("]")] if host.startswith("[") else host.rpartition(":")[0] or host


def request_path(raw: str) -> str | None:
    """The site-relative path a raw request target names, or None when it is malformed
    or tries to leave the site (any encoding of '..', backslashes, NUL, absolute)."""
    target = raw.split("?", 1)[0].split("#", 1)[0]
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    try:
        path = unquote(target, errors="strict")
    except UnicodeDecodeError:
        return None
    # A '%' left after decoding is double encoding (%252e); nothing we build has one.
    if any(c in path for c in "%\\") or any(ord(c) < 32 or ord(c) == 127 for c in path):
        return None
    parts = path[1:].split("/")
    if (
        any(p in ("", ".", "..") or p.startswith(".") for p in parts[:-1])
        or parts[-1] in (".", "..")
        or parts[-1].startswith(".")
    ):
        return None
    return "/".join(parts)


def site_of(output: Path) -> Path | None:
    """The html/ folder of a build dossier made, or None: the output folder and html/
    real folders (not symlinks: a project that ships `build/html -> /` and whose build
    fails must not serve the disk) and the output holding dossier's build marker."""
    if not (is_real_dir(output) and is_real_file(output / BUILD_MARKER)):
        return None
    site = output / "html"
    return site if is_real_dir(site) else None


def locate(output: Path, rel: str) -> bytes | int:
    """The bytes of the file to send, or an HTTP status: 403 for a symlink (none is
    followed, even one that stays inside), 404 missing, not a regular file, or a
    folder without index.html (no listings)."""
    if site_of(output) is None:
        return 404
    parts = ["html", *(p for p in rel.split("/") if p)]
    if rel == "" or rel.endswith("/"):
        parts.append("index.html")
    try:
        # html/ itself and every folder below are opened without following symlinks
        fd = open_beneath(output, parts)
    except Refused as refused:
        return 403 if refused.reason == "symlink" else 404
    try:
        return read_fd(fd, MAX_SERVED_BYTES)
    except Refused:
        return 404
    finally:
        os.close(fd)


def inject(page: bytes, version: int) -> bytes:
    script = f'<script data-dossier-live src="{LIVE_SCRIPT}?v={version}"></script>'.encode()
    at = page.lower().rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


def error_page(errors: Sequence[str]) -> bytes:
    items = "\n".join(html.escape(e) for e in errors) or "(no diagnostics)"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>dossier: build failed</title></head><body>\n<h1>The build failed</h1>\n"
        f"<p>Fix these problems; the page reloads when a build succeeds.</p>\n"
        f"<pre>{items}</pre>\n</body></html>\n"
    ).encode()


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int  # changes on every build, good or bad
    version: int  # changes on every good build only: pages reload when it does
    errors: tuple[str, ...]  # diagnostics of the last build when it failed


class State:
    """The state of the last build, which event streams wait on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._now = Snapshot(0, 0, ())
        self.closed = False

    def now(self) -> Snapshot:
        with self._cond:
            return self._now

    def publish(self, ok: bool, diags: Sequence[Diagnostic]) -> None:
        with self._cond:
            n = self._now
            self._now = (
                Snapshot(n.seq + 1, n.version + 1, ())
                if ok
                else Snapshot(n.seq + 1, n.version, tuple(d.format() for d in diags))
            )
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> Snapshot | None:
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._now.seq != seen, timeout)
            return None if self.closed else self._now

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    loopback = True
    output: Path  # the output folder; only its html/ is served
    state: State
    notice: Log = staticmethod(_quiet)

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that closes or resets a connection mid-answer (a reload, a tab
        closed) is ordinary; anything else is one line, never a traceback."""
        problem = sys.exc_info()[1]
        if isinstance(problem, ConnectionError | TimeoutError):
            return
        self.notice(f"serve: a request failed: {inert(str(problem))}")


class _IPv6Server(_HTTPServer):
    address_family = socket.AF_INET6


class Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "dossier"

    def log_message(self, format: str, *args: object) -> None:
        """Requests are not logged: the console belongs to the build diagnostics."""

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        if self.server.loopback and not is_loopback(_hostname(self.headers.get("Host", ""))):
            # A page elsewhere that re-points its own name at 127.0.0.1 (DNS rebinding)
            # would otherwise read the preview: loopback serves loopback names only.
            return self._send(400, b"bad host\n", head=head)
        if self.path.split("?", 1)[0] == EVENTS and not head:
            return self._events()
        if self.path.split("?", 1)[0] == LIVE_SCRIPT:
            return self._send(200, _SCRIPT.encode("utf-8"), head=head, ctype=_TYPES[".js"])
        rel = request_path(self.path)
        if rel is None:
            return self._send(400, b"bad request\n", head=head)
        state, output = self.server.state.now(), self.server.output
        if site_of(output) is None and state.errors:  # no good build yet: show why
            return self._send(
                503,
                inject(error_page(state.errors), state.version),
                head=head,
                ctype=_TYPES[".html"],
            )
        data = locate(output, rel)
        if isinstance(data, int):
            return self._send(data, b"forbidden\n" if data == 403 else b"not found\n", head=head)
        name = PurePosixPath(rel + "index.html" if rel == "" or rel.endswith("/") else rel)
        suffix = name.suffix.lower()
        ctype = _TYPES.get(suffix) or mimetypes.guess_type(name.name)[0]
        if suffix == ".html":
            data = inject(data, state.version)
        self._send(200, data, head=head, ctype=ctype or "application/octet-stream")

    def _send(
        self, status: int, body: bytes, *, head: bool, ctype: str = "text/plain; charset=utf-8"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if ctype != "text/event-stream":  # a stream has no length: it ends with the server
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-Sent Events: the build state now, then after every build."""
        seen = -1
        try:
            self._send(200, b"retry: 1000\n\n", head=False, ctype="text/event-stream")
            while (now := self.server.state.wait(seen, timeout=15)) is not None:
                if now.seq == seen:
                    self.wfile.write(b": keep-alive\n\n")  # finds closed connections
                else:
                    data = {"version": now.version, "errors": list(now.errors)}
                    self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                    seen = now.seq
                self.wfile.flush()
        except OSError:  # the browser went away
            pass


class Server:
    """Builds, serves and rebuilds one project. start() then stop(); tests run it on port 0."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        pdf: bool = False,
        strict: bool = False,
        progress: Log = _quiet,
        notice: Log = _quiet,
        report: Report = _quiet,
    ) -> None:
        self.root, self.pdf, self.strict = root.resolve(), pdf, strict
        self.progress, self.notice, self.report = progress, notice, report
        cls = _IPv6Server if ":" in host else _HTTPServer
        self.httpd = cls((host.strip("[]"), port), Handler)  # OSError if the port is taken
        self.httpd.state, self.httpd.loopback = State(), is_loopback(host)
        self.httpd.notice = notice
        self._stop = threading.Event()
        self._changes: queue.Queue[set[Path]] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._watching: tuple[tuple[Plan, list[Path]], threading.Event] | None = None
        self._serving = False

    @property
    def url(self) -> str:
        host, port = str(self.httpd.server_address[0]), self.httpd.server_address[1]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def start(self) -> str:
        self.build()
        self._spawn(self.httpd.serve_forever, "dossier-http")
        self._serving = True
        self._spawn(self._rebuild_loop, "dossier-rebuild")
        return self.url

    def stop(self) -> None:
        self._stop.set()
        if self._watching:
            self._watching[1].set()
        self.httpd.state.close()
        if self._serving:  # shutdown() waits forever for a serve_forever() never started
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=10)

    def build(self, changed: Sequence[str] = ()) -> bool:
        from .. import build as pipeline

        if changed:
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            self.progress(inert(f"changed: {', '.join(changed[:3])}{more}"))
        try:
            result = pipeline.build(
                self.root, html=True, pdf=self.pdf, strict=self.strict, progress=self.progress
            )
        except Exception as exc:  # a bug in dossier: keep serving the last good site
            from ..diagnostics import error

            result = pipeline.Result(
                (error("internal", f"internal error: {type(exc).__name__}: {exc}"),)
            )
        self.report(result.diagnostics)
        current = plan(self.root, result, self._watching[0][0] if self._watching else None)
        for watching in self._watch(current):  # an edit made once pages know is not missed
            watching.wait(timeout=10)
        self.httpd.output = current.output
        self.httpd.state.publish(result.ok, result.diagnostics)
        self.progress(
            ("built; reloading open pages" if changed else "built")
            if result.ok
            else "build failed; open pages show the problems, the last good build stays"
        )
        return result.ok

    def _spawn(self, target: Callable[..., object], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _watch(self, current: Plan) -> list[threading.Event]:
        """(Re)start the watcher when the inputs moved (chapters added, config changed,
        a folder made): every real folder of the inputs is watched on its own, never
        recursively, so no symlink in the project leads the watcher elsewhere (a
        recursive watch follows them, across the disk for a link to /)."""
        folders = real_folders(current)
        if self._watching and self._watching[0] == (current, folders):
            return []
        if self._watching:
            self._watching[1].set()
        again, started = threading.Event(), threading.Event()
        self._watching = ((current, folders), again)
        if not folders:
            return []
        self._spawn(self._watcher, "dossier-watch", current, folders, again, started)
        return [started]

    def _watcher(
        self,
        current: Plan,
        folders: list[Path],
        again: threading.Event,
        started: threading.Event,
    ) -> None:
        import watchfiles

        # yield_on_timeout: the first (empty) yield tells build() the watch is on.
        try:
            for changes in watchfiles.watch(
                *folders,
                recursive=False,
                stop_event=again,
                watch_filter=lambda _, path: current.wanted(Path(path)),
                debounce=1600,
                step=50,
                rust_timeout=250,
                yield_on_timeout=True,
                ignore_permission_denied=True,
            ):
                started.set()
                if changes:
                    self._changes.put({Path(p) for _, p in changes})
        except Exception as exc:  # e.g. the system's limit of inotify watches
            self.notice(
                inert(
                    f"warning: cannot watch {len(folders)} folder(s) of {self.root} ({exc}); "
                    "changes there need a restart of 'dossier serve'"
                )
            )
        finally:
            started.set()

    def _rebuild_loop(self) -> None:
        """One rebuild at a time; changes that come during a build make one more build."""
        while not self._stop.is_set():
            try:
                changed = self._changes.get(timeout=0.5)
            except queue.Empty:
                continue
            while True:  # a burst seen by both watchers, or edits during the last build
                try:
                    changed |= self._changes.get(timeout=0.1)
                except queue.Empty:
                    break
            if not self._stop.is_set():
                self.build(
                    sorted(
                        p.relative_to(self.root).as_posix()
                        for p in changed
                        if p.is_relative_to(self.root)
                    )
                )


def serve(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    pdf: bool = False,
    strict: bool = False,
    progress: Log = _quiet,
    notice: Log = _quiet,
    report: Report = _quiet,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve until `stop` is set or Ctrl-C; 0 then, 1 when the address cannot be used."""
    if not is_loopback(host):
        notice(
            f"warning: serving on {host}: other machines can read the preview "
            "(use the default 127.0.0.1 unless you mean it)"
        )
    try:
        server = Server(
            root,
            host=host,
            port=port,
            pdf=pdf,
            strict=strict,
            progress=progress,
            notice=notice,
            report=report,
        )
    except OSError as exc:
        notice(
            f"error: cannot listen on {host}:{port}: {exc.strerror or exc} "
            "(choose another port with --port, or --port 0 for any free one)"
        )
        return 1
    stop = stop or threading.Event()
    try:
        url = server.start()
        if ready:
            ready(url)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        notice("stopped")
    finally:
        server.stop()
    return 0
