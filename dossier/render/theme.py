"""The Jinja2 environment: the project's templates/ override the default theme file by
file. Templates are untrusted like every other input, so they run sandboxed, with
autoescaping and StrictUndefined, and are read only when they are regular files inside
the project (a symlink out of it, a FIFO or a device is never opened). `check_overrides`
reports what a project's templates/ may not do: read outside the project, fetch from
the network, publish scripts, or embed files in the PDF."""

from __future__ import annotations

import base64
import os
import re
import stat
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import (
    BaseLoader,
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)
from jinja2.exceptions import TemplateError, TemplateSyntaxError
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from ..diagnostics import Diagnostic, Location, error, warning
from ..projectfs import MAX_TEMPLATE_BYTES, Refused, read_file
from ..sanitize import SCRIPT_RULE, page_problem
from ..urls import plain_url, url_problem
from .assets import THEME_DIR as THEME_DIR  # re-exported: where it was
from .assets import THEME_SCRIPT as THEME_SCRIPT
from .budget import BoundedEnvironment


def regular_inside(path: Path, root: Path) -> Path | None:
    """The resolved path when it is a regular file inside `root` (symlinks followed,
    nothing opened), else None."""
    try:
        resolved = path.resolve()
        info = resolved.stat()
    except (OSError, RuntimeError):
        return None
    if root != resolved and root not in resolved.parents:
        return None
    return resolved if stat.S_ISREG(info.st_mode) else None


def _project_dir(root: Path) -> Path | None:
    base = root.resolve()
    try:
        folder = (root / "templates").resolve()
    except (OSError, RuntimeError):
        return None
    inside = folder == base or base in folder.parents
    return folder if inside and folder.is_dir() and folder != THEME_DIR else None


def theme_dirs(root: Path) -> list[Path]:
    project = _project_dir(root)
    return [*([project] if project else []), THEME_DIR]


def theme_files(root: Path) -> list[tuple[str, Path]]:
    """(name, path) of every file the theme and the project's templates/ may serve:
    regular files inside their folder only, so that hashing or copying them never
    reads outside the project."""
    out: list[tuple[str, Path]] = []
    for folder in theme_dirs(root):
        limit = THEME_DIR if folder == THEME_DIR else root.resolve()
        for path in sorted(folder.rglob("*")):
            found = regular_inside(path, limit) if not path.is_dir() else None
            if found is not None:
                out.append((path.relative_to(folder).as_posix(), found))
    return out


class _Loader(BaseLoader):
    """FileSystemLoader without its trust: each file must be a regular file inside the
    project (or the theme); anything else falls through to the theme's own file."""

    def __init__(self, root: Path) -> None:
        project = _project_dir(root)
        self.folders = [*([(project, root.resolve())] if project else []), (THEME_DIR, THEME_DIR)]

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder, limit in self.folders:
            path = regular_inside(folder.joinpath(*pieces), limit)
            if path is None:
                continue
            try:
                mtime = path.stat().st_mtime
                source = read_theme_file(path, limit).decode("utf-8")
            except (OSError, Refused, UnicodeDecodeError):
                continue
            return source, str(path), lambda p=path, m=mtime: _unchanged(p, m)
        raise TemplateNotFound(template)


def _unchanged(path: Path, mtime: float) -> bool:
    try:
        return path.stat().st_mtime == mtime
    except OSError:
        return False


def environment(root: Path) -> BoundedEnvironment:
    """The sandbox every page is rendered in, with a time and output budget per page
    (render/budget.py): a project's templates are untrusted code."""
    return BoundedEnvironment(
        loader=_Loader(root),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )


def _bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept between builds (compiling the theme costs ~15 ms of a
    0.3 s rebuild), under the user's cache folder: never in the project or its build/,
    which may come from someone else (compiled code is run as it is loaded). A folder
    that is not the user's own, or is open to others, is not used."""
    import jinja2

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "dossier" / f"templates-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except (OSError, RuntimeError):
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return FileSystemBytecodeCache(str(folder))


