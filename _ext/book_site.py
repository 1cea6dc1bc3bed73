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
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes

NOTEBOOK_DIR = "_notebooks"


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


def setup(app):
    app.connect("config-inited", _ignore_links_out_of_a_partial_build)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("doctree-resolved", _add_download_links)
    app.connect("build-finished", _copy_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
