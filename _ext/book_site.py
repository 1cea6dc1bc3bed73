"""Small additions to the generated site.

* One copy of every script per page: sphinx-thebe registers its configuration
  script once per build pass, so a rebuilt page could carry the same inline
  ``const THEBE_JS_URL = ...`` twice, a JavaScript error in every reader's
  console.
* Every chapter offers itself as a Jupyter notebook: the executed notebook
  that MyST-NB wrote (outputs included) is copied into the site under
  ``_notebooks/`` and linked at the top of the chapter.
* A partial build (``make chapter CH=...``, or the student edition of a few
  chapters) lists fewer pages than the book's ``_toc.yml``, so its links to
  the pages it leaves out (the landing page's roadmap, the glossary's terms)
  cannot resolve there; in such a build, and only there, unresolved page,
  label and glossary references are not reported. The full build, with the
  book's own ``_toc.yml``, still checks every one of them.
* Live-only cells leave the static pages: a code cell tagged
  ``skip-execution`` never runs in the build (the ipywidgets cells), so on
  the site it would be dead code with no output, and Tab would walk into it.
  It is dropped from the page; the notebook copy keeps it for Jupyter and
  Binder.
* Search: symbols get an ASCII spelling (``μP`` is also found as "muP" and
  "mu-P"), a section whose title has such a symbol becomes a direct search
  result, and code a reader cannot see (hidden cell inputs and outputs) is
  not indexed. ``_ext/static/search-snippets.js`` (search page only) keeps
  folded code, explorer data and raw TeX out of the result snippets.
* One icon source: the theme draws its icons with the Font Awesome web fonts
  from its stylesheet *and* ships ``fontawesome.js`` (1.5 MB) that swaps the
  same icons for SVG. The script is dropped, the two fonts the site uses
  are cut down to the glyphs the pages and stylesheets actually use
  (``_static/icons/``, declared in ``icons.css`` after the theme's own), and
  the stylesheet's rules for the ~2,000 unused icons are removed.
* MathJax without its right-click menu: the component loader fetches the
  TeX input, the HTML output and the screen-reader MathML (0.65 MB) instead
  of the combined file with the menu (1.16 MB); pages without math load none.
* Explorers' assets only where there is an explorer: uPlot (vendored in
  ``_ext/static/uplot/``, version, licence and checksums in its
  ``SOURCE.json``), ``explorer.js`` and ``explorer.css`` are added to a page
  whose body holds a ``sl-explorer`` element, and to no other.
* Figure alt text can carry computed numbers: ``{glue:text}`key:fmt``` in an
  ``:alt:`` option is filled with the page's glued value, as in the prose.
* Figures load lazily and carry their size (``width``/``height``), so the
  page does not jump while they arrive; PNG figures are stored as 256-colour
  palettes (a third of the bytes, no visible change on plots); SVG figures
  keep coordinates to 0.1 pt (a 1/1440 in error at most) and lose their
  indentation and metadata (about a sixth of the bytes).
"""

from __future__ import annotations

import functools
import html as html_lib
import io
import json
import re
import shutil
from pathlib import Path

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx import addnodes
from sphinx.search.en import SearchEnglish

NOTEBOOK_DIR = "_notebooks"

# A symbol in the text -> the ASCII spelling readers type for it. Query
# variants ("mu-P", "mu P") are folded onto the ASCII spelling in the
# browser before the search (see _SearchEnglish.js_splitter_code).
SEARCH_ALIASES = {"μP": "muP"}

LIVE_ONLY_TAG = "skip-execution"


# --------------------------------------------------------------------------
# Scripts and notebooks


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items()))
        # The same script can arrive with filename None or "" (body-only scripts).
        key = (str(getattr(script, "filename", script) or ""), attributes)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def _ignore_links_out_of_a_partial_build(app, config):
    toc = getattr(config, "external_toc_path", None)
    if not toc or Path(app.srcdir, toc).resolve() == Path(app.srcdir, "_toc.yml").resolve():
        return
    config.nitpick_ignore_regex = set(config.nitpick_ignore_regex) | {(r"std:(doc|ref|term)", r".*")}