def theme_file(root: Path, name: str) -> Path:
    """A static theme file (CSS, JS), taken from the project when it overrides it with
    a regular file inside the project; scripts always come from the theme."""
    for folder in theme_dirs(root):
        if folder != THEME_DIR and name.endswith(".js"):
            continue
        limit = THEME_DIR if folder == THEME_DIR else root.resolve()
        found = regular_inside(folder / name, limit)
        if found is not None:
            return found
    raise FileNotFoundError(name)


def read_theme_file(path: Path, limit: Path) -> bytes:
    """The bytes of a file found by regular_inside under `limit`: the theme's own files
    as they are; a project's through projectfs (no link followed, a size limit), since
    the file may have been swapped since it was looked at. Raises Refused or OSError."""
    if limit == THEME_DIR:
        return path.read_bytes()
    return read_file(limit, path.relative_to(limit).as_posix(), MAX_TEMPLATE_BYTES)


def static_asset(root: Path, name: str) -> bytes:
    """The bytes of a static theme file for the site. A project stylesheet that
    check_overrides refuses is replaced by the theme's (the build stops on those
    errors anyway; this keeps a refused url() out of any output)."""
    path = theme_file(root, name)
    data = read_theme_file(path, THEME_DIR if path.parent == THEME_DIR else root.resolve())
    if path.parent != THEME_DIR and name.endswith(".css"):
        text = data.decode("utf-8", "replace")
        if any(d.severity == "error" for d in check_css(text, root, name)):
            return (THEME_DIR / name).read_bytes()
    return data


# --- checking a project's templates/ ---------------------------------------------------


def check_overrides(root: Path) -> list[Diagnostic]:
    """Diagnostics for every file of the project's templates/ (nothing is opened that is
    not a regular file inside the project)."""
    folder = root / "templates"
    if not (folder.is_dir() or folder.is_symlink()):
        return []
    if _project_dir(root) is None:
        if folder.resolve() == THEME_DIR:
            return []
        return [
            error(
                "theme.outside",
                "templates/ is not a folder inside the project; it is ignored",
                Location("templates"),
            )
        ]
    diags: list[Diagnostic] = []
    base = root.resolve()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if regular_inside(path, base) is None:
                diags.append(_refused_file(path, base, rel))
                continue
            diags.extend(_check_file(path, rel, root))
    return diags


def _refused_file(path: Path, base: Path, rel: str) -> Diagnostic:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        resolved = path
    if resolved != base and base not in resolved.parents:
        return error(
            "theme.outside", f"'{rel}' points outside the project; it is ignored", Location(rel)
        )
    return error("theme.not-a-file", f"'{rel}' is not a regular file; it is ignored", Location(rel))


def _check_file(path: Path, rel: str, root: Path) -> list[Diagnostic]:
    if path.suffix == ".js":
        return [
            warning(
                "theme.script",
                f"'{rel}' is ignored: the site's script always comes "
                "from dossier's theme (a dossier never publishes its own scripts)",
                Location(rel),
            )
        ]
    if path.suffix not in (".css", ".html", ".htm"):
        return []
    try:
        text = read_file(root, rel, MAX_TEMPLATE_BYTES).decode("utf-8")
    except UnicodeDecodeError:
        return [error("theme.encoding", f"'{rel}' is not UTF-8 text", Location(rel))]
    except Refused as refused:
        return [refused.diagnostic("template", rel)]
    if path.suffix == ".css":
        return check_css(text, root, rel)
    return check_template(text, rel)


# CSS: every reference is a url(), src(), image-set() or @import. Comments and escapes
# (`\75 rl(`, `@\69mport`) are undone first, keeping line breaks for the line numbers.
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n]?|\\([^\n0-9a-fA-F])")
_CSS_REF = re.compile(
    r"""(?:url|src)\(\s*(?:"(?P<q>[^"]*)"|'(?P<s>[^']*)'|(?P<u>[^)'"\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<iq>[^"]*)"|'(?P<is>[^']*)')"""
    r"""|image-set\(\s*(?:"(?P<xq>[^"]*)"|'(?P<xs>[^']*)')""",
    re.I,
)
_CSS_ACTIVE = re.compile(r"expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.I)
_FONT_DATA = re.compile(r"data:(?:font/[\w.+-]+|application/(?:x-)?font-[\w.+-]+)[;,]", re.I)
_IMAGE_MAGIC = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff",
    "gif": b"GIF8",
    "webp": b"RIFF",
}


