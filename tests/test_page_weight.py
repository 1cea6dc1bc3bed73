"""Every chapter fits a page-weight budget (benchmarks/page_weight.py measures it).

A chapter, read to the end on a phone with an empty cache, downloads at most
2.5 MB, or 1 MB gzipped (what a static host sends): the HTML with its
explorer data, scripts, styles, fonts and every figure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

import pytest

from conftest import HTML, REPO, toc_files

pytestmark = pytest.mark.book

RAW_BUDGET = 2_500_000
GZIP_BUDGET = 1_000_000

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run should have installed it", pytrace=False)
    pytest.skip("chromium not found (apt-get install chromium); skipping the page-weight test", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def _page_weight():
    spec = importlib.util.spec_from_file_location("page_weight", REPO / "benchmarks" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_every_chapter_fits_the_budget(book_build):
    assert book_build.returncode == 0, "the book did not build; see test_book.py"
    page_weight = _page_weight()
    chapters = [doc for doc in toc_files() if doc.startswith("chapters/")]
    results = page_weight.measure(chapters, HTML, chromium=CHROMIUM)
    table = page_weight.table(results)
    over = [w.page for w in results if w.raw > RAW_BUDGET or w.gz > GZIP_BUDGET]
    assert not over, f"over budget ({RAW_BUDGET:,} B raw, {GZIP_BUDGET:,} B gzipped): {over}\n{table}"
    for w in results:
        # The measurement saw the page itself and what it loads, not just the HTML.
        assert f"{w.page}.html" in w.files and len(w.files) > 10, f"{w.page}: only {sorted(w.files)} measured"
