"""Hostile resources: images, links and stylesheet references pointing at system files,
devices, the cloud metadata service or other schemes; symlinks out of the project,
FIFOs and devices. Each is refused with a diagnostic at its place, never opened, never
fetched and never embedded (in the site or the PDF)."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from dossier.render.pdf.fetch import Refused, read_data_url, resolve_file_url
from dossier.render.theme import THEME_DIR

from .conftest import time_limit

THEME = THEME_DIR
SVG_WITH_SCRIPT = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
).decode()
TARGETS = [
    "file:///etc/passwd",
    "/etc/passwd",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "/dev/zero",
    "/dev/urandom",
    "/proc/self/environ",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:1/",
    "http://[::1]/",
    "ftp://example.org/x",
    "gopher://example.org/x",
    f"data:image/png;base64,{SVG_WITH_SCRIPT}",
]


@pytest.fixture(autouse=True)
def _no_sockets_at_all(monkeypatch):
    """Beyond conftest's connect guard: no name look-up, no datagram either."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket.socket, "sendto", refuse)


def alarm(seconds: int) -> AbstractContextManager[None]:
    """A FIFO that is opened blocks forever: fail instead, after `seconds`."""
    return time_limit(
        seconds, lambda: AssertionError("timed out: something opened a FIFO or read a device")
    )


@pytest.fixture
def no_hang() -> Iterator[None]:
    with alarm(30):
        yield


def _site_text(root: Path) -> str:
    html = root / "build" / "html"
    return "".join(p.read_text(encoding="utf-8") for p in sorted(html.glob("*.html")))


# --- chapter images and links ------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_image_pointing_out_is_refused_at_its_line(run_cli, make_project, texts, target):
    root = make_project({"chapters/01-a.md": texts.chapter + f"\n![leak]({target})\n"})
    code, err = run_cli(["build", "--html", "-q"], root)
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("chapters/01-a.md:5: ")
    assert any(code_ in lines[0] for code_ in ("[media.outside]", "[media.remote]"))
    if code == 0:  # a warning: the site is built without the image
        site = _site_text(root)
        assert '<span class="missing-image">[leak]</span>' in site
        assert "<img" not in site
        assert not (root / "build" / "html" / "media").exists()
    else:
        assert not (root / "build").exists()


@pytest.mark.parametrize("target", [t for t in TARGETS if not t.startswith("data:")])
def test_link_pointing_out_is_refused_at_its_line(run_cli, make_project, texts, target):
    root = make_project({"chapters/01-a.md": texts.chapter + f"\nSee [leak]({target}).\n"})
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    lines = err.splitlines()
    assert lines[1] == "0 errors, 1 warning"
    assert lines[0].startswith("chapters/01-a.md:5:5: warning: link to '")
    assert lines[0].endswith("[md.link-refused]")
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert '<span class="link-refused">leak</span>' in page
    assert "etc/passwd" not in page and "169.254" not in page


