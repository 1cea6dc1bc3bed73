"""The built site, tested in a real browser (Debian's chromium, driven by Playwright).

Every page: no console errors, math typeset, every image loads, no request
leaves the machine (the site is self-contained), internal links resolve,
exercise solutions toggle, and each kernel-free explorer responds to its
sliders with exactly the numbers the library computes. Search finds a
chapter. Screenshots of every page go to ``_build/screenshots/``.

Chromium comes from the Debian package (``.ci/run`` installs it); without it
these tests skip with a message locally and fail in CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from conftest import HTML, REPO, toc_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "_build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = [pytest.mark.book, pytest.mark.slow]

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run should have installed it", pytrace=False)
    pytest.skip("chromium not found (apt-get install chromium); skipping the browser tests", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(book_build):
    assert book_build.returncode == 0, "the book did not build; see test_book.py"
    handler = functools.partial(_Quiet, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Visit:
    """A page opened with every non-local request blocked and recorded."""

    def __init__(self, browser, url: str, allowed_prefix: str):
        self.errors: list[str] = []
        self.external: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(allowed_prefix):
                r.continue_()
            else:
                self.external.append(r.request.url)
                r.abort()

        self.page.route("**/*", route)
        self.page.goto(url)
        self.page.wait_for_load_state("load")

    def close(self):
        self.context.close()


def _pages() -> list[str]:
    return toc_files()


@pytest.mark.parametrize("doc", _pages())
def test_page_is_self_contained_and_renders(browser, site, doc):
    visit = Visit(browser, f"{site}/{doc}.html", site)
    page = visit.page
    try:
        if page.locator("div.math, span.math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"images that did not load: {broken}"
        explorers = page.locator("div.sl-explorer")
        for i in range(explorers.count()):
            explorers.nth(i).locator("svg.sl-figure").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{doc.replace('/', '__')}.png"), full_page=True)
        assert not visit.errors, f"console errors: {visit.errors}"
        assert not visit.external, f"requests leaving the machine: {visit.external}"
    finally:
        visit.close()


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


@functools.lru_cache(maxsize=None)
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("doc", _pages())
def test_internal_links_resolve(book_build, doc):
    assert book_build.returncode == 0
    source = HTML / f"{doc}.html"
    for href in _parse(source).hrefs:
        parsed = urlparse(href)
        if parsed.scheme or href.startswith(("mailto:", "javascript:")):
            continue
        target, anchor = urldefrag(href)
        path = (source.parent / unquote(target)).resolve() if target else source
        if path.is_dir():
            path = path / "index.html"
        assert path.exists(), f"{doc}: link {href!r} points to a missing file"
        if anchor and path.suffix == ".html":
            assert anchor in _parse(path).ids, f"{doc}: link {href!r} points to a missing anchor"


def test_exercise_solutions_toggle(browser, site):
    chapters = [d for d in _pages() if d.startswith("chapters/")]
    assert chapters, "no chapters in the table of contents"
    for doc in chapters:
        visit = Visit(browser, f"{site}/{doc}.html", site)
        page = visit.page
        try:
            solution = page.locator("div.solution.dropdown").first
            solution.wait_for()
            body = solution.locator("section").first
            assert not body.is_visible(), f"{doc}: a solution is visible before it is opened"
            solution.locator("button.toggle-button").first.click()
            body.wait_for(state="visible", timeout=5_000)
        finally:
            visit.close()


def test_search_finds_a_chapter_term(browser, site):
    visit = Visit(browser, f"{site}/search.html?q=Chinchilla", site)
    try:
        visit.page.wait_for_selector("#search-results li", timeout=20_000)
        assert "chapters/" in visit.page.locator("#search-results").inner_html()
    finally:
        visit.close()


def test_explorers_show_what_the_library_computes(browser, site):
    from scalinglaws import explorers

    checked = 0
    for doc in _pages():
        html = (HTML / f"{doc}.html").read_text(encoding="utf-8")
        names = [n for n in explorers.REGISTRY if f'id="explorer-{n}"' in html]
        if not names:
            continue
        visit = Visit(browser, f"{site}/{doc}.html", site)
        try:
            for name in names:
                explorer = explorers.get(name)
                root = visit.page.locator(f"#explorer-{name}")
                root.locator("svg.sl-figure").wait_for()
                # Move every slider to its first, then its last position; each
                # time the numbers shown must equal the library's at that setting.
                for position in ("first", "last"):
                    indices = []
                    for control in explorer.controls:
                        i = 0 if position == "first" else len(control.values) - 1
                        root.locator(f"input[name={control.name}]").fill(str(i))
                        indices.append(i)
                    expected = explorer.frame(**explorer.settings(indices))
                    assert root.get_attribute("data-frame") == "-".join(map(str, indices))
                    for number in expected.numbers:
                        shown = root.locator(f"td.sl-number[data-key={number.key}]").text_content()
                        assert shown == number.text, f"{name} {position}: {number.key} shows {shown}, library says {number.text}"
                    checked += 1
        finally:
            visit.close()
    assert checked > 0, "no explorer found on any page"


def test_site_works_from_disk_with_the_network_blocked(browser, book_build):
    """Open the built files straight from disk, every network request refused."""
    assert book_build.returncode == 0
    for doc in _pages():
        url = (HTML / f"{doc}.html").as_uri()
        visit = Visit(browser, url, "file://")
        page = visit.page
        try:
            if page.locator("div.math, span.math").count():
                page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
            )
            assert not broken, f"{doc}: images that did not load from disk: {broken}"
            explorers = page.locator("div.sl-explorer")
            for i in range(explorers.count()):
                explorers.nth(i).locator("svg.sl-figure").wait_for()
            assert not visit.external, f"{doc}: requests leaving the machine: {visit.external}"
        finally:
            visit.close()