def _css_plain(text: str) -> str:
    text = _CSS_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)

    def unescape(m: re.Match[str]) -> str:
        if m.group(1):
            code = int(m.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
        return m.group(2)

    return _CSS_ESCAPE.sub(unescape, text)


def check_css(text: str, root: Path, rel: str) -> list[Diagnostic]:
    plain = _css_plain(text)
    diags: list[Diagnostic] = []
    for m in _CSS_ACTIVE.finditer(plain):
        line = plain.count("\n", 0, m.start()) + 1
        diags.append(
            error(
                "theme.active",
                f"'{m.group(0)}' in a stylesheet runs code; it is not allowed",
                Location(rel, line),
            )
        )
    for m in _CSS_REF.finditer(plain):
        url = next(v for v in m.groupdict().values() if v is not None)
        line = plain.count("\n", 0, m.start()) + 1
        problem, fatal = css_url_problem(url, root)
        if problem:
            shown = url if len(url) <= 60 else url[:57] + "..."
            make = error if fatal else warning
            diags.append(
                make(
                    "theme.url",
                    f"stylesheet reference '{shown}' is refused: {problem}",
                    Location(rel, line),
                )
            )
    return diags


def css_url_problem(url: str, root: Path) -> tuple[str, bool]:
    """(why the reference is refused, whether that is an error); ("", False) if fine."""
    plain = plain_url(url)
    if not plain or plain.startswith("#"):
        return "", False
    if plain.lower().startswith("data:"):
        return _data_problem(plain), True
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", plain)
    if scheme or plain.startswith("//"):
        name = scheme.group(1).lower() if scheme else "http"
        if name not in ("http", "https"):
            return f"'{name}:' URLs are never read", True
        local = url_problem(plain if scheme else "http:" + plain)
        if local:
            return f"{local}; nothing is fetched", True
        return (
            "dossier never fetches from the network, so the PDF goes without it "
            "(a browser showing the site would fetch it)"
        ), False
    if plain.startswith("/"):
        return "it is an absolute path; files must be inside the project", True
    target = root / re.split(r"[?#]", plain)[0]
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        return "it cannot be resolved", True
    base = root.resolve()
    if resolved != base and base not in resolved.parents:
        return "it points outside the project", True
    if resolved.exists() and regular_inside(resolved, base) is None:
        return "it is not a regular file", True
    return "", False


def _data_problem(url: str) -> str:
    if _FONT_DATA.match(url):
        return ""
    m = re.match(r"data:image/(png|jpeg|gif|webp);base64,(.*)", url, re.I | re.S)
    if not m:
        return "only data: URLs of PNG, JPEG, GIF and WebP images and of fonts are allowed"
    try:
        head = base64.b64decode(m.group(2)[:64] + "=" * (-len(m.group(2)[:64]) % 4))
    except ValueError:
        return "its data is not base64"
    if not head.startswith(_IMAGE_MAGIC[m.group(1).lower()]):
        return f"it claims to be image/{m.group(1).lower()} but holds something else"
    return ""


# HTML templates: what Jinja cannot see (it renders text) is checked on the source.
# the theme's script, by the name its bytes give it (render.assets): a template names it
# with this expression, and the rendered page is checked for the real name
_ALLOWED_SCRIPT = re.compile(r"""\{\{\s*assets\[\s*(['"])site\.js\1\s*\]\s*\}\}""")
_FORBIDDEN_TAGS = frozenset(
    {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "portal"}
)
_TEMPLATE_URL_ATTRS = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "background"}
)


# Markup that Python's HTMLParser reads otherwise than browsers do: the source check
# below cannot be trusted with it, so it is refused outright (the rendered pages are
# checked again with a browser's parser anyway: see check_rendered).
_DIFFERENTIAL = re.compile(r"<!---?>|--!>|<!\[CDATA\[|<noscript|<!(?!--|doctype)", re.I)