def test_links_may_not_ask_for_pdf_attachments(run_cli, make_project, texts):
    root = make_project(
        {
            "chapters/01-a.md": texts.chapter
            + "\n[x](/etc/passwd){rel=attachment} [y](02.md){rel=attachment}\n"
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert err.splitlines() == [
        "chapters/01-a.md:5:1: warning: link to '/etc/passwd' is shown as plain text: it is an "
        "absolute path [md.link-refused]",
        "0 errors, 1 warning",
    ]
    page = (root / "build" / "html" / "01-a.html").read_text(encoding="utf-8")
    assert "attachment" not in page


def test_svg_image_with_a_script_is_refused(run_cli, make_project, texts):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1" onclick="x()"/></svg>\n'
    root = make_project(
        {"chapters/01-a.md": texts.chapter + "\n![dot](../img/dot.svg)\n", "img/dot.svg": svg}
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "chapters/01-a.md:5: error: SVG image '../img/dot.svg' holds active content "
        "(onclick=); dossier never publishes scripts (remove it from the SVG, or save the "
        "image as PNG) [media.active]",
        "1 error, 0 warnings",
    ]
    assert not (root / "build").exists()


# --- the theme: stylesheets and templates a project overrides --------------------------

CSS_REFS = [
    ('body {{ background: url("{t}"); }}', 1),
    ("\n\n@import url({t});", 3),
    ("@import '{t}';", 1),
    ('@font-face {{\n  font-family: X;\n  src: url("{t}") format("woff2");\n}}', 3),
    ("/* a comment */ p {{ background: \\75 rl('{t}') }}", 1),
    ('h1 {{ background-image: image-set("{t}" 1x); }}', 1),
]
CSS_TARGETS = [
    "file:///etc/passwd",
    "/etc/passwd",
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "/dev/zero",
    "/proc/self/environ",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:1/",
    "http://[::1]/",
    "ftp://example.org/f",
    "gopher://example.org/f",
    f"data:image/png;base64,{SVG_WITH_SCRIPT}",
    "data:text/css,p{color:red}",
]


@pytest.mark.parametrize("css,line", CSS_REFS)
@pytest.mark.parametrize("sheet", ["style.css", "print.css"])
def test_stylesheet_reference_out_of_the_project_stops_the_build(
    run_cli, make_project, sheet, css, line
):
    files = {f"templates/{sheet}": css.format(t=t) for t in CSS_TARGETS[:1]}
    root = make_project(files)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        f"templates/{sheet}:{line}: error: stylesheet reference 'file:///etc/passwd' is "
        "refused: 'file:' URLs are never read [theme.url]",
        "1 error, 0 warnings",
    ]
    assert not (root / "build").exists()


@pytest.mark.parametrize("target", CSS_TARGETS)
def test_every_stylesheet_target_is_refused(run_cli, make_project, target):
    root = make_project({"templates/print.css": f'@import url("{target}");\n'})
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    first = err.splitlines()[0]
    assert first.startswith("templates/print.css:1: error: stylesheet reference '")
    assert first.endswith("[theme.url]")


def test_remote_stylesheet_reference_is_a_warning_and_never_fetched(run_cli, make_project):
    root = make_project(
        {
            "templates/style.css": "@import url(https://fonts.example.org/a.css);\n"
            "p { color: #333 }\n"
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0
    assert err.splitlines() == [
        "templates/style.css:1: warning: stylesheet reference "
        "'https://fonts.example.org/a.css' is refused: dossier never fetches from the "
        "network, so the PDF goes without it (a browser showing the site would fetch it) "
        "[theme.url]",
        "0 errors, 1 warning",
    ]


def test_stylesheet_inside_the_project_is_used(run_cli, make_project, texts):
    root = make_project(
        {
            "templates/style.css": "body { background: url(img/dot.png) }\n",
            "img/dot.png": texts.png(),
        }
    )
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 0, err
    (sheet,) = (root / "build" / "html" / "assets").glob("style.*.css")
    css = sheet.read_text(encoding="utf-8")
    assert css == "body { background: url(img/dot.png) }\n"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///dev/zero",
        "file:///proc/self/environ",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:1/",
        "ftp://example.org/",
        "gopher://example.org/",
        "file:///PROJECT/../etc/passwd",
        "file:///PROJECT/fifo.png",
        "file:///PROJECT/link.png",
    ],
)
def test_the_pdf_fetcher_refuses_everything_outside(tmp_path, url, no_hang):
    """The PDF renderer's only door (WeasyPrint asks it for every resource)."""
    (tmp_path / "link.png").symlink_to("/etc/passwd")
    os.mkfifo(tmp_path / "fifo.png")
    with pytest.raises(Refused):
        resolve_file_url(url.replace("/PROJECT", str(tmp_path)), [tmp_path])


def test_the_pdf_fetcher_refuses_an_svg_disguised_as_png():
    with pytest.raises(Refused, match="holds something else"):
        read_data_url(f"data:image/png;base64,{SVG_WITH_SCRIPT}")
    with pytest.raises(Refused):
        read_data_url("data:text/html,<script>alert(1)</script>")


# --- symlinks, FIFOs and devices -----------------------------------------------------------


def test_symlinks_out_of_the_project_are_refused(run_cli, make_project, texts, no_hang):
    root = make_project(
        {
            "dossier.toml": texts.toml.replace(
                '["chapters/01-a.md"]', '["chapters/01-a.md", "chapters/02-b.md"]'
            ),
            "chapters/01-a.md": texts.chapter,
            "sources/README": "archived sources\n",
        }
    )
    (root / "chapters" / "02-b.md").symlink_to("/etc/passwd")
    (root / "sources" / "smith2020.txt").symlink_to("/etc/passwd")
    (root / "templates").mkdir()
    (root / "templates" / "style.css").symlink_to("/etc/passwd")
    (root / "templates" / "chapter.html").symlink_to("/etc/passwd")
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    lines = err.splitlines()
    assert (
        "dossier.toml:4: error: chapter 'chapters/02-b.md' is outside the project "
        "[load.outside]" in lines
    )
    assert (
        "sources/smith2020.txt: error: archived source 'smith2020.txt' points outside "
        "the project [source.outside]" in lines
    )
    assert (
        "templates/chapter.html: error: 'templates/chapter.html' points outside the "
        "project; it is ignored [theme.outside]" in lines
    )
    assert (
        "templates/style.css: error: 'templates/style.css' points outside the project; "
        "it is ignored [theme.outside]" in lines
    )
    assert "root:" not in err
    assert not (root / "build").exists()


def test_templates_folder_linked_out_of_the_project_is_refused(run_cli, make_project, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "index.html").write_text("<p>{{ 7*7 }} from outside</p>\n", encoding="utf-8")
    root = make_project()
    (root / "templates").symlink_to(outside)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert err.splitlines() == [
        "templates: error: templates/ is not a folder inside the project; it is ignored "
        "[theme.outside]",
        "1 error, 0 warnings",
    ]


def _fifo_project(make_project, texts, where: str) -> Path:
    toml = texts.toml.replace('["chapters/01-a.md"]', '["chapters/01-a.md", "chapters/02.md"]')
    files = {
        "chapters/01-a.md": texts.chapter + "\n![dot](../img/dot.png)\n\n"
        "![Chronology](../data/events.toml)\n",
        "chapters/02.md": "# Two\n",
        "img/dot.png": texts.png(),
        "data/events.toml": '[[event]]\nyear = 2000\nlabel = "x"\n',
        "templates/style.css": "p { color: #111 }\n",
        "templates/index.html": "{% extends 'base.html' %}\n",
        "sources/smith2020.txt": "text\n",
        "dossier.toml": toml,
    }
    files[where] = None
    root = make_project(files)
    (root / where).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / where)
    return root