def _is_chapter(docname: str) -> bool:
    return docname.startswith("chapters/")


def _add_download_links(app, doctree, docname):
    if not _is_chapter(docname) or app.builder.format != "html":
        return
    depth = docname.count("/")
    prefix = "../" * depth
    name = Path(docname).name
    html = (
        '<p class="sl-downloads">Run this chapter yourself: '
        f'<a href="{prefix}{NOTEBOOK_DIR}/{docname}.ipynb" download="{name}.ipynb">notebook (.ipynb, with outputs)</a>'
        f' · <a href="{prefix}_sources/{docname}.md">MyST source (.md)</a>'
        " · or the rocket icon above for Binder.</p>"
    )
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    # Just below the chapter title.
    section.insert(1, nodes.raw("", html, format="html"))


def _copy_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.outdir).parent / "jupyter_execute"
    for docname in app.env.found_docs:
        if not _is_chapter(docname):
            continue
        source = executed / f"{docname}.ipynb"
        if source.exists():
            target = Path(app.outdir) / NOTEBOOK_DIR / f"{docname}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


# --------------------------------------------------------------------------
# Figures: computed numbers in alt text

# `{glue:text}`key:fmt`` inside a figure's alt text, as in the prose.
GLUE_IN_ALT = re.compile(r"\{glue:text\}`([^`]+)`")


def _glue_in_alt_text(app, doctree, docname):
    """Fill ``{glue:text}`key:fmt``` in image alt text with the page's glued values.

    A figure's alt text states its key numbers, and those that are results come
    from the code, as everywhere else. MyST-NB pastes glued values into text
    and captions but passes a figure's ``:alt:`` (an option, not text) through
    as written, so the same role is filled in here from the page's glue data
    (MyST-NB's ``<page>.glue.json``). An unknown key is a build warning.
    """
    images = [n for n in doctree.findall(nodes.image) if "{glue:text}" in n.get("alt", "")]
    if not images:
        return
    from myst_nb.core.variables import format_plain_text
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    cache = Path(app.env.mystnb_config.output_folder, f"{docname}.glue.json")
    glued = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    for image in images:
        def fill(match, image=image):
            key, _, fmt = match.group(1).rpartition(":") if ":" in match.group(1) else (match.group(1), "", "s")
            if key not in glued or "text/plain" not in glued[key].get("data", {}):
                logger.warning(f"alt text: no glued text {key!r} on this page", location=image)
                return match.group(0)
            return format_plain_text(glued[key]["data"]["text/plain"], fmt)

        image["alt"] = GLUE_IN_ALT.sub(fill, image["alt"])


# --------------------------------------------------------------------------
# Live-only cells


def _code_cells(doctree):
    return [n for n in doctree.findall(nodes.container) if n.get("nb_element") == "cell_code"]


def _drop_live_only_cells(app, doctree):
    """Remove cells tagged skip-execution from the page (the notebook keeps them)."""
    for cell in _code_cells(doctree):
        if LIVE_ONLY_TAG in cell.get("cell_metadata", {}).get("tags", []):
            cell.parent.remove(cell)


# --------------------------------------------------------------------------
# Search


def _with_aliases(text: str) -> str:
    for symbol, ascii_name in SEARCH_ALIASES.items():
        text = text.replace(symbol, f"{symbol} {ascii_name}")
    return text


