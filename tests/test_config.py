"""dossier.toml read into Config: every key reaches its field, with its type."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from dossier.config import Config, HtmlOptions, PdfOptions, parse_config

EVERY_KEY = """\
title = "T"
subtitle = "S"
authors = ["A", "B"]
date = 2024-05-01
language = "fa"
chapters = ["a.md", "b.md"]
bibliography = "refs.bib"
csl = "apa"
sources = "archive"
output = "out"
nocite = ["k1"]
abbreviations = "abbr.toml"

[html]
chapter_bibliographies = true
publish_sources = ["k1", "k2"]

[pdf]
filename = "r.pdf"
timeout = 30
memory_mb = 1024
jobs = 1
standard = "a-3b"
no_hyphenate = [" Rajavi "]
version = "2"
licence = "CC BY 4.0"
lists = true
"""


def test_every_key_reaches_its_field(tmp_path: Path) -> None:
    config, diags = parse_config(tmp_path, EVERY_KEY)
    assert diags == ()
    assert config == Config(
        root=tmp_path,
        title="T",
        chapters=("a.md", "b.md"),
        subtitle="S",
        authors=("A", "B"),
        date=dt.date(2024, 5, 1).isoformat(),
        language="fa",
        bibliography="refs.bib",
        csl="apa",
        sources="archive",
        output="out",
        nocite=("k1",),
        abbreviations="abbr.toml",
        html=HtmlOptions(True, ["k1", "k2"]),
        pdf=PdfOptions("r.pdf", 30, 1024, 1, "a-3b", ("Rajavi",), "2", "CC BY 4.0", True),
    )
    # no field is left at its default: a field added to Config is added to the test
    unset = Config(tmp_path, "", ())
    for part, default in ((config, unset), (config.html, unset.html), (config.pdf, unset.pdf)):
        for f in dataclasses.fields(part):
            if f.name == "root":
                continue
            assert getattr(part, f.name) != getattr(default, f.name), f.name


def test_unset_keys_keep_their_defaults(tmp_path: Path) -> None:
    config, diags = parse_config(tmp_path, 'title = "T"\nchapters = ["a.md"]\nauthor = "A"\n')
    assert diags == ()
    assert config == Config(tmp_path, "T", ("a.md",), authors=("A",))
