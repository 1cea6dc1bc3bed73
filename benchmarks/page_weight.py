"""Weigh every page of the built site: the HTML plus every file the page loads.

    python benchmarks/page_weight.py                  # every page in _toc.yml, from _build/html
    python benchmarks/page_weight.py --detail         # plus a breakdown by kind (js, css, font, ...)
    python benchmarks/page_weight.py --first-view     # only what loads before the reader scrolls

A page's weight is what a reader's browser downloads to read it to the end:
the page is opened in Debian's chromium (driven by Playwright, as the site
tests do), scrolled to the bottom so that lazily loaded images arrive, and
every request it made to the local server is counted once. "raw" is the size
of the files on disk; "gzip" is their size compressed with gzip level 6, what
a static host such as GitHub Pages sends. Explorer data (the JSON payloads
inside the HTML) is shown on its own because it is part of the HTML.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import re
import shutil
import sys
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
EXPLORER_DATA = re.compile(r'<script type="application/json" class="sl-explorer-data">(.*?)</script>', re.S)
KINDS = {".js": "js", ".mjs": "js", ".css": "css", ".woff": "font", ".woff2": "font", ".ttf": "font",
         ".eot": "font", ".png": "image", ".svg": "image", ".jpg": "image", ".gif": "image",
         ".html": "html", ".json": "data"}


def toc_pages(root: Path = REPO) -> list[str]:
    """Documents listed in _toc.yml, root first."""
    text = (root / "_toc.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", text, flags=re.M)


@functools.lru_cache(maxsize=None)
def file_sizes(path: Path) -> tuple[int, int]:
    """(raw, gzip level 6) bytes of one file."""
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=6, mtime=0))


@dataclass
class PageWeight:
    page: str
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # site path -> (raw, gzip)
    explorer_data: int = 0  # bytes of explorer JSON inside the HTML

    @property
    def raw(self) -> int:
        return sum(r for r, _ in self.files.values())

    @property
    def gz(self) -> int:
        return sum(g for _, g in self.files.values())

    @property
    def html(self) -> tuple[int, int]:
        return self.files[self.page + ".html"]

    def by_kind(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for path, (raw, gz) in self.files.items():
            kind = KINDS.get(Path(path).suffix.lower(), "other")
            out[kind][0] += raw
            out[kind][1] += gz
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def measure(pages: list[str], html_dir: Path = HTML, *, chromium: str | None = None,
            scroll: bool = True, width: int = 390, height: int = 844) -> list[PageWeight]:
    """Open each page in chromium and add up every file it requests from the site."""
    from playwright.sync_api import sync_playwright

    chromium = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium not found (apt-get install chromium)")
    handler = functools.partial(_Quiet, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for page_name in pages:
                weight = PageWeight(page_name)
                # A fresh context per page: an empty cache, as for a first visit.
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                seen: set[str] = set()

                def on_request(request, seen=seen):
                    url = urlparse(request.url)
                    if request.url.startswith(base):
                        seen.add(unquote(url.path).lstrip("/"))

                page.on("request", on_request)
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                page.goto(f"{base}/{page_name}.html")
                page.wait_for_load_state("networkidle")
                if scroll:
                    height_px = page.evaluate("document.documentElement.scrollHeight")
                    for y in range(0, height_px + height, height):
                        page.evaluate(f"window.scrollTo(0, {y})")
                        page.wait_for_timeout(30)
                    page.wait_for_load_state("networkidle")
                context.close()
                for path in sorted(seen):
                    file = html_dir / path
                    if file.is_dir():
                        file = file / "index.html"
                    if file.is_file():
                        weight.files[path] = file_sizes(file)
                text = (html_dir / f"{page_name}.html").read_text(encoding="utf-8")
                weight.explorer_data = sum(len(m.encode()) for m in EXPLORER_DATA.findall(text))
                results.append(weight)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return results


def _kb(n: int) -> str:
    return f"{n / 1024:8.0f}"


def table(results: list[PageWeight], detail: bool = False) -> str:
    head = (f"{'page':<34s} {'files':>5s} {'HTML KB':>8s} {'HTML gz':>8s} {'explorer':>8s} "
            f"{'total KB':>8s} {'total gz':>8s}")
    lines = [head, "-" * len(head)]
    for w in results:
        html_raw, html_gz = w.html
        lines.append(f"{w.page:<34s} {len(w.files):5d} {_kb(html_raw)} {_kb(html_gz)} {_kb(w.explorer_data)} "
                     f"{_kb(w.raw)} {_kb(w.gz)}")
        if detail:
            for kind, (raw, gz) in w.by_kind().items():
                lines.append(f"    {kind:<30s} {'':5s} {'':8s} {'':8s} {'':8s} {_kb(raw)} {_kb(gz)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=HTML, help="the built site (default _build/html)")
    parser.add_argument("--pages", nargs="*", help="pages to weigh (default: every page in _toc.yml)")
    parser.add_argument("--first-view", action="store_true", help="do not scroll: only what loads at first")
    parser.add_argument("--detail", action="store_true", help="break each page down by kind of file")
    parser.add_argument("--width", type=int, default=390, help="viewport width in px (default 390, a phone)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        print(f"error: --html: no built site at {args.html} (run `make book`)", file=sys.stderr)
        return 2
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        print("error: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 2
    pages = args.pages or toc_pages()
    results = measure(pages, args.html, scroll=not args.first_view, width=args.width)
    print(f"Page weight of {args.html} at {args.width} px "
          f"({'first view' if args.first_view else 'scrolled to the end'}), KB = 1024 bytes:")
    print(table(results, detail=args.detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