@pytest.mark.parametrize(
    "where,expected",
    [
        (
            "chapters/02.md",
            "dossier.toml:4: error: chapter 'chapters/02.md' is not a regular "
            "file [load.not-a-file]",
        ),
        (
            "img/dot.png",
            "chapters/01-a.md:5: error: image '../img/dot.png' is not a regular file "
            "[media.not-a-file]",
        ),
        (
            "data/events.toml",
            "chapters/01-a.md:7: error: image '../data/events.toml' is not a "
            "regular file [media.not-a-file]",
        ),
        (
            "sources/smith2020.txt",
            "sources/smith2020.txt: error: archived source is not a "
            "regular file [source.not-a-file]",
        ),
        (
            "templates/style.css",
            "templates/style.css: error: 'templates/style.css' is not a "
            "regular file; it is ignored [theme.not-a-file]",
        ),
        (
            "templates/index.html",
            "templates/index.html: error: 'templates/index.html' is not a "
            "regular file; it is ignored [theme.not-a-file]",
        ),
    ],
)
def test_a_fifo_is_refused_and_never_opened(run_cli, make_project, texts, no_hang, where, expected):
    root = _fifo_project(make_project, texts, where)
    code, err = run_cli(["build", "--html", "-q"], root)
    assert code == 1
    assert expected in err.splitlines(), err
    assert not (root / "build").exists()


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_bibliography_that_is_not_a_project_file_is_refused(run_cli, make_project, texts, kind):
    root = make_project({"references.bib": None})
    if kind == "fifo":
        os.mkfifo(root / "references.bib")
    else:
        (root / "references.bib").symlink_to("/etc/passwd")
    with alarm(10):  # opening the FIFO would hang: fail instead
        code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert any(
        line.startswith("references.bib") and ": error: " in line for line in err.splitlines()
    ), err
    assert "root:" not in err


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making a device needs root")


@needs_root
@pytest.mark.parametrize(
    "where,code_",
    [
        ("chapters/01-a.md", "[load.not-a-file]"),
        ("img/zero.png", "[media.not-a-file]"),
        ("sources/smith2020.txt", "[source.not-a-file]"),
    ],
)
def test_a_device_inside_the_project_is_never_read(
    run_cli, make_project, texts, no_hang, where, code_
):
    root = make_project(
        {"chapters/01-a.md": texts.chapter + "\n![z](../img/zero.png)\n", "sources/README": "x\n"}
    )
    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 5))  # what /dev/zero is
    code, err = run_cli(["check", "-q"], root)
    assert code == 1
    assert any(line.endswith(code_) for line in err.splitlines()), err


# --- the PDF: nothing embedded, nothing read, nothing fetched ------------------------------

BOOT = textwrap.dedent("""\
    import os, runpy, socket, sys

    def _refuse(*args, **kwargs):
        sys.stderr.write(f"NETWORK ACCESS ATTEMPTED: {args!r}\\n")
        sys.stderr.flush()
        os._exit(86)

    socket.socket.connect = socket.socket.connect_ex = socket.socket.sendto = _refuse
    socket.getaddrinfo = socket.create_connection = _refuse
    args = [a for a in sys.argv[1:] if a != "-P"]  # -P: the workers' safe-path flag
    mode, target, *rest = args
    sys.argv = [target, *rest]
    if mode == "-m":
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        exec(compile(target, "<guarded>", "exec"), {"__name__": "__main__"})
    """)


