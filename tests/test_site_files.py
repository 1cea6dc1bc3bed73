"""The built site's files, checked without a browser (see _ext/book_site.py).

* Images load lazily and carry their intrinsic size.
* Matplotlib SVG figures are compacted (positions to 0.1 pt) without moving anything.
* Live-only cells (tagged ``skip-execution``: the ipywidgets sliders) are not
  on the pages, and the downloadable notebooks still have them.
* One icon source: no ``fontawesome.js``, and the cut-down icon fonts hold a
  glyph for every icon class a page uses.
* MathJax is loaded (from its components, without the menu) only on pages
  that have math; uPlot and the explorer renderer only on pages with an
  explorer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import HTML, REPO, toc_files

pytestmark = pytest.mark.book

IMG = re.compile(r"<img\b[^>]*>")


@pytest.fixture(scope="module")
def built(book_build):
    assert book_build.returncode == 0, "the book did not build; see test_book.py"
    return HTML


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', tag)
    return m.group(1) if m else None


@pytest.mark.parametrize("doc", toc_files())
def test_images_are_lazy_and_sized(built, doc):
    from PIL import Image

    page = built / f"{doc}.html"
    for tag in IMG.findall(page.read_text(encoding="utf-8")):
        src = _attr(tag, "src")
        if "_images/" not in src:  # the theme's own images (in menus), not figures
            continue
        assert _attr(tag, "loading") == "lazy", f"{doc}: {src} does not load lazily"
        if src.endswith(".png"):
            width, height = _attr(tag, "width"), _attr(tag, "height")
            assert width and height, f"{doc}: {src} has no width/height"
            with Image.open(page.parent / src) as image:
                pixels = image.size
            # 1x: the pixel size; a 2x ("retina") PNG: half of it. Either way the aspect ratio of the file.
            assert int(width) in (pixels[0], round(pixels[0] / 2)), f"{doc}: {src} is {width} wide, file {pixels}"
            assert abs(int(height) / int(width) - pixels[1] / pixels[0]) < 0.01, f"{doc}: {src} is distorted"


def _chapter_sources():
    return sorted((REPO / "chapters").glob("*.md"))


def _live_only_cells(source: Path) -> list[str]:
    import jupytext

    nb = jupytext.read(source)
    return [c.source for c in nb.cells if c.cell_type == "code" and "skip-execution" in c.metadata.get("tags", [])]


@pytest.mark.parametrize("source", _chapter_sources(), ids=lambda p: p.stem)
def test_live_only_cells_are_in_the_notebook_not_on_the_page(built, source):
    cells = _live_only_cells(source)
    if not cells:
        pytest.skip(f"{source.name} has no live-only cells")
    doc = f"chapters/{source.stem}"
    page = (built / f"{doc}.html").read_text(encoding="utf-8")
    assert "tag_skip-execution" not in page, f"{doc}: a live-only cell is on the page"
    assert "ipywidgets" not in page, f"{doc}: ipywidgets code is on the page"
    notebook = json.loads((built / "_notebooks" / f"{doc}.ipynb").read_text(encoding="utf-8"))
    kept = ["".join(c["source"]) for c in notebook["cells"]
            if "skip-execution" in c.get("metadata", {}).get("tags", [])]
    assert [c.strip() for c in kept] == [c.strip() for c in cells], f"{doc}: the notebook lost its live-only cells"


def test_one_trimmed_icon_source(built):
    from fontTools.ttLib import TTFont

    static = built / "_static"
    assert not (static / "scripts" / "fontawesome.js").exists()
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    fonts = {name: set(TTFont(static / "icons" / f"{name}.woff").getBestCmap())
             for name in ("fa-solid-900", "fa-brands-400")}
    assert sum(len(glyphs) for glyphs in fonts.values()) < 100, "the icon fonts were not cut down"
    used = set()
    for page in built.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fontawesome.js" not in text, f"{page.name} still loads fontawesome.js"
        for classes in re.findall(r'class="([^"]*)"', text):
            used.update(re.findall(r"\bfa-[a-z0-9-]+", classes))
    icons = {name for name in used if re.search(rf"\.{name}::?before", css)}
    assert {"fa-bars", "fa-list", "fa-github"} <= icons
    for name in icons:
        rule = re.search(rf'\.{name}::?before[^{{]*\{{content:"\\([0-9a-f]+)"', css)
        assert rule, f"the stylesheet lost the rule for {name}"
        codepoint = int(rule.group(1), 16)
        assert any(codepoint in glyphs for glyphs in fonts.values()), f"{name} (U+{codepoint:04X}) has no glyph"


@pytest.mark.parametrize("doc", toc_files())
def test_mathjax_only_where_there_is_math(built, doc):
    text = (built / f"{doc}.html").read_text(encoding="utf-8")
    has_math = 'class="math' in text
    loads = re.findall(r'<script[^>]*src="[^"]*mathjax/([^"?]+)', text)
    if has_math:
        assert loads == ["startup.js"], f"{doc}: MathJax loaded as {loads}"
    else:
        assert loads == [], f"{doc} has no math but loads MathJax"


EXPLORER_ASSETS = ("uplot/uPlot.iife.min.js", "uplot/uPlot.min.css", "explorer.js", "explorer.css")


def test_page_specific_scripts_load_only_where_needed(built):
    """_static/*.js goes on every page (jupyter-book adds it); the search-snippet script only on search.html,
    uPlot and the explorer renderer only on pages with an explorer (uPlot first)."""
    with_explorers = 0
    for page in built.rglob("*.html"):
        if "_notebooks" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        loads = "search-snippets.js" in text
        assert loads == (page == built / "search.html"), f"{page.relative_to(built)}: search-snippets.js loaded={loads}"
        has_explorer = 'class="sl-explorer"' in text
        for asset in EXPLORER_ASSETS:
            loaded = f"_static/{asset}" in text
            assert loaded == has_explorer, f"{page.relative_to(built)}: {asset} loaded={loaded}, explorer={has_explorer}"
        if has_explorer:
            with_explorers += 1
            assert text.index("uPlot.iife.min.js") < text.index("_static/explorer.js"), "explorer.js loads before uPlot"
    assert with_explorers > 0
    for asset in EXPLORER_ASSETS:
        assert (built / "_static" / asset).is_file(), f"{asset} is not in the site"


def test_svg_figures_are_compacted_without_moving_anything(tmp_path):
    """Positions to 0.1 pt, no indentation or metadata: fewer bytes, the same drawing."""
    import sys

    import matplotlib.pyplot as plt

    from conftest import smallest_text_pt

    sys.path.insert(0, str(REPO / "_ext"))
    try:
        from book_site import _compact_svg
    finally:
        sys.path.remove(str(REPO / "_ext"))

    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.loglog([1e17, 3e19, 1e24], [3.2, 2.7, 2.1], "o-", label=r"fit, $\hat\alpha_N$")
    ax.text(1e18, 2.3, "note", fontsize=10.5)
    ax.legend()
    fig.savefig(tmp_path / "f.svg")
    plt.close(fig)
    before = (tmp_path / "f.svg").read_text(encoding="utf-8")
    _compact_svg(tmp_path / "f.svg")
    after = (tmp_path / "f.svg").read_text(encoding="utf-8")

    assert len(after) < 0.9 * len(before)
    assert "<metadata>" not in after and "\n " not in after
    # Text sizes (scale factors) and the structure are untouched.
    assert smallest_text_pt(after) == smallest_text_pt(before)
    for tag in ("<use ", "<path ", "<g ", "<!-- "):
        assert after.count(tag) == before.count(tag), tag
    # Every number moves by at most 0.05 (pt, or glyph units inside a text group).
    number = re.compile(r"-?\d+(?:\.\d+)?")
    old = [float(v) for v in number.findall(re.sub(r"<metadata>.*?</metadata>", "", before, flags=re.S))]
    new = [float(v) for v in number.findall(after)]
    assert len(old) == len(new)
    assert max(abs(a - b) for a, b in zip(old, new)) <= 0.05 + 1e-9
    _compact_svg(tmp_path / "f.svg")  # a second build leaves it as it is
    assert (tmp_path / "f.svg").read_text(encoding="utf-8") == after
