"""The site's static files under names that carry a hash of their bytes
(`assets/style.3f2a9c1e07.css`), so that a browser or a cache in between never pairs a
stylesheet or script kept from an earlier build with new pages, and a host may cache
them for ever. Each build is written whole into a fresh folder (write.py), so the
files of an earlier build never linger beside the new ones."""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources
from pathlib import Path

# The default theme is package data (dossier/theme/), found through the package itself
# so that a wheel, an editable checkout and a zip-free install all agree.
THEME_DIR = Path(str(resources.files("dossier") / "theme")).resolve()
THEME_SCRIPT = "site.js"  # the only script a site ever has, and never the project's

# Hex digits of SHA-256 in a name: enough to tell builds apart, short enough to read.
DIGITS = 10
# The names the site's script may load (site.js checks them as well): the search engine
# and the search index, each by its hash.
SEARCH_ENGINE = re.compile(rf"assets/minisearch\.[0-9a-f]{{{DIGITS}}}\.js")
SEARCH_INDEX = re.compile(rf"assets/search-index\.[0-9a-f]{{{DIGITS}}}\.js")


def fingerprinted(name: str, data: bytes) -> str:
    """`style.css` with these bytes -> `style.<hash>.css` (a name without a suffix gets
    the hash at its end)."""
    digest = hashlib.sha256(data).hexdigest()[:DIGITS]
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"


@functools.cache
def site_script() -> str:
    """Where the theme's script is in every site this version of dossier makes: the one
    script a page may load (render.sanitize checks it, the policy allows only 'self')."""
    return "assets/" + fingerprinted(THEME_SCRIPT, (THEME_DIR / THEME_SCRIPT).read_bytes())