def _query_folding_js() -> str:
    """JavaScript that rewrites a query's spellings of each symbol to its ASCII name."""
    rules = []
    for symbol, ascii_name in SEARCH_ALIASES.items():
        # "muP" -> also "mu-P", "mu P", "μ-P": the ASCII name split at its
        # first capital, joined by an optional hyphen or space.
        head, tail = re.match(r"([a-z]+)(.*)", ascii_name).groups()
        pattern = rf"(?<![\p{{L}}\p{{N}}_])(?:{re.escape(symbol[0])}|{head})[\s-]?{re.escape(tail)}(?![\p{{L}}\p{{N}}_])"
        rules.append(f"[new RegExp({json.dumps(pattern)}, 'giu'), {json.dumps(ascii_name)}]")
    return (
        "const SL_SEARCH_FOLDS = [" + ", ".join(rules) + "];\n"
        "var splitQuery = (query) => SL_SEARCH_FOLDS\n"
        "  .reduce((q, [re, name]) => q.replace(re, name), query)\n"
        "  .split(/[^\\p{Letter}\\p{Number}_\\p{Emoji_Presentation}]+/gu)\n"
        "  .filter(term => term);\n"
        # Sphinx matches titles and index entries (the glossary's terms) against
        # the raw query, not its split words: fold the query itself too.
        "if (typeof Search !== 'undefined' && !Search.slFolded) {\n"
        "  const slQuery = Search.query;\n"
        "  Search.query = (query) => slQuery(SL_SEARCH_FOLDS.reduce((q, [re, name]) => q.replace(re, name), query));\n"
        "  Search.slFolded = true;\n"
        "}\n"
    )


class _SearchEnglish(SearchEnglish):
    """English search that also indexes each symbol under its ASCII spelling."""

    js_splitter_code = _query_folding_js()

    def split(self, input: str) -> list[str]:
        return super().split(_with_aliases(input))


def _index_symbol_sections(app, doctree):
    """A section titled with a symbol (e.g. "... and μP") is an index entry for each spelling."""
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is None or not section["ids"]:
            continue
        text = title.astext()
        names = [name for symbol, ascii_name in SEARCH_ALIASES.items() if symbol in text
                 for name in (symbol, ascii_name, re.sub(r"(?<=[a-z])(?=[A-Z])", "-", ascii_name, count=1))]
        if names:
            entries = [("single", name, section["ids"][0], "main", None) for name in names]
            title.parent.insert(title.parent.index(title) + 1, addnodes.index(entries=entries, inline=False))


def _without_hidden_code(doctree):
    """A copy of the page without the cell parts a reader has to unfold to see.

    By the time a page is indexed, MyST-NB has wrapped each folded part of a
    hide-input / hide-output / hide-cell cell in a HideCodeCellNode (the
    <details> with "Show code cell source").
    """
    doctree = doctree.deepcopy()
    for folded in list(doctree.findall(HideCodeCellNode)):
        folded.parent.remove(folded)
    return doctree


def _index_visible_text_only(app):
    builder = app.builder
    if not hasattr(builder, "index_page"):
        return
    original = builder.index_page

    @functools.wraps(original)
    def index_page(pagename, doctree, title):
        original(pagename, _without_hidden_code(doctree), title)

    builder.index_page = index_page


def _restore_index_entries(app):
    """Put back the index entries of pages this build did not rewrite.

    Sphinx 7.4 reloads the previous searchindex.js without its index entries
    (IndexBuilder.load skips "indexentries"), so after an incremental build
    only the rewritten pages keep theirs and the μP section stops being a
    search result. Runs before the index is written (html-collect-pages).
    """
    from sphinx.util.index_entries import split_index_msg

    indexer = getattr(app.builder, "indexer", None)
    if indexer is None:
        return []
    for docname in list(indexer._titles):
        if docname in indexer._index_entries or docname not in app.env.all_docs:
            continue
        entries = set()
        for node in app.env.get_doctree(docname).findall(addnodes.index):
            for entry_type, value, target_id, main, _key in node["entries"]:
                try:
                    names = split_index_msg(entry_type, value)
                except ValueError:
                    continue
                entries |= {(name, target_id or "", main) for name in names}
        if entries:
            indexer._index_entries[docname] = sorted(entries)
    return []