def guarded_python(folder: Path) -> Path:
    """An interpreter for child processes (the PDF workers) in which any socket use ends
    the process with status 86 and a message, so the build fails loudly."""
    boot = folder / "guard_boot.py"
    boot.write_text(BOOT, encoding="utf-8")
    wrapper = folder / "python-guarded"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{boot}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper


def test_the_child_process_network_guard_works(tmp_path):
    python = guarded_python(tmp_path)
    proc = subprocess.run(
        [
            str(python),
            "-c",
            "import urllib.request as u; u.urlopen('http://192.0.2.1/', timeout=1)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 86
    assert "NETWORK ACCESS ATTEMPTED" in proc.stderr


PDF_TOML = """\
title = "Leak <link rel=attachment href=/etc/passwd>"
subtitle = "<a rel=attachment href=/etc/passwd>x</a>"
authors = ["<link rel=\\"attachment\\" href=\\"file:///etc/passwd\\">"]
csl = "apa"
chapters = ["chapters/01-a.md"]
"""
PDF_CHAPTER = (
    """\
# Alpha <link rel="attachment" href="/etc/passwd">

Text citing [@smith2020]. <a rel="attachment" href="/etc/passwd">raw</a>
<link rel="attachment" href="../../../../etc/passwd">

[x](/etc/passwd){rel=attachment} [y](../references.bib){rel=attachment}
[z](file:///etc/passwd) [m](http://169.254.169.254/latest/meta-data/) [n](http://[::1]/)

![dot](../img/dot.png)

![svg](data:image/png;base64,"""
    + SVG_WITH_SCRIPT
    + """)

![remote](http://127.0.0.1:1/x.png)
"""
)
PDF_BIB = """\
@book{smith2020,
  author    = {Smith, Jane},
  title     = {A Book <a rel="attachment" href="/etc/passwd">p</a>},
  year      = {2020},
  publisher = {Example Press},
  url       = {file:///etc/passwd},
  note      = {<link rel=attachment href=/etc/passwd>},
}
"""


@pytest.fixture(scope="module")
def leaky_pdf(project_factory, build_project, tmp_path_factory, texts):
    root = project_factory(
        {
            "dossier.toml": PDF_TOML,
            "chapters/01-a.md": PDF_CHAPTER,
            "references.bib": PDF_BIB,
            "img/dot.png": texts.png(),
            # a remote reference is only a warning; the fetcher must still refuse it
            "templates/print.css": "@import url(https://fonts.example.org/x.css);\n"
            + (THEME / "print.css").read_text(encoding="utf-8"),
        },
        name="leaky",
    )
    python = guarded_python(tmp_path_factory.mktemp("guard"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "executable", str(python))
        built = build_project(root, html=False, pdf=True)
    return built


@pytest.mark.slow
def test_the_pdf_is_built_without_attachments_or_leaks(leaky_pdf):
    built = leaky_pdf
    messages = [d.format() for d in built.result.diagnostics]
    assert built.result.ok, messages
    assert not any("NETWORK ACCESS" in m for m in messages)
    # the remote @import reached the fetcher, which refused it (no socket was opened)
    assert any("Refused: not a local file: https://fonts.example.org/x.css" in m for m in messages)
    assert any("[md.link-refused]" in m for m in messages)
    assert any("[md.raw-html]" in m for m in messages)
    pdf = next((built.root / "build").glob("*.pdf"))
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/EmbeddedFile" not in data
    assert b"/FileAttachment" not in data
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert not reader.attachments
    assert all(
        "/Annots" not in page
        or not any(a.get_object().get("/Subtype") == "/FileAttachment" for a in page["/Annots"])
        for page in reader.pages
    )


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_pdf_text_holds_no_system_file(leaky_pdf):
    built = leaky_pdf
    pdf = next((built.root / "build").glob("*.pdf"))
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Alpha" in text
    assert "root:" not in text and "/bin/" not in text
    passwd = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace")
    first = passwd.splitlines()[0] if passwd else ""
    assert not first or first not in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "module", ["weasyprint.py", "pypdf.py", "pikepdf.py", "dossier/__init__.py"]
)
def test_python_files_in_the_project_never_run(run_cli, make_project, tmp_path, module):
    """The PDF step starts Python child processes; the project is often the current
    folder, and `python -m` would import from it first."""
    marker = tmp_path / "ran"
    root = make_project({module: f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit(0)\n"})
    code, err = run_cli(["build", "--pdf", "-q"], root)
    assert (code, err) == (0, "")
    assert not marker.exists()
    assert (root / "build" / "test-dossier.pdf").read_bytes()[:5] == b"%PDF-"
