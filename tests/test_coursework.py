"""The coursework: otter-grader problem sets and the student edition of the book.

The reference solutions earn full marks, a blank submission earns zero, a
few wrong answers lose exactly their points, and no solution text reaches the
students (notebooks or book). Runtime: about three minutes (otter executes each
notebook; the student book build executes one chapter).
"""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "coursework"))
import build  # noqa: E402

pytest.importorskip("otter")

#: Point totals of each problem set (hidden tests carry every point; public tests are worth 0).
TOTALS = {"ps_chinchilla": 10, "ps_critical_batch_size": 10, "ps_early_stopping": 10, "ps_kaplan": 10,
          "ps_oracle": 8, "ps_overtraining": 10, "ps_power_laws": 10, "ps_reconciling": 10,
          "ps9_hyperparameters": 10, "ps10_abilities": 10}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    out = tmp_path_factory.mktemp("coursework")
    return {m["name"]: m for m in (build.assign(src, out) for src in build.problem_sets())}


def test_every_problem_set_is_assigned(assigned):
    assert set(assigned) == set(TOTALS)
    for m in assigned.values():
        assert m["student"].is_file() and m["autograder"].is_file() and m["solution"].is_file()


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_reference_solution_gets_full_marks(assigned, name):
    r = build.grade(assigned[name]["autograder"], assigned[name]["solution"])
    assert r["possible"] == TOTALS[name]
    assert r["total"] == r["possible"], r["scores"]


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_blank_submission_scores_zero(assigned, name):
    r = build.grade(assigned[name]["autograder"], assigned[name]["student"])
    assert r["total"] == 0 and r["possible"] == TOTALS[name]


def _edit_cell(nb_path: Path, out: Path, old: str, new: str) -> None:
    nb = json.loads(nb_path.read_text())
    hits = 0
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if old in src:
            cell["source"] = src.replace(old, new)
            hits += 1
    assert hits == 1, old
    out.write_text(json.dumps(nb))


def test_a_few_wrong_answers_lose_exactly_their_points(assigned, tmp_path):
    m = assigned["ps_power_laws"]
    wrong = tmp_path / "ps_power_laws.ipynb"
    _edit_cell(m["solution"], wrong, "n_factor = 100", "n_factor = 10")  # q4: RMSE falls as n^-1/2
    _edit_cell(wrong, wrong, "s_q1 = powerlaw.local_exponent(1e4, 12.0, 0.3, 1.7)", "s_q1 = 0.2")  # q1
    r = build.grade(m["autograder"], wrong)
    assert r["scores"] == {"q1": 0, "q2": 3, "q3": 3, "q4": 0}
    assert r["total"] == TOTALS["ps_power_laws"] - 4


def test_counting_repeats_instead_of_epochs_loses_q3(assigned, tmp_path):
    m = assigned["ps_early_stopping"]
    wrong = tmp_path / "ps_early_stopping.ipynb"
    # the classic slip: report the repeated epochs R_D, not the epoch count 1 + R_D
    _edit_cell(m["solution"], wrong, "epochs_q3 = 1 + MU.R_D_star", "epochs_q3 = MU.R_D_star")
    r = build.grade(m["autograder"], wrong)
    assert r["scores"] == {"q1": 3, "q2": 3, "q3": 0, "q4": 2}
    assert r["total"] == TOTALS["ps_early_stopping"] - 2

def _solution_lines(source: Path) -> list[str]:
    """Answer lines of a problem set: lines marked # SOLUTION and lines inside solution blocks."""
    lines, inside_cell, inside_block = [], False, False
    for raw in source.read_text().splitlines():
        line = raw.strip()
        if line in ("# # BEGIN SOLUTION", "# # END SOLUTION"):
            inside_cell = line.endswith("BEGIN SOLUTION")
            continue
        if line.endswith("# BEGIN SOLUTION") or line.endswith("# END SOLUTION"):
            inside_block = line.endswith("BEGIN SOLUTION")
            continue
        if line.endswith("# SOLUTION"):
            lines.append(line.removesuffix("# SOLUTION").split("=", 1)[-1].strip())
        elif inside_block and len(line) > 12:
            lines.append(line)
        elif inside_cell and line.startswith("# ") and len(line) > 30:  # markdown derivations
            lines.append(line[2:])
    return lines


