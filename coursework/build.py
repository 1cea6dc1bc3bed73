"""Build the coursework: student and instructor editions of the problem sets and of the book.

    python coursework/build.py student      # -> _build/student/
    python coursework/build.py instructor   # -> _build/instructor/
    python coursework/build.py grade AUTOGRADER.zip SUBMISSION.ipynb [...]

The problem sets are written in ``coursework/source/ps*_*.py`` (jupytext
"percent" notebooks in otter-grader's assign format: ``# BEGIN QUESTION``,
``# BEGIN SOLUTION`` / ``# END SOLUTION``, ``# BEGIN TESTS`` with public and
``hidden: true`` test cells and their points). ``otter assign`` turns each into

* a student notebook (solutions replaced by ``...``, hidden tests removed,
  outputs cleared) and
* an autograder zip (every test, public and hidden) plus the solution notebook.

The student edition of the book is built from a copy of the sources in which
every ``{solution}`` block and every ``{solution-start}`` ... ``{solution-end}``
span (the code cells between them included) is deleted, so the solutions are
absent from the HTML, the page sources and the executed notebooks, not just
collapsed. The instructor edition is the ordinary book (solutions in
dropdowns).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "coursework" / "source"
JB_FLAGS = ["--builder", "html", "--warningiserror", "--nitpick", "--keep-going"]
# Paths never copied into the student book's source tree.
_SKIP = {"_build", ".venv", ".git", "tests", "benchmarks", ".pytest_cache", ".hypothesis",
         ".ipynb_checkpoints", "__pycache__", ".jupyter_cache"}

_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>solution|solution-start|solution-end)\}")


def problem_sets() -> list[Path]:
    """The problem-set sources, in order."""
    return sorted(SOURCE.glob("ps*_*.py"))


def _run(cmd, **kw):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if result.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def assign(source: Path, out: Path) -> dict:
    """Run jupytext and ``otter assign`` on one problem set; return the paths of what it produced."""
    name = source.stem
    master_dir = out / "master"
    master_dir.mkdir(parents=True, exist_ok=True)
    master = master_dir / f"{name}.ipynb"
    _run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "--set-kernel", "python3",
          "--output", master, source])
    dist = out / "dist" / name
    if dist.exists():
        shutil.rmtree(dist)
    _run([sys.executable, "-m", "otter", "assign", master, dist], cwd=master_dir)
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"otter assign made {len(zips)} autograder zips for {name}")
    return {"name": name, "student": dist / "student" / f"{name}.ipynb",
            "solution": dist / "autograder" / f"{name}.ipynb", "autograder": zips[0]}


def build_notebooks(out: Path, edition: str) -> list[dict]:
    """Assign every problem set; copy the student notebooks (and, for instructors, solutions and autograders)."""
    made = [assign(src, out / "work") for src in problem_sets()]
    for m in made:
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        shutil.copy(m["student"], out / "notebooks" / f"{m['name']}.ipynb")
        if edition == "instructor":
            (out / "solutions").mkdir(parents=True, exist_ok=True)
            (out / "autograder").mkdir(parents=True, exist_ok=True)
            shutil.copy(m["solution"], out / "solutions" / f"{m['name']}.ipynb")
            shutil.copy(m["autograder"], out / "autograder" / f"{m['name']}-autograder.zip")
    if edition == "student":
        shutil.rmtree(out / "work")
    return made


def strip_solutions(text: str) -> str:
    """Delete every ``{solution}`` block and ``{solution-start}`` ... ``{solution-end}`` span of a MyST page.

    Fences of backticks or colons, of any length, are recognised; a block ends
    at the first line that is exactly its opening fence. Raises ``ValueError``
    on an unclosed block.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _OPEN.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        if m["name"] == "solution-end":
            raise ValueError(f"line {i + 1}: solution-end without solution-start")

        def close(j, fence):
            while j < len(lines) and lines[j].rstrip() != fence:
                j += 1
            if j == len(lines):
                raise ValueError(f"line {i + 1}: unclosed {fence} block")
            return j

        end = close(i + 1, m["fence"])
        if m["name"] == "solution-start":
            j = end + 1
            while j < len(lines):
                e = _OPEN.match(lines[j])
                if e and e["name"] == "solution-end":
                    break
                j += 1
            if j == len(lines):
                raise ValueError(f"line {i + 1}: solution-start without solution-end")
            end = close(j + 1, _OPEN.match(lines[j])["fence"])
        i = end + 1
        # drop one blank line left behind, so the page keeps its spacing
        if i < len(lines) and not lines[i].strip() and out and not out[-1].strip():
            i += 1
    return "".join(out)


