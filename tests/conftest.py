"""Shared test configuration."""

import os

from hypothesis import HealthCheck, settings

# The machine is shared and noisy: never fail a property test on time, and
# keep CI runs reproducible (the same examples every run).
settings.register_profile(
    "default",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"


def toc_files() -> list[str]:
    """Documents listed in _toc.yml (root first)."""
    text = (REPO / "_toc.yml").read_text()
    return re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", text, flags=re.M)


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """Build the whole book strictly, once per test session (same command and cache as `make book`)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", str(REPO), "--builder", "html",
           "--warningiserror", "--nitpick", "--keep-going"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)


# Matplotlib draws SVG text as glyph paths, one group per string, after a comment
# with the string: <!-- 10⁶ --> <g [style="fill: ..."] transform="translate(x y)
# scale(s -s)"> with s = font size / 100; exponents and other shrunk mathtext
# glyphs carry an extra scale(k) on their <use>. Unicode superscript and subscript
# characters ("10⁶") are drawn at about 60% of the text size.
_SVG_TEXT = re.compile(r'(?:<!-- ((?:(?!-->).)*?) -->\s*)?<g (?:style="[^"]*" )?transform="translate\([^)]*\) '
                       r'scale\(([\d.]+) -\2\)">(.*?)</g>', re.S)
_SVG_SHRINK = re.compile(r'<use [^>]*transform="[^"]*scale\(([\d.]+)\)"')
_SMALL_CHARACTERS = re.compile("[\u00b2\u00b3\u00b9\u2070-\u209f]")  # ² ³ ¹ and the super/subscripts block
_SMALL_CHARACTER_SCALE = 0.6


def smallest_text_pt(svg: str) -> float | None:
    """The smallest text in a matplotlib SVG, in pt (None if it has no text)."""
    sizes = []
    for text, s, body in _SVG_TEXT.findall(svg):
        shrink = [float(k) for k in _SVG_SHRINK.findall(body)]
        if _SMALL_CHARACTERS.search(text):
            shrink.append(_SMALL_CHARACTER_SCALE)
        sizes.append(100 * float(s) * min(shrink + [1.0]))
    return min(sizes) if sizes else None
