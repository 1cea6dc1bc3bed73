"""Checks on the chapter sources that the executed build cannot make.

Cells that drive live ipywidgets are tagged ``skip-execution``: executing
widget cells headless can block nbclient (jupyter/nbclient#312), and on the
static site they have no kernel anyway. Their callbacks are tested as plain
functions; here we check the cells at least compile, and that the book's
table of contents lists every chapter file.
"""

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
