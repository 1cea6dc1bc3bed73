"""Compare the explorers' hand-written SVG renderer with a plotly.js prototype.

    python benchmarks/explorer_renderers.py --plotly-js path/to/plotly-basic.min.js

Without --plotly-js the full bundle shipped in the ``plotly`` wheel is used
(if installed). The partial "basic" bundle (scatter, bar, pie) comes from npm:
``npm pack plotly.js-basic-dist-min`` and unpack ``package/plotly-basic.min.js``.

Both renderers draw the same JSON payload on the same built pages
(_build/html): the page is opened in chromium with ``_static/explorer.js``
swapped for plotly.js + ``benchmarks/explorer_plotly/explorer-plotly.js``. Printed: the bytes each
renderer adds (raw and gzipped), each explorer page's total weight with
either renderer, the time to redraw a frame, and, over every frame of every
explorer, how often the legend covers a data point. Screenshots of each
explorer at 390 and 1400 px go to _build/screenshots/renderers/.
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
STATIC = REPO / "_static"
# The prototype lives beside this script: anything in _static/ would be added to every page by jupyter-book.
PROTOTYPE = Path(__file__).resolve().parent / "explorer_plotly" / "explorer-plotly.js"
SHOTS = REPO / "_build" / "screenshots" / "renderers"
WIDTHS = (390, 1400)

# In-page: for every frame of one explorer, does the legend's box contain a drawn data point?
OVERLAP_JS = {
    "svg": """root => {
        const svg = root.querySelector('svg.sl-figure');
        const g = svg.querySelector('g.sl-series');
        const legend = [...g.querySelectorAll(':scope > line, :scope > text')].map(e => e.getBBox());
        if (!legend.length) return false;
        const box = legend.reduce((a, b) => ({x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
            x2: Math.max(a.x2, b.x + b.width), y2: Math.max(a.y2, b.y + b.height)}),
            {x: 1e9, y: 1e9, x2: -1e9, y2: -1e9});
        const pts = [];
        g.querySelectorAll(':scope > circle').forEach(c => pts.push([+c.getAttribute('cx'), +c.getAttribute('cy')]));
        g.querySelectorAll(':scope > path').forEach(p => p.getAttribute('d').slice(1).split('L')
            .forEach(xy => { const [x, y] = xy.split(',').map(Number); pts.push([x, y]); }));
        return pts.some(([x, y]) => x >= box.x && x <= box.x2 && y >= box.y && y <= box.y2);
    }""",
    "plotly": """root => {
        const legend = root.querySelector('.legend'), plot = root.querySelector('.nsewdrag');
        if (!legend || !plot) return false;
        const a = legend.getBoundingClientRect(), b = plot.getBoundingClientRect();
        return !(a.right < b.left || a.left > b.right || a.bottom < b.top || a.top > b.bottom);
    }""",
}
DRAWN = {"svg": "svg.sl-figure", "plotly": ".sl-plot .main-svg"}


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


class _Swapping(http.server.SimpleHTTPRequestHandler):
    """Serves the built site, with _static/explorer.js replaced by ``swap`` (the renderer under test)."""

    swap: bytes = b""

    def do_GET(self):
        if self.path.split("?")[0] == "/_static/explorer.js":
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript")
            self.send_header("Content-Length", str(len(self.swap)))
            self.end_headers()
            self.wfile.write(self.swap)
        else:
            super().do_GET()

    def log_message(self, *args):
        pass


def _sample(combos: list, n: int) -> list:
    """At most n settings, evenly spread, first and last included."""
    if len(combos) <= n:
        return combos
    return [combos[round(i * (len(combos) - 1) / (n - 1))] for i in range(n)]


def run(pages: list[str], plotly_js: Path, html: Path = HTML, chromium: str | None = None,
        max_frames: int = 40) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    bodies = {"svg": (STATIC / "explorer.js").read_bytes(),
              "plotly": plotly_js.read_bytes() + b"\n" + PROTOTYPE.read_bytes()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Swapping, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    out = {r: {"frames": 0, "covered": 0, "redraw_ms": [], "errors": [], "shots": []} for r in bodies}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for renderer, body in bodies.items():
                _Swapping.swap = body
                for width in WIDTHS:
                    for doc in pages:
                        context = browser.new_context(viewport={"width": width, "height": 900})
                        page = context.new_page()
                        page.on("pageerror", lambda e, r=renderer: out[r]["errors"].append(str(e)))

                        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                        page.goto(f"{base}/{doc}.html")
                        roots = page.locator("div.sl-explorer")
                        for e in range(roots.count()):
                            root = roots.nth(e)
                            root.locator(DRAWN[renderer]).first.wait_for()
                            name = (root.get_attribute("id") or f"explorer-{e}").removeprefix("explorer-")
                            root.scroll_into_view_if_needed()
                            page.wait_for_timeout(300)
                            shot = SHOTS / f"{renderer}-{name}-{width}.png"
                            root.screenshot(path=str(shot))
                            out[renderer]["shots"].append(str(shot.relative_to(REPO)))
                            if width != WIDTHS[-1]:
                                continue
                            # Frames (up to max_frames, evenly spread): redraw time, legend over data?
                            sliders = root.locator("input[type=range]")
                            sizes = [int(sliders.nth(i).get_attribute("max")) + 1 for i in range(sliders.count())]
                            combos = [[]]
                            for n in sizes:
                                combos = [c + [k] for c in combos for k in range(n)]
                            for combo in _sample(combos, max_frames):
                                ms = root.evaluate(
                                    """(root, combo) => {
                                        const t0 = performance.now();
                                        root.querySelectorAll('input[type=range]').forEach((s, i) => {
                                            if (+s.value !== combo[i]) { s.value = combo[i];
                                                s.dispatchEvent(new Event('input')); } });
                                        return performance.now() - t0; }""", combo)
                                out[renderer]["redraw_ms"].append(ms)
                                out[renderer]["frames"] += 1
                                out[renderer]["covered"] += bool(root.evaluate(OVERLAP_JS[renderer]))
                        context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    weights = _page_weight_module().measure(pages, html, chromium=chromium)
    svg_bytes, plotly_bytes = _sizes(bodies["svg"]), _sizes(bodies["plotly"])
    for w in weights:
        out.setdefault("pages", []).append((w.page, (w.raw, w.gz), (w.raw - svg_bytes[0] + plotly_bytes[0],
                                                                     w.gz - svg_bytes[1] + plotly_bytes[1])))
    out["bytes"] = {"svg": svg_bytes, "plotly": plotly_bytes, "library": _sizes(plotly_js.read_bytes()),
                    "renderer": _sizes(PROTOTYPE.read_bytes())}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plotly-js", type=Path, default=None,
                        help="plotly.js bundle (default: the full bundle in the plotly wheel, if installed)")
    parser.add_argument("--max-frames", type=int, default=40, help="frames checked per explorer (default 40)")
    parser.add_argument("--pages", nargs="*", default=["chapters/power_laws", "chapters/chinchilla"],
                        help="pages with explorers (default: power_laws and chinchilla)")
    args = parser.parse_args(argv)
    plotly_js = args.plotly_js or _default_plotly_js()
    if plotly_js is None or not plotly_js.is_file():
        print("error: --plotly-js: no plotly.js bundle found (npm pack plotly.js-basic-dist-min)", file=sys.stderr)
        return 2
    if not (HTML / "index.html").is_file():
        print(f"error: no built site at {HTML} (run `make book`)", file=sys.stderr)
        return 2
    out = run(args.pages, plotly_js, max_frames=args.max_frames)
    kb = lambda pair: f"{pair[0] / 1024:7.0f} KB raw {pair[1] / 1024:6.0f} KB gz"
    print(f"plotly.js bundle {plotly_js.name}: {kb(out['bytes']['library'])}")
    print(f"renderer code: explorer.js {kb(out['bytes']['svg'])}; explorer-plotly.js {kb(out['bytes']['renderer'])}")
    print(f"{'page':<28s} {'with SVG renderer':>28s} {'with plotly.js':>28s}")
    for page, svg, plotly in out["pages"]:
        print(f"{page:<28s} {kb(svg):>28s} {kb(plotly):>28s}")
    for renderer in ("svg", "plotly"):
        r = out[renderer]
        print(f"{renderer:>6s}: {r['frames']} frames checked at 1400 px, legend over data in {r['covered']}; "
              f"redraw median {statistics.median(r['redraw_ms']):.1f} ms, max {max(r['redraw_ms']):.1f} ms; "
              f"page errors: {len(r['errors'])}")
    print("screenshots:", *sorted(set(out["svg"]["shots"] + out["plotly"]["shots"])), sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