def student_source(dest: Path) -> Path:
    """Copy the book's sources to ``dest`` with every solution removed from the pages."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(REPO, dest, ignore=lambda d, names: [n for n in names if n in _SKIP])
    for page in list(dest.glob("*.md")) + list(dest.glob("chapters/*.md")):
        page.write_text(strip_solutions(page.read_text()))
    return dest


def build_student_book(out: Path, chapters: list[str] | None = None) -> Path:
    """Strict student build of the book (or of ``chapters`` only, with the bibliography); returns the HTML folder."""
    src = student_source(out / "src")
    cmd = [Path(sys.executable).with_name("jupyter-book"), "build", src, *JB_FLAGS, "--path-output", out / "book"]
    if chapters:
        toc = out / "_toc_partial.yml"
        items = "".join(f"      - file: chapters/{c}\n" for c in chapters)
        toc.write_text(f"format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n{items}"
                       "      - file: bibliography\n")
        cmd += ["--toc", toc]
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=src)
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL):", line)]
    if result.returncode or warnings:
        raise RuntimeError("student book build failed:\n" + ("\n".join(warnings) or log[-5000:]))
    return out / "book" / "_build" / "html"


def build_instructor_book() -> Path:
    """The ordinary strict build (solutions as dropdowns), same command and cache as ``make book``."""
    cmd = [Path(sys.executable).with_name("jupyter-book"), "build", REPO, *JB_FLAGS]
    result = subprocess.run([str(c) for c in cmd], cwd=REPO)
    if result.returncode:
        raise RuntimeError("instructor book build failed")
    return REPO / "_build" / "html"


def _grade_here(autograder: Path, submission: Path) -> dict:
    from otter.api import grade_submission

    r = grade_submission(str(submission), str(autograder), quiet=True)
    return {"total": float(r.total), "possible": float(r.possible),
            "scores": {q: float(v["score"]) for q, v in r.to_dict().items()}}


def grade(autograder: Path, submission: Path) -> dict:
    """Grade one notebook with otter (no container), in a fresh Python process.

    Returns ``{"total": ..., "possible": ..., "scores": {question: points}}``.
    """
    out = _run([sys.executable, __file__, "grade", "--json", autograder, submission])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for edition in ("student", "instructor"):
        p = sub.add_parser(edition, help=f"build the {edition} edition into _build/{edition}/")
        p.add_argument("--no-book", action="store_true", help="problem sets only")
        p.add_argument("--chapters", nargs="*", help="build only these chapters of the book")
    g = sub.add_parser("grade", help="grade submissions with an autograder zip")
    g.add_argument("autograder", type=Path)
    g.add_argument("submissions", type=Path, nargs="+")
    g.add_argument("--json", action="store_true", help="print one JSON line per submission")
    args = parser.parse_args(argv)
    if args.command == "grade":
        for s in args.submissions:
            r = _grade_here(args.autograder, s)
            print(json.dumps(r) if args.json else f"{s}: {r['total']:g} / {r['possible']:g}", flush=True)
        return 0
    out = REPO / "_build" / args.command
    made = build_notebooks(out, args.command)
    print(f"{len(made)} problem sets -> {out}")
    if not args.no_book:
        html = build_student_book(out, args.chapters) if args.command == "student" else build_instructor_book()
        print(f"{args.command} book -> {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