class _TemplateScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        names = [k for k, _ in attrs]
        if len(set(names)) != len(names):
            dup = next(k for k in names if names.count(k) > 1)
            self.found.append(
                (line, f"a duplicated attribute ({dup}=), which browsers read differently")
            )
        values: dict[str, str] = {}
        for k, v in attrs:
            values.setdefault(k, v or "")  # the first wins, as in browsers
        if tag == "script" and not _ALLOWED_SCRIPT.fullmatch(values.get("src", "")):
            self.found.append((line, SCRIPT_RULE))
        elif tag in _FORBIDDEN_TAGS:
            self.found.append((line, f"a <{tag}> element"))
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append((line, 'a <meta http-equiv="refresh">'))
        for name, value in values.items():
            literal = "{{" not in value and "{%" not in value
            if name.startswith("on"):
                self.found.append((line, f"an event handler ({name}=)"))
            elif name == "rel" and "attachment" in value.lower():
                self.found.append((line, 'rel="attachment" (it would embed a file in the PDF)'))
            elif name in _TEMPLATE_URL_ATTRS and literal and url_problem(value):
                self.found.append((line, f'{name}="{value[:60]}" ({url_problem(value)})'))

    handle_startendtag = handle_starttag


class ActiveOutput(Exception):
    """A project template produced active content once rendered (the source check cannot
    see what `<{{ "img" }} {{ "on" }}error=...>` becomes)."""

    def __init__(self, page: str, line: int, what: str) -> None:
        super().__init__(f"{page}:{line}: {what}")
        self.page, self.line, self.what = page, line, what


def overrides_html(root: Path) -> bool:
    """Whether the project replaces any of the theme's HTML templates."""
    return any(
        not path.is_relative_to(THEME_DIR) and name.endswith((".html", ".htm"))
        for name, path in theme_files(root)
    )


def check_rendered(page: str, text: str, site: bool = False) -> None:
    """Raises ActiveOutput when a rendered page holds active content, as a browser (and
    WeasyPrint) parses it: the source check of a template can be fooled by markup that
    Python's parser reads otherwise, this one cannot. `site`: a page of the site, which
    must also keep dossier's Content-Security-Policy."""
    what = page_problem(text, site)
    if what:
        raise ActiveOutput(page, _line_of(text, what), what)


def _line_of(text: str, what: str) -> int:
    """Where the problem probably is (the first line naming its tag or attribute)."""
    m = re.search(r"<(\w+)|\((\w[\w:-]*)=\)|(\w[\w:-]*)=", what)
    needle = next((g for g in m.groups() if g), "") if m else ""
    at = text.lower().find(needle.lower()) if needle else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def check_template(text: str, rel: str) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    try:
        SandboxedEnvironment().parse(text)
    except TemplateSyntaxError as exc:
        diags.append(
            error("theme.syntax", f"template syntax: {exc.message}", Location(rel, exc.lineno or 0))
        )
    scan = _TemplateScan()
    scan.feed(text)
    scan.close()
    for m in _DIFFERENTIAL.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        scan.found.append((line, f"'{m.group(0)}', which browsers read otherwise than the check"))
    for line, what in sorted(scan.found, key=lambda f: f[0]):
        diags.append(
            error(
                "theme.active",
                f"the template has {what}; a dossier never publishes active content",
                Location(rel, line),
            )
        )
    return diags


def template_error(exc: TemplateError, root: Path) -> Diagnostic:
    """A template that fails while rendering (an undefined name, something the sandbox
    forbids) is a problem of the project's templates/, reported as such."""
    import traceback

    name, line = getattr(exc, "filename", None), getattr(exc, "lineno", 0) or 0
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.endswith((".html", ".htm", ".xml", ".svg"))
    ]
    if frames:  # Jinja puts the template's own lines into the traceback
        name, line = frames[-1].filename, frames[-1].lineno or 0
    path = Path(str(name or "templates"))
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = f"templates/{path.name}"
    return error(
        "theme.render",
        f"template error: {exc.message or exc}",
        Location(rel, line),
        "check the project's templates/ against dossier's own",
    )


def active_output_error(exc: ActiveOutput) -> Diagnostic:
    return error(
        "theme.active",
        f"a project template produced {exc.what} in {exc.page} (line {exc.line}); a "
        "dossier never publishes active content",
        Location("templates"),
        "build tags and attributes literally in templates, not from {{ }}",
    )