@pytest.mark.parametrize("name", sorted(TOTALS))
def test_student_notebooks_hold_no_solution_or_hidden_test(assigned, name):
    text = assigned[name]["student"].read_text()
    # search the cells' sources, not the notebook's metadata: random cell ids and
    # timestamps can contain a short answer such as "100" by chance
    sources = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
    answers = _solution_lines(build.SOURCE / f"{name}.py")
    assert len(answers) >= 4

    def present(answer):  # a short answer counts only where it is assigned
        if len(answer) >= 6:
            return answer in sources
        return re.search(r"=\s*" + re.escape(answer) + r"(?![\w.])", sources) is not None

    leaked = [a for a in answers if present(a)]
    assert not leaked
    hidden = _hidden_test_lines(build.SOURCE / f"{name}.py")
    assert hidden and not [h for h in hidden if h in sources]


def _hidden_test_lines(source: Path) -> list[str]:
    """Assertion lines of the hidden test cells."""
    cells = re.split(r"^# %%.*$", source.read_text(), flags=re.M)
    return [ln.strip() for c in cells if "hidden: true" in c for ln in c.splitlines() if ln.startswith("assert")]


def test_strip_solutions_removes_both_forms_and_keeps_exercises():
    page = ("intro\n\n```{exercise} E\n:label: e1\nask\n```\n\n```{solution} e1\n:class: dropdown\nSECRET1\n```\n\n"
            "````{solution-start} e1\n:class: dropdown\n````\n\nSECRET2\n\n```{code-cell} ipython3\nSECRET3\n```\n\n"
            "````{solution-end}\n````\n\nafter\n")
    out = build.strip_solutions(page)
    assert "SECRET" not in out and "solution" not in out
    assert "{exercise} E" in out and out.rstrip().endswith("after")
    with pytest.raises(ValueError):
        build.strip_solutions("```{solution} x\nunclosed\n")
    with pytest.raises(ValueError):
        build.strip_solutions("```{solution-start} x\n```\nnever ended\n")


def test_every_chapter_strips_cleanly():
    for page in sorted((REPO / "chapters").glob("*.md")):
        text = page.read_text()
        out = build.strip_solutions(text)
        assert "{solution" not in out, page.name
        assert out.count("{exercise}") == text.count("{exercise}"), page.name


def _chapter_solution_text(page: Path) -> list[str]:
    """Distinctive lines that appear only inside the chapter's solutions."""
    text = page.read_text()
    kept = set(build.strip_solutions(text).splitlines())
    removed = [ln.strip() for ln in text.splitlines() if ln not in kept]
    return [ln for ln in removed if len(ln) > 40 and not ln.startswith(("```", "````", ":")) and "{glue" not in ln
            and "{cite" not in ln and "$" not in ln and "`" not in ln]


def test_student_book_contains_no_solution_text(tmp_path):
    html = build.build_student_book(tmp_path, chapters=["power_laws"])
    page = html / "chapters" / "power_laws.html"
    assert page.is_file()
    secrets = _chapter_solution_text(REPO / "chapters" / "power_laws.md")
    assert len(secrets) >= 3
    out_root = tmp_path / "book"
    files = [p for p in out_root.rglob("*") if p.is_file() and p.suffix in (".html", ".ipynb", ".md", ".txt", ".js", ".json")]
    blob = "\n".join(p.read_text(errors="ignore") for p in files)
    flat = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", blob)))
    leaked = [s for s in secrets if s in blob or re.sub(r"\s+", " ", s) in flat]
    assert not leaked
    assert 'class="solution' not in blob
    assert page.read_text().count('class="exercise') >= 3  # the exercises stay
