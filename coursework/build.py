"""Build the coursework: student and instructor editions of the problem sets and of the book.

    python coursework/build.py student      # -> _build/student/
    python coursework/build.py instructor   # -> _build/instructor/
    python coursework/build.py grade AUTOGRADER.zip SUBMISSION.ipynb [...]

The problem sets are written in ``coursework/source/ps<n>_*.py`` (jupytext
"percent" notebooks in otter-grader's assign format: ``# BEGIN QUESTION``,
``# BEGIN SOLUTION`` / ``# END SOLUTION``, ``# BEGIN TESTS`` with public and
``hidden: true`` test cells and their points; written questions carry
``manual: true``), numbered in the order of the chapters. ``otter assign``
turns each into

* a student notebook (solutions replaced by ``...``, hidden tests removed,
  outputs cleared, an answer cell for every written question, and an export
  cell that zips the notebook for submission) and
* an autograder zip for Gradescope (every test, public and hidden) plus the
  solution notebook.

Every autograder zip installs what it grades with: a wheel of ``scalinglaws``
built from this checkout (inside the zip), the package's dependencies pinned
to the versions this build was tested with, and the Python version of the
book. ``coursework/gradescope.py`` reproduces Gradescope's set-up from a zip
in a fresh virtual environment and grades with it.

The student edition of the book is built from a copy of the book's pages (in
a temporary folder, never under the output) from which the instructor's
guide, every ``<!-- instructor-only -->`` ... ``<!-- end instructor-only -->``
span, every ``{solution}`` block and every ``{solution-start}`` ...
``{solution-end}`` span (the code cells between them included) are removed,
so the solutions are absent from the HTML, the page sources and the executed
notebooks, not just collapsed. The instructor edition is the ordinary book
(solutions in dropdowns).
"""

from __future__ import annotations

import argparse
import email.parser
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "coursework" / "source"
GRADING_HELPER = REPO / "coursework" / "ps_grading.py"
JB_FLAGS = ["--builder", "html", "--warningiserror", "--nitpick", "--keep-going"]
#: The Python of the grading image (the book's Python; otter's default would be newer than we test).
PYTHON_VERSION = "3.11"
#: Where Gradescope unpacks an autograder zip (otter's default ``autograder_dir``).
GRADESCOPE_SOURCE = "/autograder/source"
#: The course key the training-oracle project derives each student's seed from (change it each term).
DEFAULT_COURSE_KEY = "scaling-laws-course"
#: What the student book is built from besides its pages (those come from the table of contents).
_BOOK_SUPPORT = ["_config.yml", "references.bib", "chapters", "_ext", "_static"]
#: Pages of the instructor edition only.
_INSTRUCTOR_PAGES = ["instructors"]
#: A span of a page for the instructor edition only (e.g. the home page's note to instructors).
_INSTRUCTOR_ONLY = re.compile(r"^<!-- instructor-only -->\n.*?^<!-- end instructor-only -->\n", flags=re.M | re.S)
_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>solution|solution-start|solution-end)\}")

#: Settings every problem set shares (merged into each source's ASSIGNMENT CONFIG).
_COMMON_CONFIG = {
    "init_cell": True,
    "check_all_cell": True,
    "run_tests": False,
    "python_version": PYTHON_VERSION,
    # the one place where a solution line sits outside a question (the oracle's STUDENT_ID)
    "strip_solutions_from_all_cells": True,
    "generate": {"show_stdout": False, "show_hidden": False},
    "tests": {"files": False},
}
_EXPORT_INSTRUCTIONS = (
    "Upload the zip file this cell writes to the problem set's programming assignment on Gradescope: "
    "it holds your notebook, written answers included (and, for the project, your ledger). If your "
    "course also collects the written answers as a PDF, print this notebook to PDF from your browser "
    "(JupyterLab: File > Print) and upload that to the written assignment. If a cell raises an error, "
    "grading goes on: only the tests that need the failed answer lose their points.")
_CHECK_ALL_OLD = "To double-check your work, the cell below will rerun all of the autograder tests."
_CHECK_ALL_NEW = ("The cell below reruns the public tests. **Public tests check only the form of your answer "
                  "(a number, a shape, a range); hidden tests check the value and decide your marks**, "
                  "so \"All test cases passed!\" does not mean an answer is right.")


