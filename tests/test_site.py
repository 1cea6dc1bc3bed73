"""The built site, tested in a real browser (Debian's chromium, driven by Playwright).

Every page: no console errors, math typeset, every image loads, no request
leaves the machine (the site is self-contained), internal links resolve,
exercise solutions toggle, and each kernel-free explorer responds to its
controls with exactly the numbers the library computes. At a phone's, a
tablet's and a desktop's width every frame of every explorer is drawn with
at least three labelled ticks per axis, no text outside the canvas, no
legend over the plot and nothing running out of its box
(``benchmarks/explorer_checks.js`` looks); its settings live in the page's
address, and reset restores them. Navigation works on a
phone (390 px), a tablet (900 px) and a desktop (1400 px): the chapter drawer
opens and its links navigate, the in-page contents opens. Search finds a
chapter, and finds symbols by their ASCII spelling. Screenshots of every page
go to ``_build/screenshots/``, at phone width to ``_build/screenshots/phone/``,
and each explorer at phone width to ``_build/screenshots/explorers/``.

Chromium comes from the Debian package (``.ci/run`` installs it); without it
these tests skip with a message locally and fail in CI.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from conftest import HTML, REPO, smallest_text_pt, toc_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "_build" / "screenshots"
# Records the text drawn on canvases and defines window.slCheckExplorer (see its header).
EXPLORER_CHECKS = (REPO / "benchmarks" / "explorer_checks.js").read_text(encoding="utf-8")
PHONE, TABLET, DESKTOP = 390, 900, 1400
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

    def __init__(self, browser, url: str, allowed_prefix: str, width: int = 1280, height: int = 900,
                 color_scheme: str = "light", init_script: str | None = None):
        self.errors: list[str] = []
        self.external: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=color_scheme)
        if init_script:
            self.context.add_init_script(init_script)
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


def _wait_for_explorers(page) -> int:
    """Wait until every explorer on the page has drawn; return how many there are."""
    count = page.locator("div.sl-explorer").count()
    for i in range(count):
        page.locator("div.sl-explorer").nth(i).locator(".sl-plot canvas").wait_for()
    assert page.locator("div.sl-explorer.sl-ready").count() == count, "an explorer did not finish drawing"
    return count


def _scroll_through(page):
    """Scroll to the end a screen at a time, so that lazily loaded figures arrive, then wait for them."""
    step = page.viewport_size["height"]
    y = 0
    while y < page.evaluate("document.documentElement.scrollHeight"):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(20)
        y += step
    page.wait_for_function("Array.from(document.images).every(i => i.complete || i.loading === 'lazy' && !i.offsetParent)",
                           timeout=20_000)


@pytest.mark.parametrize("doc", _pages())
def test_page_is_self_contained_and_renders(browser, site, doc):
    visit = Visit(browser, f"{site}/{doc}.html", site)
    page = visit.page
    try:
        if page.locator("div.math, span.math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            assert page.locator("mjx-merror").count() == 0, "MathJax reported a TeX error"
        _scroll_through(page)
        # A lazy figure inside a folded part (not rendered) loads when unfolded; its file is checked in test_site_files.
        broken = page.evaluate(
            "Array.from(document.images).filter(i => i.offsetParent || i.loading !== 'lazy')"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"images that did not load: {broken}"
        _wait_for_explorers(page)
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


def _explorers_on(doc: str) -> list[str]:
    from scalinglaws import explorers

    html = (HTML / f"{doc}.html").read_text(encoding="utf-8")
    return [n for n in explorers.REGISTRY if f'id="explorer-{n}"' in html]


def _set_control(root, control, index: int) -> None:
    """Move one control the way a reader does: drag a slider, flip a switch, pick a radio button."""
    if control.widget == "slider":
        root.locator(f"input[type=range][data-control={control.name}]").fill(str(index))
    elif control.widget == "switch":
        root.locator(f"input[role=switch][data-control={control.name}]").set_checked(control.values[index] is True)
    else:
        root.locator(f"input[type=radio][data-control={control.name}]").nth(index).check()


def _assert_shows(root, explorer, indices, context: str) -> None:
    """The page shows the library's frame at ``indices``: the numbers, and each control's value."""
    expected = explorer.frame(**explorer.settings(indices))
    assert root.get_attribute("data-frame") == "-".join(map(str, indices)), context
    for number in expected.numbers:
        shown = root.locator(f"td.sl-number[data-key={number.key}]").text_content()
        assert shown == number.text, f"{context}: {number.key} shows {shown!r}, the library says {number.text!r}"
    for control, i in zip(explorer.controls, indices):
        if control.widget == "slider":
            shown = root.locator(f"output[data-control={control.name}]").text_content()
            assert shown == control.text(control.values[i]), f"{context}: {control.name} shows {shown!r}"


@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_explorers_show_what_the_library_computes(browser, site, width):
    """Through the controls, at the first, last and default settings and one drawn at random."""
    import random

    from scalinglaws import explorers

    rng = random.Random(width)
    checked = 0
    for doc in _pages():
        names = _explorers_on(doc)
        if not names:
            continue
        visit = Visit(browser, f"{site}/{doc}.html", site, width=width, height=844)
        try:
            _wait_for_explorers(visit.page)
            for name in names:
                explorer = explorers.get(name)
                root = visit.page.locator(f"#explorer-{name}")
                defaults = [c.values.index(c.default) for c in explorer.controls]
                _assert_shows(root, explorer, defaults, f"{name} at load")
                settings = {
                    "first": [0] * len(explorer.controls),
                    "last": [len(c.values) - 1 for c in explorer.controls],
                    "random": [rng.randrange(len(c.values)) for c in explorer.controls],
                }
                for label, indices in settings.items():
                    for control, i in zip(explorer.controls, indices):
                        _set_control(root, control, i)
                    _assert_shows(root, explorer, indices, f"{name} {label} at {width} px")
                    checked += 1
                root.locator("button.sl-reset").click()
                _assert_shows(root, explorer, defaults, f"{name} after reset")
            assert not visit.errors, f"{doc}: console errors: {visit.errors}"
        finally:
            visit.close()
    assert checked > 0, "no explorer found on any page"


@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_every_explorer_frame_is_drawn_legibly(browser, site, width):
    """Every frame: three or more labelled ticks per axis, text inside the canvas, the legend off the plot."""
    from scalinglaws import explorers

    checked = 0
    for doc in _pages():
        names = _explorers_on(doc)
        if not names:
            continue
        visit = Visit(browser, f"{site}/{doc}.html", site, width=width, height=844, init_script=EXPLORER_CHECKS)
        try:
            _wait_for_explorers(visit.page)
            for name in names:
                explorer = explorers.get(name)
                root = visit.page.locator(f"#explorer-{name}")
                result = root.evaluate("root => window.slCheckExplorer(root)")
                n_frames = len(list(explorer.all_indices()))
                assert result["frames"] == result["total"] == n_frames, (name, result["frames"], n_frames)
                assert not result["problems"], (f"{name} at {width} px, {len(result['problems'])} problems:\n"
                                                + "\n".join(result["problems"][:20]))
                assert result["minXTicks"] >= 3 and result["minYTicks"] >= 3, result
                checked += 1
            assert not visit.errors, f"{doc}: console errors: {visit.errors}"
        finally:
            visit.close()
    on_pages = sum(len(_explorers_on(doc)) for doc in _pages())
    assert checked == on_pages > 0, f"{checked} of {on_pages} explorers checked"


def test_explorer_settings_live_in_the_address(browser, site):
    """A view can be linked: the address carries the setting, a link opens it, reset clears it."""
    from scalinglaws import explorers

    name = "chinchilla-budget"
    doc = next(d for d in _pages() if name in _explorers_on(d))
    explorer = explorers.get(name)
    control = explorer.controls[0]
    k = control.values.index(1e20)
    visit = Visit(browser, f"{site}/{doc}.html?{name}=C:1e20#explorer-{name}", site, width=PHONE, height=844)
    page = visit.page
    try:
        _wait_for_explorers(page)
        root = page.locator(f"#explorer-{name}")
        _assert_shows(root, explorer, [k], "opened from a link")
        _set_control(root, control, len(control.values) - 1)
        last = control.key(control.values[-1])
        assert page.evaluate("location.search") == f"?{name}=C:{last}"
        assert page.evaluate("location.hash") == f"#explorer-{name}", "moving a control lost the page's anchor"
        href = root.locator("a.sl-link").get_attribute("href")
        assert href.endswith(f"?{name}=C:{last}#explorer-{name}"), href
        root.locator("button.sl-reset").click()
        _assert_shows(root, explorer, [control.values.index(control.default)], "after reset")
        assert name not in page.evaluate("location.search"), "reset left the setting in the address"
        assert not visit.errors, f"console errors: {visit.errors}"
    finally:
        visit.close()


def test_explorer_hover_shows_the_nearest_point(browser, site):
    name = "chinchilla-budget"
    doc = next(d for d in _pages() if name in _explorers_on(d))
    visit = Visit(browser, f"{site}/{doc}.html", site, width=DESKTOP)
    page = visit.page
    try:
        _wait_for_explorers(page)
        root = page.locator(f"#explorer-{name}")
        root.scroll_into_view_if_needed()
        # The "this budget" marker of the Chinchilla law, where uPlot puts it.
        x, y, label = root.evaluate("""root => {
            const st = root.slExplorer.state, u = st.plot, s = st.frame.series.find(s => s.label === 'this budget');
            const r = u.over.getBoundingClientRect();
            return [r.left + u.valToPos(s.x[1], 'x'), r.top + u.valToPos(s.y[1], 'y'), s.label]; }""")
        page.mouse.move(x + 1, y + 1)
        text = root.locator(".sl-hover").text_content()
        assert text.startswith(label + ":") and "×" in text, text
    finally:
        visit.close()


def test_explorer_screenshots_at_phone_width(browser, site):
    """Each explorer alone at phone width, for a person to look at (_build/screenshots/explorers/)."""
    target = SCREENSHOTS / "explorers"
    target.mkdir(parents=True, exist_ok=True)
    taken = 0
    for doc in _pages():
        names = _explorers_on(doc)
        if not names:
            continue
        visit = Visit(browser, f"{site}/{doc}.html", site, width=PHONE, height=844)
        try:
            _wait_for_explorers(visit.page)
            # The theme's sticky header would lie over the top of a scrolled-to explorer.
            visit.page.add_style_tag(content=".bd-header, .skip-link { visibility: hidden !important; }")
            for name in names:
                root = visit.page.locator(f"#explorer-{name}")
                root.scroll_into_view_if_needed()
                root.screenshot(path=str(target / f"{name}-{PHONE}.png"))
                taken += 1
        finally:
            visit.close()
    assert taken >= 2


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
            _scroll_through(page)
            broken = page.evaluate(
                "Array.from(document.images).filter(i => i.offsetParent || i.loading !== 'lazy')"
                ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
            )
            assert not broken, f"{doc}: images that did not load from disk: {broken}"
            _wait_for_explorers(page)
            assert not visit.external, f"{doc}: requests leaving the machine: {visit.external}"
        finally:
            visit.close()


# --------------------------------------------------------------------------
# Navigation on phones, tablets and desktops

NAV_PAGE = "chapters/power_laws"
NAV_TARGET = "chapters/chinchilla"


def _visible(locator):
    return [locator.nth(i) for i in range(locator.count()) if locator.nth(i).is_visible()]


@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_one_header_and_one_search_field(browser, site, width):
    visit = Visit(browser, f"{site}/{NAV_PAGE}.html", site, width=width, height=844)
    page = visit.page
    try:
        assert page.locator("#pst-header").count() == 0 or not page.locator("#pst-header").is_visible(), \
            "a second header bar (#pst-header) is shown"
        # One toggle of each kind in the page, so the theme's scripts bind the one a reader sees.
        assert page.locator(".primary-toggle").count() == 1
        assert page.locator(".secondary-toggle").count() == 1
        fields = _visible(page.locator(".search-button-field"))
        assert len(fields) <= 1, f"{len(fields)} search fields are shown"
        for field in fields:
            assert field.bounding_box()["width"] < 0.5 * width, "a full-width search strip is shown"
    finally:
        visit.close()


@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_chapter_drawer_opens_and_its_links_navigate(browser, site, width):
    visit = Visit(browser, f"{site}/{NAV_PAGE}.html", site, width=width, height=844)
    page = visit.page
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        if width >= DESKTOP:
            assert sidebar.is_visible(), "the chapter list is not shown on a desktop"
            links = sidebar
        else:
            assert not sidebar.is_visible()
            toggles = _visible(page.locator(".primary-toggle"))
            assert len(toggles) == 1, "no visible button opens the chapter list"
            box = toggles[0].bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, f"the menu button is too small to tap: {box}"
            toggles[0].click()
            links = page.locator("dialog#pst-primary-sidebar-modal[open]")
            links.wait_for(state="visible", timeout=5_000)
        link = links.locator(f'a.reference.internal[href$="{Path(NAV_TARGET).name}.html"]').first
        link.wait_for(state="visible", timeout=5_000)
        link.click()
        page.wait_for_url(f"**/{NAV_TARGET}.html", timeout=10_000)
        assert not visit.errors, f"console errors: {visit.errors}"
    finally:
        visit.close()


@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_in_page_contents_opens(browser, site, width):
    visit = Visit(browser, f"{site}/{NAV_PAGE}.html", site, width=width, height=844)
    page = visit.page
    try:
        contents = page.locator("#pst-secondary-sidebar")
        if width >= DESKTOP:
            assert contents.is_visible(), "the in-page contents is not shown on a desktop"
            panel = contents
        else:
            assert not contents.is_visible()
            toggles = _visible(page.locator(".secondary-toggle"))
            assert len(toggles) == 1, "no visible button opens the in-page contents"
            toggles[0].click()
            panel = page.locator("dialog#pst-secondary-sidebar-modal[open]")
            panel.wait_for(state="visible", timeout=5_000)
        entry = panel.locator("nav.page-toc a.nav-link").nth(1)
        entry.wait_for(state="visible", timeout=5_000)
        anchor = entry.get_attribute("href")
        entry.click()
        page.wait_for_function(f"location.hash === {anchor!r}", timeout=5_000)
        assert not visit.errors, f"console errors: {visit.errors}"
    finally:
        visit.close()


def test_colour_toggle_reaches_dark_in_one_click(browser, site):
    visit = Visit(browser, f"{site}/{NAV_PAGE}.html", site, width=DESKTOP, color_scheme="light")
    page = visit.page
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        _visible(page.locator("button.theme-switch-button"))[0].click()
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    finally:
        visit.close()


def test_phone_screenshots(browser, site):
    """Phone-width screenshots of every page, for a person to look at."""
    target = SCREENSHOTS / "phone"
    target.mkdir(parents=True, exist_ok=True)
    for doc in _pages():
        visit = Visit(browser, f"{site}/{doc}.html", site, width=PHONE, height=844)
        try:
            page = visit.page
            if page.locator("div.math, span.math").count():
                page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            _scroll_through(page)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(target / f"{doc.replace('/', '__')}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{doc}: the page scrolls sideways by {overflow} px on a phone"
            distorted = page.evaluate(
                "Array.from(document.querySelectorAll('main img')).filter(i => i.offsetParent && i.naturalWidth)"
                ".filter(i => { const r = i.getBoundingClientRect();"
                " return Math.abs(r.height / r.width - i.naturalHeight / i.naturalWidth) > 0.02; }).map(i => i.src)"
            )
            assert not distorted, f"{doc}: figures drawn out of proportion on a phone: {distorted}"
        finally:
            visit.close()


# --------------------------------------------------------------------------
# Search


def _search(browser, site, query):
    visit = Visit(browser, f"{site}/search.html?q={query}", site)
    page = visit.page
    page.wait_for_selector("#search-results li", timeout=20_000)
    # Snippets arrive one by one after the result list.
    page.wait_for_function(
        "Array.from(document.querySelectorAll('#search-results li')).every(li => li.querySelector('p.context'))"
        " || document.querySelectorAll('#search-results li').length > 10",
        timeout=20_000,
    )
    return visit


@pytest.mark.parametrize("query", ["muP", "mu-P", "μP"])
def test_search_finds_mup_by_any_spelling(browser, site, query):
    visit = _search(browser, site, query)
    try:
        first = visit.page.locator("#search-results li a").first.get_attribute("href")
        # The first hit is μP's own entry: its glossary term, or a section titled with it.
        assert first == "glossary.html#term-muP" or re.match(r"chapters/\w+\.html#", first), \
            f"{query!r}: first result is {first}"
    finally:
        visit.close()


def test_search_snippets_show_only_what_readers_see(browser, site):
    visit = _search(browser, site, "Chinchilla")
    try:
        snippets = visit.page.locator("#search-results p.context").all_text_contents()
        assert snippets
        for text in snippets:
            assert "\\(" not in text and "\\frac" not in text and "\\alpha" not in text, f"raw TeX in a snippet: {text}"
            assert "import " not in text and "plt." not in text, f"code in a snippet: {text}"
    finally:
        visit.close()


class _HiddenText(HTMLParser):
    """Split a page's main text into what is folded (<details class="hide">) and what is shown."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # >0 inside a folded cell part
        self.in_main = False
        self.skip = 0  # inside <script>/<style>
        self.hidden: list[str] = []
        self.shown: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "main":
            self.in_main = True
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "details" and ("hide" in classes or self.depth):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "details" and self.depth:
            self.depth -= 1
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if self.in_main and not self.skip:
            (self.hidden if self.depth else self.shown).append(data)


