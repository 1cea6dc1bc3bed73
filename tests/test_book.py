"""The whole book builds strictly: every chapter executes, zero warnings.

This is the same command as `make book` (and shares its execution cache in
`_build/`), so a chapter that raises, writes to stderr, cites a missing key,
leaves a glue name undefined or produces any Sphinx warning fails the suite.
"""

from __future__ import annotations

import re
import pytest

from conftest import HTML, toc_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def build(book_build):
    return book_build


@pytest.mark.book
def test_book_builds_strictly_with_zero_warnings(build):
    log = build.stdout + build.stderr
    # Sphinx reports "path:line: WARNING: ..."; the kernel's own log lines ("[IPKernelApp] WARNING | ...") are not build warnings.
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL):", line)]
    assert build.returncode == 0, "\n".join(warnings) or log[-5000:]
    assert not warnings, "\n".join(warnings)


@pytest.mark.book
def test_every_toc_entry_is_rendered_and_executed(build):
    assert build.returncode == 0
    html = HTML
    for entry in toc_files():
        page = html / f"{entry}.html"
        assert page.is_file(), f"{entry} listed in _toc.yml but not built"
        text = page.read_text()
        # A missing glue key is a Sphinx warning (caught above); an exception
        # shown as a cell output would carry MyST-NB's traceback class.
        assert "output traceback" not in text, f"a traceback is shown in {entry}"
        assert "cell_output" in text or not entry.startswith("chapters/"), f"{entry} shows no executed output"


@pytest.mark.book
def test_chapters_have_exercises_and_takeaways(build):
    assert build.returncode == 0
    for entry in toc_files():
        if not entry.startswith("chapters/"):
            continue
        text = (HTML / f"{entry}.html").read_text()
        assert "Takeaways" in text, f"{entry} has no takeaways box"
        assert text.count('class="solution') >= 3 or text.count("solution dropdown") >= 3, \
            f"{entry} has fewer than three exercise solutions"
