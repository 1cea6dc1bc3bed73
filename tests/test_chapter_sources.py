"""Checks on the chapter sources that the executed build cannot make.

Cells that drive live ipywidgets are tagged ``skip-execution``: executing
widget cells headless can block nbclient (jupyter/nbclient#312), and on the
static site they have no kernel anyway. Their callbacks are tested as plain
functions; here we check the cells at least compile, and that the book's
table of contents lists every chapter file.
"""

import re
from pathlib import Path

import jupytext
import pytest

from conftest import REPO, toc_files

CHAPTERS = sorted((REPO / "chapters").glob("*.md"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_skipped_widget_cells_compile(path: Path):
    nb = jupytext.read(path)
    skipped = [c for c in nb.cells if c.cell_type == "code" and "skip-execution" in c.metadata.get("tags", [])]
    for cell in skipped:
        compile(cell.source, f"{path.name}:widget-cell", "exec")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_is_in_the_table_of_contents(path: Path):
    assert f"chapters/{path.stem}" in toc_files()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_a_label_objectives_and_citations(path: Path):
    text = path.read_text(encoding="utf-8")
    assert f"(chapter-{path.stem.replace('_', '-')})=" in text
    assert "{cite" in text
    assert "objectives" in text.lower() or "you will be able to" in text.lower()


#: Pages a reader sees, except the one page that says how the book checks itself.
READER_PAGES = [REPO / f"{doc}.md" for doc in toc_files() if doc != "checks"]
#: What only the people who wrote the book saw: the instructor's source notes and the test suite.
BEHIND_THE_SCENES = re.compile(
    r"\bseed notes?\b|\bsource notes?\b|\bthe notes\b|\bseeds/|\bseed 0\d\d\b|\btest suite\b|\btests/|\bpytest\b",
    flags=re.I)
#: Helpers that live in scalinglaws.book; a page that defines its own copy drifts from the others.
BOOK_HELPERS = ("glue", "gl", "glue_sci", "sci", "sci_text", "plain_y", "plain_axis", "plain_loss_axis", "use_style")


@pytest.mark.parametrize("path", READER_PAGES, ids=lambda p: p.stem)
def test_pages_never_mention_what_readers_never_saw(path: Path):
    hits = [m.group(0) for m in BEHIND_THE_SCENES.finditer(path.read_text(encoding="utf-8"))]
    assert not hits, f"{path.name} mentions {hits}"


@pytest.mark.parametrize("path", READER_PAGES, ids=lambda p: p.stem)
def test_pages_use_the_book_helpers_rather_than_their_own(path: Path):
    defined = re.findall(r"^\s*def (\w+)\(", path.read_text(encoding="utf-8"), flags=re.M)
    assert not set(defined) & set(BOOK_HELPERS), f"{path.name} defines {set(defined) & set(BOOK_HELPERS)}"