def test_hidden_code_is_not_indexed(book_build):
    """Words that a page shows only inside folded code cells do not make it a search result."""
    import json

    import snowballstemmer

    stem = snowballstemmer.stemmer("porter").stemWord
    text = (HTML / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    docnames = index["docnames"]
    checked = 0
    for doc in _pages():
        parser = _HiddenText()
        parser.feed((HTML / f"{doc}.html").read_text(encoding="utf-8"))
        words = lambda chunks: {stem(w.lower()) for w in re.findall(r"\w+", " ".join(chunks))}
        only_hidden = words(parser.hidden) - words(parser.shown)
        number = docnames.index(doc)
        for word in only_hidden:
            docs = index["terms"].get(word, [])
            docs = docs if isinstance(docs, list) else [docs]
            assert number not in docs, f"{doc}: {word!r} appears only in folded code but is indexed"
            checked += 1
    assert checked > 100, "no folded code found on any page"


# --------------------------------------------------------------------------
# Explorer chrome: accessibility, touch targets, colour mode


def _explorer_pages() -> list[str]:
    return [doc for doc in _pages() if 'class="sl-explorer"' in (HTML / f"{doc}.html").read_text(encoding="utf-8")]


def test_explorer_controls_are_accessible_and_touchable(browser, site, book_build):
    assert book_build.returncode == 0
    pages = _explorer_pages()
    assert pages, "no explorer found on any page"
    with_units = switches = radios = 0
    for doc in pages:
        visit = Visit(browser, f"{site}/{doc}.html", site, width=PHONE, height=844)
        page = visit.page
        try:
            _wait_for_explorers(page)
            explorers = page.locator("div.sl-explorer")
            for e in range(explorers.count()):
                root = explorers.nth(e)
                readout = root.locator(".sl-readout")
                assert readout.get_attribute("aria-live") == "polite", f"{doc}: the numbers are not a live region"
                assert readout.locator("table.sl-numbers").count() == 1
                sliders = root.locator("input[type=range]")
                for s in range(sliders.count()):
                    slider = sliders.nth(s)
                    slider_id = slider.get_attribute("id")
                    assert root.locator(f'label[for="{slider_id}"]').count() == 1, f"{doc}: {slider_id} has no label"
                    output = root.locator(f'output[for="{slider_id}"]')
                    assert output.count() == 1, f"{doc}: {slider_id} has no linked <output>"
                    box = slider.bounding_box()
                    assert box["height"] >= 44, f"{doc}: {slider_id} is {box['height']} px tall, under 44"
                    # The announced value is the shown value (plus its unit), never the slider's index.
                    slider.fill(slider.get_attribute("max"))
                    text = slider.get_attribute("aria-valuetext")
                    assert text and text.startswith(output.text_content()), f"{doc}: {slider_id} announces {text!r}"
                    assert "e+" not in text and "e-" not in text, f"{doc}: {slider_id} announces {text!r}"
                    if "(" in root.locator(f'label[for="{slider_id}"]').text_content():
                        unit = root.locator(f'label[for="{slider_id}"]').text_content().rsplit("(", 1)[1].rstrip(")")
                        assert text.endswith(unit), f"{doc}: {slider_id} announces {text!r} without its unit"
                        with_units += 1
                # A switch is a labelled checkbox with role=switch; radio buttons sit in a labelled radiogroup.
                for switch in root.locator("input[role=switch]").all():
                    label = switch.locator("xpath=ancestor::label[1]")
                    assert label.text_content().strip(), f"{doc}: a switch has no label"
                    assert label.bounding_box()["height"] >= 44, f"{doc}: a switch's label is under 44 px tall"
                    switches += 1
                for group in root.locator("[role=radiogroup]").all():
                    labelled_by = group.get_attribute("aria-labelledby")
                    assert labelled_by and root.locator(f"#{labelled_by}").text_content().strip(), \
                        f"{doc}: a radio group has no label"
                    for option in group.locator("label.sl-radio-option").all():
                        assert option.bounding_box()["height"] >= 44, f"{doc}: a radio button is under 44 px tall"
                        radios += 1
                reset = root.locator("button.sl-reset").bounding_box()
                assert reset["height"] >= 44 and reset["width"] >= 44, f"{doc}: the reset button is too small: {reset}"
            assert not visit.errors, f"{doc}: console errors: {visit.errors}"
        finally:
            visit.close()
    assert with_units > 0, "no slider with a unit was checked"
    assert switches > 0 and radios > 0, "no switch or radio button was checked"


def _luminance(css_color: str) -> float:
    if css_color.startswith("#"):
        hex_digits = css_color[1:7] if len(css_color) >= 7 else "".join(2 * c for c in css_color[1:4])
        r, g, b = (int(hex_digits[i:i + 2], 16) for i in (0, 2, 4))
    else:
        r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def _canvas_text_luminance(root) -> float:
    """Luminance of the text last drawn on the explorer's canvas (its axes)."""
    fill = root.evaluate("""root => { const c = root.querySelector('.sl-plot canvas');
        return window.slCanvasText.filter(r => r.canvas === c).map(r => r.fill).pop(); }""")
    assert fill, "no text drawn on the explorer's canvas"
    return _luminance(fill)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_explorers_follow_the_colour_mode(browser, site, book_build, scheme):
    doc = _explorer_pages()[0]
    visit = Visit(browser, f"{site}/{doc}.html", site, color_scheme=scheme, init_script=EXPLORER_CHECKS)
    page = visit.page
    try:
        _wait_for_explorers(page)
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        root = page.locator("div.sl-explorer").first
        background = _luminance(root.evaluate("e => getComputedStyle(e).backgroundColor"))
        text = _canvas_text_luminance(root)
        legend = _luminance(root.locator(".sl-legend").evaluate("e => getComputedStyle(e).color"))
        if scheme == "dark":
            assert background < 0.25 and text > 0.6 and legend > 0.6, (background, text, legend)
        else:
            assert background > 0.9 and text < 0.4 and legend < 0.4, (background, text, legend)
            # Switching to dark redraws the canvas in the dark theme's colours.
            _visible(page.locator("button.theme-switch-button"))[0].click()
            page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
            assert _canvas_text_luminance(root) > 0.6
    finally:
        visit.close()


# --------------------------------------------------------------------------
# Figures: vector, and legible on a phone

# Pages whose matplotlib figures do not follow the figure convention yet (SVG
# output, one panel per figure at about 4.5 x 3.2 in with 13 pt text, side-by-side
# panels as separate figures in a {grid}, a numbered caption and alt text), and
# why. A page leaves this set when it follows the convention; the test fails if a
# listed page breaks none of the rules, so the set cannot go stale.
FIGURES_NOT_CONVERTED: dict[str, str] = {}
# Explorers' static default figures (a cell calling explorers.get(name).figure()) are
# redrawn with the explorers themselves (issue 19, phase 2); until then they are not
# held to the figure convention.
EXPLORER_FIGURE_CALL = ".figure()"
MIN_TEXT_PX = 9
# Folded parts (deep dives, solutions) unfolded, so that their figures are measured at the
# width they are shown at.
UNFOLD = """() => {
    document.querySelectorAll("details").forEach(d => d.open = true);
    document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
}"""


def test_smallest_text_is_read_from_matplotlib_svg(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.loglog([1e17, 1e24], [3, 2])
    ax.set_xlabel("compute", fontsize=13)
    ax.tick_params(labelsize=10)
    fig.savefig(tmp_path / "f.svg")
    plt.close(fig)
    # 10^n tick labels: 10 pt, their exponents 0.7 x 10 pt.
    assert smallest_text_pt((tmp_path / "f.svg").read_text()) == pytest.approx(7.0, abs=0.01)


def _figure_faults(page, doc: str) -> list[str]:
    """Every way the page's figures break the convention (empty when they follow it)."""
    page.evaluate(UNFOLD)
    faults = []
    for img in page.locator("main img").all():
        src = img.get_attribute("src") or ""
        if "/_images/" not in src:
            continue
        cell_source = img.evaluate("e => e.closest('.cell')?.querySelector('.cell_input')?.textContent || ''")
        if EXPLORER_FIGURE_CALL in cell_source:
            continue
        if not src.endswith(".svg"):
            faults.append(f"{src} is not SVG")
            continue
        img.scroll_into_view_if_needed()
        shown = img.evaluate("e => e.getBoundingClientRect().width")
        svg = (HTML / doc).parent.joinpath(src).resolve().read_text(encoding="utf-8")
        width_pt = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg).group(1))
        smallest = smallest_text_pt(svg)
        if smallest is not None and smallest * shown / width_pt < MIN_TEXT_PX:
            faults.append(f"{src} has {smallest * shown / width_pt:.1f} px text at {PHONE} px")
        alt = img.get_attribute("alt") or ""
        if not alt or "_images/" in alt or "{glue" in alt:
            faults.append(f"{src} has no alt text (alt={alt!r})")
        number = img.evaluate("e => e.closest('figure')?.querySelector('figcaption .caption-number')?.textContent")
        if not number:
            faults.append(f"{src} has no numbered caption")
    return faults


@pytest.mark.parametrize("doc", _pages())
def test_figures_are_vector_and_legible_on_a_phone(browser, site, doc):
    visit = Visit(browser, f"{site}/{doc}.html", site, width=PHONE, height=844)
    try:
        faults = _figure_faults(visit.page, doc)
    finally:
        visit.close()
    if doc in FIGURES_NOT_CONVERTED:
        assert faults, f"{doc} follows the figure convention now: remove it from FIGURES_NOT_CONVERTED"
    else:
        assert not faults, f"{doc}: " + "; ".join(faults)