def problem_sets() -> list[Path]:
    """The problem-set sources in the order of their numbers (``ps1_*``, ``ps2_*``, ...).

    The chapters' sets are numbered in the order of the table of contents and
    the project takes the largest number; a number may be missing (it is kept
    for the set of a chapter still to come), never repeated.
    """
    found = [(int(m[1]), p) for p in SOURCE.glob("ps*_*.py") if (m := re.match(r"ps(\d+)_", p.name))]
    numbers = sorted(n for n, _ in found)
    if len(set(numbers)) != len(numbers) or (numbers and numbers[0] != 1):
        raise RuntimeError(f"problem sets must be numbered from 1, each number once, got {numbers}")
    return [p for _, p in sorted(found)]


def summary(source: Path) -> dict:
    """What a problem-set source says about itself, for the instructor's guide and the tests.

    ``{"name", "number", "title", "goals": [...], "minutes", "questions": [{"name", "manual",
    "points", "prompt"}], "auto", "manual"}``; points are the question's (written questions)
    or the sum of its tests' (autograded ones).
    """
    text = source.read_text()
    flat = re.sub(r"\n# ?", "\n", text)
    title = re.search(r"^# Problem set (\d+)(?: \(project\))?: (.+)$", flat, flags=re.M)
    goals = re.search(r"\*\*Learning goals\.\*\*[^\n]*\n((?:- .+\n)+)", flat)
    time = re.search(r"\*\*Expected time:\*\* about (\d+) (minutes|hours)", flat)
    if not (title and goals and time):
        raise ValueError(f"{source.name}: needs a '# Problem set N: ...' title, learning goals and an expected time")
    questions, current = [], None
    for cell in re.split(r"^# %%.*$", text, flags=re.M):
        if "# # BEGIN QUESTION" in cell:
            config = yaml.safe_load("\n".join(ln[2:] for ln in cell.splitlines()
                                              if ln.startswith("# ") and "BEGIN QUESTION" not in ln)) or {}
            current = {"name": config["name"], "manual": bool(config.get("manual")),
                       "points": float(config.get("points", 0)), "prompt": None}
            questions.append(current)
        elif current is not None and current["prompt"] is None and cell.strip().startswith("# **Q"):
            current["prompt"] = " ".join(ln[2:] for ln in cell.strip().splitlines())
        elif current is not None and "BEGIN TEST CONFIG" in cell:
            current["points"] += float(re.search(r"^points:\s*([0-9.]+)", cell, flags=re.M)[1])
    return {"name": source.stem, "number": int(title[1]), "title": title[2].strip(),
            "goals": [g[2:].strip().rstrip(";.") for g in goals[1].strip().splitlines()],
            "minutes": int(time[1]) * (60 if time[2] == "hours" else 1), "questions": questions,
            "auto": sum(q["points"] for q in questions if not q["manual"]),
            "manual": sum(q["points"] for q in questions if q["manual"])}


def _run(cmd, **kw):
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if result.returncode:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


# ---------------------------------------------------------------------------
# the package the autograder installs
# ---------------------------------------------------------------------------
def package_wheel(dest: Path) -> Path:
    """Build a wheel of ``scalinglaws`` from this checkout into ``dest``.

    The build runs on a copy of the packaging files and ``code/``, so no
    ``build/`` or ``*.egg-info`` folder is left in the repository.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scalinglaws-wheel-") as tmp:
        tmp = Path(tmp)
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(REPO / name, tmp / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(REPO / "code", tmp / "code", ignore=ignore)
        if (REPO / "data" / "__init__.py").is_file():  # the data package, once the loaders read it
            shutil.copytree(REPO / "data", tmp / "data", ignore=ignore)
        _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
              "--wheel-dir", dest, tmp])
    wheels = sorted(dest.glob("scalinglaws-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one scalinglaws wheel in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def pinned_requirements(wheel: Path) -> list[str]:
    """The wheel's dependencies, each pinned to the version installed here (the versions tested)."""
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(zf.read(meta_name).decode())
    pins = []
    for req in meta.get_all("Requires-Dist") or []:
        if "extra ==" in req:
            continue
        name = re.match(r"[A-Za-z0-9_.\-]+", req)[0]
        pins.append(f"{name}=={importlib.metadata.version(name)}")
    return pins


# ---------------------------------------------------------------------------
# otter assign
# ---------------------------------------------------------------------------
def _assignment_config(nb: dict) -> tuple[dict, dict]:
    cell = nb["cells"][0]
    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    if cell["cell_type"] != "raw" or not src.startswith("# ASSIGNMENT CONFIG"):
        raise ValueError("the first cell of a problem set must be its raw ASSIGNMENT CONFIG cell")
    return cell, yaml.safe_load(src.split("\n", 1)[1]) or {}


