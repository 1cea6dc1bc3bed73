"""Measure the explorers' renderer on the built site, and what the alternatives would weigh.

    python benchmarks/explorer_renderers.py                     # the renderer in use, every frame
    python benchmarks/explorer_renderers.py --plotly-js FILE    # also weigh a plotly.js bundle
    python benchmarks/explorer_renderers.py --max-frames 40     # at most 40 frames per explorer

The explorers are drawn by uPlot (``_ext/static/uplot/``, vendored from npm)
with ``_ext/static/explorer.js``. Printed:

* the bytes the renderer adds to a page with an explorer (uPlot, its style,
  explorer.js and explorer.css; raw and gzip level 6, what a static host
  sends), beside a plotly.js bundle's if one is given (``npm pack
  plotly.js-basic-dist-min``, ``package/plotly-basic.min.js``; without
  --plotly-js the full bundle in the ``plotly`` wheel, if installed);
* for every explorer of the built site (_build/html), at a phone's, a
  tablet's and a desktop's width, every frame drawn and looked at by
  ``explorer_checks.js`` (the browser tests use the same script): the frames
  with a problem (a legend over the plot, text outside the canvas, fewer
  than three labelled ticks on an axis, overlapping tick labels, a series
  outside the axes, text running out of the explorer), the fewest labelled
  ticks seen on each axis, and the time to draw a frame (median, max);
* each page's weight with its explorers (``page_weight.measure``).

Screenshots of each explorer at each width go to _build/screenshots/renderers/.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import importlib.util
import shutil
import statistics
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
EXT_STATIC = REPO / "_ext" / "static"
RENDERER_FILES = ("uplot/uPlot.iife.min.js", "uplot/uPlot.min.css", "explorer.js", "explorer.css")
CHECKS = Path(__file__).resolve().parent / "explorer_checks.js"
SHOTS = REPO / "_build" / "screenshots" / "renderers"
WIDTHS = (390, 900, 1400)


def _sizes(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, compresslevel=6, mtime=0))


def _page_weight_module():
    spec = importlib.util.spec_from_file_location("page_weight", REPO / "benchmarks" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _default_plotly_js() -> Path | None:
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "package_data" / "plotly.min.js"
    return path if path.exists() else None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def explorer_pages(html: Path = HTML) -> list[str]:
    """Pages of the built site (from _toc.yml) that hold an explorer."""
    pages = _page_weight_module().toc_pages()
    return [p for p in pages if (html / f"{p}.html").is_file()
            and 'class="sl-explorer"' in (html / f"{p}.html").read_text(encoding="utf-8")]


def run(pages: list[str], html: Path = HTML, chromium: str | None = None, max_frames: int | None = None) -> dict:
    """Check every frame of every explorer on ``pages`` at each width; see the module docstring."""
    from playwright.sync_api import sync_playwright

    chromium = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    rows, errors = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for width in WIDTHS:
                for doc in pages:
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    context.add_init_script(path=str(CHECKS))
                    page = context.new_page()
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                    page.goto(f"{base}/{doc}.html")
                    roots = page.locator("div.sl-explorer")
                    for e in range(roots.count()):
                        root = roots.nth(e)
                        root.locator(".sl-plot canvas").wait_for()
                        result = root.evaluate("(root, limit) => window.slCheckExplorer(root, limit)", max_frames)
                        root.scroll_into_view_if_needed()
                        shot = SHOTS / f"{result['name']}-{width}.png"
                        root.screenshot(path=str(shot))
                        rows.append({"width": width, **result, "shot": str(shot.relative_to(REPO))})
                    context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"rows": rows, "errors": errors}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plotly-js", type=Path, default=None,
                        help="a plotly.js bundle to weigh (default: the full bundle in the plotly wheel, if installed)")
    parser.add_argument("--max-frames", type=int, default=None, help="frames checked per explorer (default: all)")
    parser.add_argument("--html", type=Path, default=HTML, help="the built site (default _build/html)")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        print(f"error: --html: no built site at {args.html} (run `make book`)", file=sys.stderr)
        return 2
    if args.plotly_js is not None and not args.plotly_js.is_file():
        print(f"error: --plotly-js: no file {args.plotly_js}", file=sys.stderr)
        return 2
    if args.max_frames is not None and args.max_frames < 2:
        print("error: --max-frames must be at least 2", file=sys.stderr)
        return 2
    kb = lambda pair: f"{pair[0] / 1024:7.1f} KB raw {pair[1] / 1024:6.1f} KB gz"
    renderer = b"".join((EXT_STATIC / f).read_bytes() for f in RENDERER_FILES)
    print(f"renderer in use (uPlot + explorer.js + styles): {kb(_sizes(renderer))}")
    for f in RENDERER_FILES:
        print(f"    {f:<28s} {kb(_sizes((EXT_STATIC / f).read_bytes()))}")
    plotly_js = args.plotly_js or _default_plotly_js()
    if plotly_js is not None:
        print(f"plotly.js bundle {plotly_js.name}: {kb(_sizes(plotly_js.read_bytes()))} (before any renderer code)")
    pages = explorer_pages(args.html)
    out = run(pages, args.html, max_frames=args.max_frames)
    print(f"\n{'explorer':<22s} {'width':>5s} {'frames':>6s} {'with a problem':>14s} {'min ticks x/y':>13s} "
          f"{'draw ms median':>14s} {'max':>6s}")
    for r in out["rows"]:
        bad = len({p.split("]")[0] for p in r["problems"]})
        print(f"{r['name']:<22s} {r['width']:5d} {r['frames']:6d} {bad:14d} {r['minXTicks']:>6d}/{r['minYTicks']:<6d} "
              f"{statistics.median(r['redrawMs']):14.1f} {max(r['redrawMs']):6.1f}")
        for problem in r["problems"][:5]:
            print(f"    {problem}")
    print(f"page errors: {len(out['errors'])}", *out["errors"][:5], sep="\n  ")
    print("\n" + _page_weight_module().table(_page_weight_module().measure(pages, args.html)))
    print("screenshots:", *sorted({r["shot"] for r in out["rows"]}), sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