def _search_page_assets(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file("search-snippets.js")


EXPLORER_MARK = 'class="sl-explorer"'


def _explorer_page_assets(app, pagename, templatename, context, doctree):
    """uPlot and the explorer renderer, on pages with an explorer only (called from html-page-context)."""
    if EXPLORER_MARK not in context.get("body", ""):
        return
    app.add_css_file("uplot/uPlot.min.css", priority=600)
    app.add_css_file("explorer.css", priority=601)
    app.add_js_file("uplot/uPlot.iife.min.js", priority=600)
    app.add_js_file("explorer.js", priority=601)


# --------------------------------------------------------------------------
# Post-processing of the written site: icons and images

FONTAWESOME_SCRIPT = re.compile(r'[ \t]*<script src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')
FONT_DIR = Path("_static/vendor/fontawesome/webfonts")
# The two faces the site draws with (weight 900 solid icons, brand logos).
FONT_FACES = {"fa-solid-900": ("Font Awesome 6 Free", 900), "fa-brands-400": ("Font Awesome 6 Brands", 400)}
CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
ICON_RULE_SELECTOR = re.compile(r"\.(fa-[\w-]+)::?(?:before|after)")
# A whole rule whose selectors are all icon classes, e.g. .fa-bars:before,.fa-navicon:before{content:"\f0c9"}
ICON_RULE = re.compile(r"(?:(?<=[{}])|^)\s*((?:\.fa-[\w-]+::?(?:before|after)\s*,\s*)*\.fa-[\w-]+::?(?:before|after))\s*\{[^{}]*\}", re.M)
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
IMG_TAG = re.compile(r"<img\b[^>]*>")


def _used_icon_classes(static: Path, html_files: list[Path]) -> set[str]:
    used: set[str] = set()
    for page in html_files:
        used.update(ICON_CLASS.findall(page.read_text(encoding="utf-8")))
    for script in static.rglob("*.js"):
        if "mathjax" not in script.parts:
            used.update(ICON_CLASS.findall(script.read_text(encoding="utf-8", errors="ignore")))
    return used


def _icon_codepoints(static: Path, used_classes: set[str]) -> set[int]:
    """Every icon glyph the site can show: the used icon classes', and glyphs the theme's CSS names itself."""
    codepoints: set[int] = set()
    for css in static.rglob("*.css"):
        for selector, body in CSS_RULE.findall(css.read_text(encoding="utf-8", errors="ignore")):
            found = {int(h, 16) for h in CSS_ESCAPE.findall(body)} | {ord(c) for c in PRIVATE_USE.findall(body)}
            found = {cp for cp in found if 0xE000 <= cp <= 0xF8FF}
            if not found:
                continue
            icon_names = [ICON_RULE_SELECTOR.fullmatch(s.strip()) for s in selector.split(",")]
            if all(icon_names):  # .fa-rocket:before {content: "\f135"}: needed only if a page uses it
                if any(m.group(1) in used_classes for m in icon_names):
                    codepoints |= found
            else:  # the theme's own icons (admonitions, links, ...)
                codepoints |= found
    return codepoints


def _drop_unused_icon_rules(css_file: Path, used_classes: set[str]) -> None:
    """Remove the theme stylesheet's rules for icons no page uses (about 2,000 of them, 84 KB)."""
    if not css_file.exists():
        return

    def keep(match):
        names = [ICON_RULE_SELECTOR.fullmatch(s.strip()) for s in match.group(1).split(",")]
        if all(names) and not any(m.group(1) in used_classes for m in names):
            return ""
        return match.group(0)

    text = css_file.read_text(encoding="utf-8")
    css_file.write_text(ICON_RULE.sub(keep, text), encoding="utf-8")


def _subset_icon_fonts(outdir: Path, codepoints: set[int]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = outdir / "_static"
    target = static / "icons"
    target.mkdir(exist_ok=True)
    faces = []
    for stem, (family, weight) in FONT_FACES.items():
        source = outdir / FONT_DIR / f"{stem}.ttf"  # the .woff2 twin needs brotli to read
        if not source.exists():
            continue
        font = TTFont(source)
        wanted = sorted(codepoints & set(font.getBestCmap()))
        options = subset.Options()
        options.flavor = "woff"  # zlib: woff2 would need the brotli module
        options.layout_features = []
        options.name_IDs = [1, 2]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        font.flavor = "woff"
        font.save(target / f"{stem}.woff")
        faces.append(
            f'@font-face{{font-display:block;font-family:"{family}";font-style:normal;'
            f'font-weight:{weight};src:url(icons/{stem}.woff) format("woff")}}'
        )
    (static / "icons.css").write_text(
        "/* The theme's icon fonts cut down to the glyphs this site uses (_ext/book_site.py).\n"
        "   Declared after the theme's @font-face rules, so these faces win. */\n" + "\n".join(faces) + "\n",
        encoding="utf-8",
    )


def _quantize_png(path: Path) -> None:
    """Matplotlib PNGs as 256-colour palettes: about a third of the bytes, visually the same.

    A plot has a few flat colours and their anti-aliased edges; an image whose
    palette version differs by more than 2/255 on average (a photograph) is
    left as it is.
    """
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        if image.mode not in ("RGB", "RGBA"):
            return
        image.load()
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    error = np.abs(np.asarray(palette.convert(image.mode), dtype=np.int16) - np.asarray(image, dtype=np.int16))
    if error.mean() > 2:
        return
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", optimize=True, dpi=image.info.get("dpi", (72, 72)))
    if buffer.tell() < path.stat().st_size:
        path.write_bytes(buffer.getvalue())


# Matplotlib writes every coordinate with six decimals. Positions (path data, x/y,
# translate()) to 0.1 pt are exact to 1/1440 in; scale() factors are left alone
# (they carry the font sizes). Glyph outlines inside are whole font units already.
_SVG_POSITIONS = re.compile(r'(\s(?:d|x|y)=")([^"]*)(")|(translate\()([^)]*)(\))')
_SVG_LONG_DECIMAL = re.compile(r"-?\d+\.\d{2,}")


def _round_position(match: re.Match) -> str:
    value = f"{float(match.group(0)):.1f}".rstrip("0").rstrip(".")
    return "0" if value == "-0" else value


def _compact_svg(path: Path) -> None:
    """A matplotlib SVG figure with positions to 0.1 pt, no indentation and no metadata.

    About a sixth fewer bytes and no visible change; the text comments and the
    structure (one group per string, glyphs as <use>) stay as matplotlib wrote them.
    Other SVGs (not written by matplotlib) are left alone.
    """
    text = path.read_text(encoding="utf-8")
    if "<dc:title>Matplotlib" not in text[:2000]:
        return  # not matplotlib's, or compacted already
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    text = _SVG_POSITIONS.sub(
        lambda m: (m.group(1) + _SVG_LONG_DECIMAL.sub(_round_position, m.group(2)) + m.group(3)) if m.group(1)
        else (m.group(4) + _SVG_LONG_DECIMAL.sub(_round_position, m.group(5)) + m.group(6)),
        text,
    )
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)  # indentation (also in path data, where it only separates)
    path.write_text(text, encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _image_size(path: Path) -> tuple[int, int] | None:
    """Intrinsic CSS size of an image file: pixels for rasters, pt -> px for matplotlib SVGs."""
    if path.suffix.lower() == ".svg":
        head = path.read_text(encoding="utf-8", errors="ignore")[:2000]
        svg = re.search(r"<svg\b[^>]*>", head)
        if not svg:
            return None
        size = []
        for attr in ("width", "height"):
            m = re.search(rf'\b{attr}="([\d.]+)(pt|px)?"', svg.group(0))
            if not m:
                return None
            size.append(round(float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1)))
        return size[0], size[1]
    try:
        from PIL import Image

        with Image.open(path) as image:
            return image.size
    except Exception:  # not an image PIL knows: leave the tag alone
        return None


STYLE_SIZE = re.compile(r"\b(width|height):\s*([\d.]+)px;?\s*")


def _lazy_image(tag: str, page: Path) -> str:
    src = re.search(r'\bsrc="([^"]+)"', tag)
    # Figures only (Sphinx copies them to _images/): the theme's own small
    # images sit in menus that are hidden until opened, where a lazy image
    # would never load.
    if not src or "_images/" not in src.group(1):
        return tag
    extra = []
    if " loading=" not in tag:
        extra.append('loading="lazy"')
    if " decoding=" not in tag:
        extra.append('decoding="async"')
    style = re.search(r'\sstyle="([^"]*)"', tag)
    sized = dict((k, v) for k, v in STYLE_SIZE.findall(style.group(1))) if style else {}
    if "width" in sized and "height" in sized:
        # A 2x ("retina") PNG comes with its CSS size as an inline style
        # (style="width: 569px; height: 364px"); a fixed height there would
        # squash the image on a narrow screen. As attributes, the size
        # reserves space and the stylesheet's max-width/height:auto keep the
        # aspect ratio.
        rest = STYLE_SIZE.sub("", style.group(1)).strip()
        tag = tag.replace(style.group(0), f' style="{rest}"' if rest else "")
        tag = re.sub(r'\s(?:width|height)="[^"]*"', "", tag)
        extra.append(f'width="{round(float(sized["width"]))}" height="{round(float(sized["height"]))}"')
    elif " width=" not in tag and " height=" not in tag:
        size = _image_size((page.parent / html_lib.unescape(src.group(1))).resolve())
        if size:
            extra.append(f'width="{size[0]}" height="{size[1]}"')
    if not extra:
        return tag
    end = -2 if tag.endswith("/>") else -1
    return tag[:end].rstrip() + " " + " ".join(extra) + (" />" if end == -2 else ">")


def _postprocess_site(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    html_files = sorted(outdir.rglob("*.html"))
    for page in html_files:
        text = page.read_text(encoding="utf-8")
        new = FONTAWESOME_SCRIPT.sub("", text)
        new = IMG_TAG.sub(lambda m: _lazy_image(m.group(0), page), new)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for leftover in (outdir / "_static" / "scripts").glob("fontawesome.js*"):
        leftover.unlink()
    static = outdir / "_static"
    used = _used_icon_classes(static, html_files)
    _subset_icon_fonts(outdir, _icon_codepoints(static, used))  # before the rules go
    _drop_unused_icon_rules(static / "styles" / "pydata-sphinx-theme.css", used)
    for png in (outdir / "_images").glob("*.png"):
        _quantize_png(png)
    for svg in (outdir / "_images").glob("*.svg"):
        _compact_svg(svg)


EXT_STATIC = Path(__file__).parent / "static"


def _page_specific_static(app, config):
    """Serve _ext/static/ too: files there are copied into the site but, unlike
    _static/ (whose every .js/.css jupyter-book adds to every page), they load
    only where this extension adds them (search-snippets.js on search.html,
    the explorers' files on pages with an explorer)."""
    config.html_static_path = [*config.html_static_path, str(EXT_STATIC)]


def _mathjax_components(app, config):
    """Load MathJax through its component loader (see mathjax3_config in _config.yml).

    sphinx-mathjax-offline sets mathjax_path to the combined tex-chtml.js in
    its setup(), after _config.yml is read, so the path is set here.
    """
    config.mathjax_path = "mathjax/startup.js"


def setup(app):
    app.connect("config-inited", _ignore_links_out_of_a_partial_build)
    app.connect("config-inited", _mathjax_components)
    app.connect("config-inited", _page_specific_static)
    app.add_search_language(_SearchEnglish)
    app.connect("builder-inited", _index_visible_text_only)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _search_page_assets)
    app.connect("html-page-context", _explorer_page_assets)
    app.connect("html-collect-pages", _restore_index_entries)
    app.connect("doctree-read", _drop_live_only_cells)
    app.connect("doctree-read", _index_symbol_sections)
    app.connect("doctree-resolved", _add_download_links)
    app.connect("doctree-resolved", _glue_in_alt_text)
    app.connect("build-finished", _copy_notebooks)
    # After sphinx-mathjax-offline and the theme have copied their files.
    app.connect("build-finished", _postprocess_site, priority=900)
    app.add_css_file("icons.css", priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