def configure(master: Path, wheel: Path, requirements: list[str]) -> dict:
    """Merge the shared settings into ``master``'s ASSIGNMENT CONFIG; return the merged config."""
    nb = json.loads(master.read_text())
    cell, config = _assignment_config(nb)
    merged = {**_COMMON_CONFIG, **config}
    # No PDF in the export: otter's PDF needs pandoc and LaTeX, and without them (Binder, most
    # laptops) export raises before it writes the zip. The written answers travel in the notebook.
    export = {"pdf": False, "run_tests": False, "instructions": _EXPORT_INSTRUCTIONS}
    export.update(config.get("export_cell") or {})
    merged["export_cell"] = export
    merged["requirements"] = [*requirements, f"{GRADESCOPE_SOURCE}/files/{wheel.name}"]
    merged["autograder_files"] = [wheel.name, GRADING_HELPER.name, "course.json"]
    cell["source"] = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(merged, sort_keys=False, width=10_000)
    master.write_text(json.dumps(nb, indent=1))
    return merged


def _patch_student_notebook(path: Path) -> None:
    """Say in the student notebook that public tests check only the form of an answer."""
    nb = json.loads(path.read_text())
    hits = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and _CHECK_ALL_OLD in src:
            cell["source"] = src.replace(_CHECK_ALL_OLD, _CHECK_ALL_NEW)
            hits += 1
    if hits != 1:
        raise RuntimeError(f"{path.name}: otter's check-all text changed; update _CHECK_ALL_OLD")
    path.write_text(json.dumps(nb, indent=1))


def assign(source: Path, out: Path, *, wheel: Path | None = None, course_key: str = DEFAULT_COURSE_KEY) -> dict:
    """Run jupytext and ``otter assign`` on one problem set; return the paths of what it produced.

    ``wheel`` is the ``scalinglaws`` wheel to put in the autograder zip (built
    into ``out`` when not given).
    """
    name = source.stem
    master_dir = out / "master" / name
    if master_dir.exists():
        shutil.rmtree(master_dir)
    master_dir.mkdir(parents=True)
    if wheel is None:
        wheel = package_wheel(out / "wheel")
    shutil.copy(wheel, master_dir / wheel.name)
    shutil.copy(GRADING_HELPER, master_dir / GRADING_HELPER.name)
    (master_dir / "course.json").write_text(json.dumps({"course_key": course_key}))
    text = source.read_text().replace("{{COURSE_KEY}}", course_key)
    percent = master_dir / f"{name}.py"
    percent.write_text(text)
    master = master_dir / f"{name}.ipynb"
    _run([sys.executable, "-m", "jupytext", "--quiet", "--to", "ipynb", "--set-kernel", "python3",
          "--output", master, percent])
    percent.unlink()
    config = configure(master, wheel, pinned_requirements(wheel))
    dist = out / "dist" / name
    if dist.exists():
        shutil.rmtree(dist)
    _run([sys.executable, "-m", "otter", "assign", master, dist], cwd=master_dir)
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"otter assign made {len(zips)} autograder zips for {name}")
    student = dist / "student" / f"{name}.ipynb"
    _patch_student_notebook(student)
    return {"name": name, "student": student, "solution": dist / "autograder" / f"{name}.ipynb",
            "autograder": zips[0], "config": config}


def build_notebooks(out: Path, edition: str, course_key: str = DEFAULT_COURSE_KEY) -> list[dict]:
    """Assign every problem set; copy the student notebooks (and, for instructors, solutions and autograders).

    Only the copies reach ``out``: ``otter assign`` works in a temporary
    folder for the student edition and in ``out/work`` for instructors.
    """
    work = out / "work" if edition == "instructor" else Path(tempfile.mkdtemp(prefix="coursework-"))
    try:
        wheel = package_wheel(work / "wheel")
        made = [assign(src, work, wheel=wheel, course_key=course_key) for src in problem_sets()]
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        for m in made:
            shutil.copy(m["student"], out / "notebooks" / f"{m['name']}.ipynb")
            if edition == "instructor":
                (out / "solutions").mkdir(parents=True, exist_ok=True)
                (out / "autograder").mkdir(parents=True, exist_ok=True)
                shutil.copy(m["solution"], out / "solutions" / f"{m['name']}.ipynb")
                shutil.copy(m["autograder"], out / "autograder" / f"{m['name']}-autograder.zip")
    finally:
        if edition != "instructor":
            shutil.rmtree(work)
    return made


# ---------------------------------------------------------------------------
# the student edition of the book
# ---------------------------------------------------------------------------
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


