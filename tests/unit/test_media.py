"""dossier.resolve.media: an image a chapter shows is used only when it is a regular image file
inside the project; everything else is refused with a diagnostic at the image."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dossier.diagnostics import Location, Severity
from dossier.read.scan import ChapterScan, ImageMark
from dossier.resolve import media
from dossier.resolve.media import resolve_images

from ..conftest import tiny_png

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'


def scan(*srcs: str, path: str = "chapters/01.md") -> ChapterScan:
    return ChapterScan(path, "", (), images=tuple(ImageMark(s, n) for n, s in enumerate(srcs, 3)))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for rel, data in {
        "chapters/img/a.png": tiny_png(),
        "figures/b.png": tiny_png(),
        "figures/plain.svg": SVG,
        "figures/active.svg": SVG.replace(b"<rect", b'<rect onclick="x()"'),
        "figures/notes.txt": b"text",
        "data/timeline.toml": b"[[event]]\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (tmp_path / "secret.png").write_bytes(tiny_png())
    return root


def problems(root: Path, *srcs: str) -> list[tuple[Severity, str, Location, str]]:
    images, figures, diags = resolve_images(root, [scan(*srcs)])
    assert images == {} and figures == {}
    return [(d.severity, d.code, d.location, d.message) for d in diags]


def where(line: int) -> Location:
    return Location("chapters/01.md", line)


def test_images_relative_to_the_chapter_then_to_the_project(root: Path) -> None:
    images, figures, diags = resolve_images(
        root,
        [scan("img/a.png", "figures/b.png", "../figures/plain.svg", "figures/b.png#frag")],
    )
    assert diags == []
    assert figures == {}
    assert images == {
        "img/a.png": "chapters/img/a.png",
        "figures/b.png": "figures/b.png",
        "../figures/plain.svg": "figures/plain.svg",
        "figures/b.png#frag": "figures/b.png",
    }


def test_a_data_file_is_a_drawn_figure(root: Path) -> None:
    images, figures, diags = resolve_images(root, [scan("data/timeline.toml")])
    assert (images, diags) == ({}, [])
    assert figures == {"data/timeline.toml": ("data/timeline.toml", where(3))}


def test_a_symlink_out_of_the_project_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "figures/link.png").symlink_to(tmp_path / "secret.png")
    assert problems(root, "figures/link.png", "../../secret.png", "/etc/passwd.png") == [
        (Severity.ERROR, "media.outside", where(n), f"image '{src}' is outside the project")
        for n, src in enumerate(["figures/link.png", "../../secret.png", "/etc/passwd.png"], 3)
    ]


def test_percent_escapes_are_undone_before_the_check(root: Path) -> None:
    assert problems(root, "%2e%2e/%2e%2e/secret.png", "figures/a%00.png") == [
        (
            Severity.ERROR,
            "media.outside",
            where(3),
            "image '%2e%2e/%2e%2e/secret.png' is outside the project",
        ),
        (Severity.ERROR, "media.missing", where(4), "image 'figures/a%00.png' not found"),
    ]


def test_too_big(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "MAX_IMAGE_BYTES", len(tiny_png()) - 1)
    assert problems(root, "figures/b.png") == [
        (Severity.ERROR, "media.too-large", where(3), "image 'figures/b.png' is larger than 20 MB")
    ]


def test_not_an_image(root: Path) -> None:
    assert problems(root, "figures/notes.txt") == [
        (
            Severity.ERROR,
            "media.type",
            where(3),
            "'figures/notes.txt' is not an image (.gif, .jpeg, .jpg, .png, .svg, .webp)",
        )
    ]


def test_not_a_regular_file(root: Path) -> None:
    (root / "figures/dir.png").mkdir()
    os.mkfifo(root / "figures/pipe.png")
    assert [p[:2] for p in problems(root, "figures/dir.png", "figures/pipe.png")] == [
        (Severity.ERROR, "media.not-a-file"),
        (Severity.ERROR, "media.not-a-file"),
    ]


def test_missing(root: Path) -> None:
    assert problems(root, "figures/nothing.png") == [
        (Severity.ERROR, "media.missing", where(3), "image 'figures/nothing.png' not found")
    ]


def test_an_svg_with_script_is_refused(root: Path) -> None:
    [(severity, code, loc, message)] = problems(root, "figures/active.svg")
    assert (severity, code, loc) == (Severity.ERROR, "media.active", where(3))
    assert message == (
        "SVG image 'figures/active.svg' holds active content (onclick=); "
        "dossier never publishes scripts"
    )


@pytest.mark.parametrize(
    ("src", "why"),
    [
        ("https://example.org/a.png", "(dossier never fetches from the network)"),
        ("//example.org/a.png", "(dossier never fetches from the network)"),
        ("file:///etc/passwd", "('file:' URLs are never read)"),
        ("javascript&#58;alert(1)", "('javascript:' URLs are never read)"),
    ],
)
def test_urls_are_never_read(root: Path, src: str, why: str) -> None:
    assert problems(root, src) == [
        (
            Severity.WARNING,
            "media.remote",
            where(3),
            f"image '{src}' is not a project file and is not shown {why}",
        )
    ]


def test_a_data_url_is_never_embedded(root: Path) -> None:
    src = "data:image/png;base64," + "A" * 100
    [(severity, code, _, message)] = problems(root, src)
    assert (severity, code) == (Severity.WARNING, "media.remote")
    assert (
        message == f"image '{src[:77]}...' is a data: URL and is not shown (images must be files)"
    )


def test_each_use_of_a_bad_image_is_reported(root: Path) -> None:
    _, _, diags = resolve_images(
        root, [scan("gone.png", "gone.png"), scan("gone.png", path="chapters/02.md")]
    )
    assert [str(d.location) for d in diags] == [
        "chapters/01.md:3",
        "chapters/01.md:4",
        "chapters/02.md:3",
    ]