def student_toc(toc: dict) -> dict:
    """The table of contents without the instructor-only pages (and without parts left empty)."""
    toc = json.loads(json.dumps(toc))
    for part in toc.get("parts", []):
        part["chapters"] = [c for c in part.get("chapters", []) if c.get("file") not in _INSTRUCTOR_PAGES]
    toc["parts"] = [p for p in toc.get("parts", []) if p["chapters"]]
    return toc


def strip_instructor_only(text: str) -> str:
    """Delete every ``<!-- instructor-only -->`` ... ``<!-- end instructor-only -->`` span of a page."""
    out = _INSTRUCTOR_ONLY.sub("", text)
    if "instructor-only -->" in out:
        raise ValueError("an instructor-only span is not closed (or its markers are not on lines of their own)")
    return out


def _toc_files(toc: dict) -> list[str]:
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return files


def student_source(dest: Path) -> Path:
    """Copy the book's pages to ``dest`` without the instructor-only pages and spans and without any solution.

    Raises ``ValueError`` if a page still links to an instructor-only page.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    toc = student_toc(yaml.safe_load((REPO / "_toc.yml").read_text()))
    pages = [f"{f}.md" for f in _toc_files(toc) if not f.startswith("chapters/")]
    for name in _BOOK_SUPPORT + pages:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy(src, dest / name)
    (dest / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    links = re.compile(r"<(?:{0})>|`(?:{0})`".format("|".join(map(re.escape, _INSTRUCTOR_PAGES))))
    for page in list(dest.glob("*.md")) + list(dest.glob("chapters/*.md")):
        text = strip_solutions(strip_instructor_only(page.read_text()))
        if links.search(text):
            raise ValueError(f"{page.name} links to an instructor-only page outside an instructor-only span")
        page.write_text(text)
    return dest


def build_student_book(out: Path, chapters: list[str] | None = None) -> Path:
    """Strict student build of the book (or of ``chapters`` only, with the bibliography); returns the HTML folder.

    The stripped sources live in a temporary folder, so ``out`` receives only
    the built book (``out/book``).
    """
    with tempfile.TemporaryDirectory(prefix="student-book-") as tmp:
        src = student_source(Path(tmp) / "src")
        cmd = [Path(sys.executable).with_name("jupyter-book"), "build", src, *JB_FLAGS, "--path-output", out / "book"]
        if chapters:
            toc = Path(tmp) / "_toc_partial.yml"
            items = "".join(f"      - file: chapters/{c}\n" for c in chapters)
            toc.write_text(f"format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n{items}"
                           "      - file: bibliography\n")
            cmd += ["--toc", toc]
        # the chapters run in the student copy but import the package and read data from this checkout
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


# ---------------------------------------------------------------------------
# grading in this environment (no container, no install)
# ---------------------------------------------------------------------------
def _grade_here(autograder: Path, submission: Path) -> dict:
    from otter.api import grade_submission

    r = grade_submission(str(submission), str(autograder), quiet=True)
    return {"total": float(r.total), "possible": float(r.possible),
            "scores": {q: float(v["score"]) for q, v in r.to_dict().items()}}


def grade(autograder: Path, submission: Path) -> dict:
    """Grade one notebook (or an exported zip) with otter in this environment, in a fresh Python process.

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
        p.add_argument("--course-key", default=os.environ.get("COURSE_KEY", DEFAULT_COURSE_KEY),
                       help="the key each student's oracle seed is derived from; change it each term "
                            "(default: $COURSE_KEY, else %(default)r)")
    g = sub.add_parser("grade", help="grade submissions with an autograder zip in this environment")
    g.add_argument("autograder", type=Path)
    g.add_argument("submissions", type=Path, nargs="+")
    g.add_argument("--json", action="store_true", help="print one JSON line per submission")
    args = parser.parse_args(argv)
    if args.command == "grade":
        for s in args.submissions:
            r = _grade_here(args.autograder, s)
            print(json.dumps(r) if args.json else f"{s}: {r['total']:g} / {r['possible']:g}", flush=True)
        return 0
    if not args.course_key.strip():
        parser.error("--course-key must not be empty")
    out = REPO / "_build" / args.command
    for stale in ("notebooks", "solutions", "autograder", "work", "src", "build"):
        if (out / stale).exists():
            shutil.rmtree(out / stale)
    made = build_notebooks(out, args.command, args.course_key)
    print(f"{len(made)} problem sets -> {out}")
    if not args.no_book:
        html = build_student_book(out, args.chapters) if args.command == "student" else build_instructor_book()
        print(f"{args.command} book -> {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
