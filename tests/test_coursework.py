"""The coursework: otter-grader problem sets, their autograder zips and the student edition of the book.

The grading tests run each autograder zip the way Gradescope does, from the
zip alone: a fresh virtual environment gets only what the zip's
``environment.yml`` installs (Docker is not available here; see
``coursework/gradescope.py`` for what is reproduced), and the reference
solution must earn full marks, the blank notebook zero, a partly wrong
notebook (one wrong answer, one cell that raises) exactly the points of its
right answers, and the shortcuts named in the questions no more than the
questions allow. Runtime: about six minutes on two shared cores, most of it
the 36 graded notebooks (one kernel each, two at a time) and the fresh
environment (``pip install``, about a minute with a warm pip cache); zips
whose requirements are identical share one environment. The tests marked
``slow`` are these; the rest run in seconds.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "coursework"))
import build  # noqa: E402
import gradescope  # noqa: E402
import ps_grading  # noqa: E402

pytest.importorskip("otter")

#: Autograded and manually graded points of each problem set.
AUTO = {"ps1_power_laws": 10, "ps2_kaplan": 10, "ps3_critical_batch_size": 10, "ps4_early_stopping": 10,
        "ps5_chinchilla": 10, "ps6_reconciling": 10, "ps7_overtraining": 10,
        "ps8_fitting_real_runs": 10, "ps9_hyperparameters": 10, "ps10_abilities": 10, "ps11_oracle": 8}
MANUAL = {"ps1_power_laws": 2, "ps2_kaplan": 2, "ps3_critical_batch_size": 2, "ps4_early_stopping": 3,
          "ps5_chinchilla": 4, "ps6_reconciling": 2, "ps7_overtraining": 2,
          "ps8_fitting_real_runs": 4, "ps9_hyperparameters": 3, "ps10_abilities": 3, "ps11_oracle": 4}
STUDENT = {"email": "ada.lovelace@example.edu", "name": "Ada Lovelace", "sid": "1815"}
OTHER = {"email": "charles.babbage@example.edu", "name": "Charles Babbage", "sid": "1791"}
RAISE = 'raise RuntimeError("a student\'s cell that fails")'

#: Partly wrong notebooks: (edits to the reference solution, per-question scores). Every one
#: has a wrong answer and a cell that raises, and the questions after the raise keep their points.
PARTIAL = {
    "ps1_power_laws": ([("s_q1 = powerlaw.local_exponent(1e4, 12.0, 0.3, 1.7)", "s_q1 = 0.2"),
                        ('fit_q3 = fitting.fit_power_law(x_data, y_data, offset=True, loss="huber")', RAISE)],
                       {"q1": 0, "q2": 3, "q3": 0, "q4": 2}),
    "ps2_kaplan": ([("N_gpt2_small = 12 * 12 * 768**2", "N_gpt2_small = 12 * 768**2"),
                    ("alpha_C_min = 1 / (1 / T5.alpha_S", RAISE + "\nalpha_C_min = 1 / (1 / T5.alpha_S")],
                   {"q1": 0, "q2": 2, "q3": 0, "q4": 3}),
    "ps3_critical_batch_size": ([("doublings_q1 = np.log2(ratio_q1)", "doublings_q1 = np.log10(ratio_q1)"),
                                 ("x_q2 = 1 / (S_budget - 1)", RAISE)],
                                {"q1": 1, "q2": 0, "q3": 3, "q4": 2}),
    # the classic slip: report the repeated epochs R_D, not the epoch count 1 + R_D
    "ps4_early_stopping": ([("epochs_q3 = 1 + MU.R_D_star", "epochs_q3 = MU.R_D_star"),
                            ("D_q1 = kaplan.tokens_for_penalty(1e10, 0.02)", RAISE)],
                           {"q1": 0, "q2": 3, "q3": 0, "q4": 2}),
    # Q1 and Q2 by the shortcut the set forbids (the library's optimum), then a stray failing cell
    "ps5_chinchilla": ([("p = EPOCH_2024\n", "_o = ch.compute_optimal(GOPHER_BUDGET_FLOPS, EPOCH_2024)\np = EPOCH_2024\n"),
                        ("N_opt = G * (GOPHER_BUDGET_FLOPS / 6) ** (p.beta / (p.alpha + p.beta))", "N_opt = _o.N_opt"),
                        ("gamma = EPOCH_2024.alpha * EPOCH_2024.beta / (EPOCH_2024.alpha + EPOCH_2024.beta)",
                         "_C = np.logspace(20, 26, 7)\n_L = ch.compute_optimal(_C, EPOCH_2024).loss - EPOCH_2024.E\n"
                         "gamma = -np.polyfit(np.log(_C), np.log(_L), 1)[0]\n" + RAISE)],
                       {"q1": 0, "q2": 0, "q3": 4}),
    "ps6_reconciling": ([("CHINCHILLA_ROUNDED.alpha / 3 +", "CHINCHILLA_ROUNDED.alpha / 2 +"),
                         ('_V, _N = KAPLAN_SETUP["n_vocab"], 12 * 12 * 768**2', RAISE)],
                        {"q1": 1, "q2": 3, "q3": 0, "q4": 3}),
    "ps7_overtraining": ([("D_break_q1 = 3 * D_tr_llama", "D_break_q1 = 6 * D_tr_llama"),
                          ("s_star = law.beta / (law.alpha + law.beta)", RAISE)],
                         {"q1": 1, "q2": 0, "q3": 3, "q4": 2}),
    # the form with the larger held-out error picked, and a failing cell between the two numbers
    # of Q4: the ratio it measured before the error keeps its point, the theory loses its own
    "ps8_fitting_real_runs": ([("best_q3 = min(_scores", "best_q3 = max(_scores"),
                               ("theory_q4 = np.sqrt(1 / 160 - 1 / 200) / np.sqrt(1 / 200)", RAISE)],
                              {"q1": 3, "q2": 2, "q3": 2, "q4": 1}),
    # the long run's cool-down counted twice (it is already inside its 8,000 steps), and a failing
    # cell in Q2 after the standard-parametrisation rate: that rate keeps its point, μP's two lose theirs
    "ps9_hyperparameters": ([("wsd_q4 = 8000 + 0.1 * (2000 + 4000)", "wsd_q4 = 8000 + 0.1 * (2000 + 4000 + 8000)"),
                             ("lr_hidden_q2 = 2e-3 * hp.mup_scaling", RAISE + "\nlr_hidden_q2 = 2e-3 * hp.mup_scaling")],
                            {"q1": 2, "q2": 1, "q3": 3, "q4": 1}),
    # the relative error inverted (truth / prediction - 1), and a failing cell in Q3 after the
    # OPT fit's midpoint: the midpoint keeps its point, the ratio loses its two
    "ps10_abilities": ([('rel_q2 = pred_q2 / big["err_avg_subset"] - 1', 'rel_q2 = big["err_avg_subset"] / pred_q2 - 1'),
                        ("ratio_q3 = f_all.rmse / f_opt.rmse", RAISE + "\nratio_q3 = f_all.rmse / f_opt.rmse")],
                       {"q1": 2, "q2": 1, "q3": 1, "q4": 2}),
    # twice the size and a loss 0.2 nats off (prediction score about 2.5 of 10: two of the five
    # thresholds), submitted without its ledger (the grader's re-run writes a new one: no ledger point)
    "ps11_oracle": ([("N_pred = prediction.N_opt", "N_pred = 2 * prediction.N_opt"),
                    ("L_pred = prediction.loss", "L_pred = prediction.loss + 0.2"),
                    ("x[ok].min(), x[ok].max()))", "x[ok].min(), x[ok].max()))\n\n\n" + RAISE)],
                   {"q1": 2, "q2": 2}),
}
#: A shortcut through a library call inside a function the student wrote (Q2 forbids it).
PS1_SHORTCUT = ([("    L = E + A * np.asarray(x, float) ** (-alpha)\n    return alpha * (L - E) / L",
                  "    return slope_of(x, A, alpha, E)"),
                 ("from scalinglaws import powerlaw", "from scalinglaws import powerlaw\nslope_of = powerlaw.local_exponent")],
                {"q1": 2, "q2": 0, "q3": 3, "q4": 2})
#: The project's shortcut from the issue: the oracle's true answer (with a genuine ledger behind it).
ORACLE_SHORTCUT = ([("N_pred = prediction.N_opt", "N_pred, L_pred = orc.true_answer(SEED)"),
                 ("L_pred = prediction.loss", "")],
                {"q1": 0, "q2": 0})


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def edit_notebook(nb_path: Path, out: Path, edits) -> Path:
    """Copy a notebook with each ``(old, new)`` replaced in exactly one code cell."""
    nb = json.loads(nb_path.read_text())
    for old, new in edits:
        cells = [c for c in nb["cells"] if c["cell_type"] == "code" and old in _source(c)]
        assert len(cells) == 1, old
        cells[0]["source"] = _source(cells[0]).replace(old, new)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(nb))
    return out


def run_as_student(notebook: Path, workdir: Path) -> Path:
    """Execute a notebook top to bottom in the book's environment, as a student would; return the export zip."""
    import nbformat
    from nbclient import NotebookClient

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / notebook.name
    path.write_bytes(notebook.read_bytes())
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    exports = sorted(workdir.glob(f"{notebook.stem}_*.zip"))
    assert len(exports) == 1, [p.name for p in workdir.iterdir()]
    return exports[0]


def questions(source: Path) -> list[dict]:
    """Each question of a problem-set source: name, manual, points (config or tests), prompt text."""
    return build.summary(source)["questions"]


# ---------------------------------------------------------------------------
# the sources
# ---------------------------------------------------------------------------
def test_sets_are_numbered_in_the_order_of_the_chapters():
    # chapter sets in table-of-contents order, the project last with the largest number; a
    # number may be missing (kept for a chapter whose set is still to come), never repeated
    sets = build.problem_sets()
    names = [p.stem for p in sets]
    numbers = [int(re.match(r"ps(\d+)_", n)[1]) for n in names]
    assert sorted(names) == sorted(AUTO)
    assert numbers[0] == 1 and all(a < b for a, b in zip(numbers, numbers[1:]))
    projects = [p.stem for p in sets if re.search(r"^# # Problem set \d+ \(project\):", p.read_text(), flags=re.M)]
    assert projects == names[-1:]
    chapters = re.findall(r"file: chapters/(\w+)", (REPO / "_toc.yml").read_text())
    order = [chapters.index(n.split("_", 1)[1]) for n in names[:-1]]
    assert all(a < b for a, b in zip(order, order[1:])), names
    for n, p in zip(numbers, sets):
        assert re.search(rf"^# # Problem set {n}\b", p.read_text(), flags=re.M), p.name
        assert build.summary(p)["number"] == n


def test_problem_sets_refuses_a_repeated_or_missing_first_number(tmp_path, monkeypatch):
    for stem in ("ps1_a", "ps3_b", "ps5_c"):  # gaps are allowed
        (tmp_path / f"{stem}.py").write_text("")
    monkeypatch.setattr(build, "SOURCE", tmp_path)
    assert [p.stem for p in build.problem_sets()] == ["ps1_a", "ps3_b", "ps5_c"]
    (tmp_path / "ps3_d.py").write_text("")
    with pytest.raises(RuntimeError, match="each number once"):
        build.problem_sets()
    (tmp_path / "ps3_d.py").unlink()
    (tmp_path / "ps1_a.py").unlink()
    with pytest.raises(RuntimeError, match="from 1"):
        build.problem_sets()


@pytest.mark.parametrize("name", sorted(AUTO))
def test_each_set_states_goals_time_points_and_how_it_is_graded(name):
    source = build.SOURCE / f"{name}.py"
    text = source.read_text()
    flat = re.sub(r"\n# ?", " ", text)
    assert "**public tests check only the form of your answer" in flat
    info = build.summary(source)
    assert len(info["goals"]) >= 3 and 30 <= info["minutes"] <= 300
    assert (info["auto"], info["manual"]) == (AUTO[name], MANUAL[name])
    qs = info["questions"]
    for q in qs:
        stated = re.search(r"(\d+) points?\)\.\*\*", q["prompt"])
        assert stated and float(stated[1]) == q["points"], (q["name"], q["prompt"][:80])
        assert re.search(r"\b(warm-up|core|challenge|written|report)\b", q["prompt"]), q["name"]


@pytest.mark.parametrize("name", sorted(AUTO))
def test_every_derivation_asked_for_has_a_written_answer(name):
    qs = questions(build.SOURCE / f"{name}.py")
    manual = {q["name"] for q in qs if q["manual"]}
    assert manual
    for q in qs:
        if not q["manual"] and re.search(r"\b(derive|derivation|explain|show that|solve by hand)\b", q["prompt"], re.I):
            refs = {r.lower() for r in re.findall(r"\b(Q\d+w)\b", q["prompt"])}
            assert refs and refs <= manual, (q["name"], "asks for reasoning but names no written question")


def test_every_edit_of_the_graded_notebooks_matches_its_source_once():
    # the partly wrong and shortcut notebooks are edits of the reference solutions: a source
    # that drifts must fail here, quickly, rather than in the slow grading tests
    cases = [(n, e) for n, (edits, _) in PARTIAL.items() for e in edits]
    cases += [("ps1_power_laws", e) for e in PS1_SHORTCUT[0]] + [("ps11_oracle", e) for e in ORACLE_SHORTCUT[0]]
    for name, (old, _) in cases:
        assert (build.SOURCE / f"{name}.py").read_text().count(old) == 1, (name, old)


# ---------------------------------------------------------------------------
# otter assign: notebooks and zips
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def assigned(tmp_path_factory):
    out = tmp_path_factory.mktemp("coursework")
    wheel = build.package_wheel(out / "wheel")
    return {m["name"]: m for m in (build.assign(src, out, wheel=wheel) for src in build.problem_sets())}


@pytest.mark.slow
def test_every_problem_set_is_assigned(assigned):
    assert set(assigned) == set(AUTO)
    for m in assigned.values():
        assert m["student"].is_file() and m["autograder"].is_file() and m["solution"].is_file()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_autograder_zip_installs_the_package_and_pinned_dependencies(assigned, name):
    z = assigned[name]["autograder"]
    spec = gradescope.environment_spec(z)
    assert spec["python"] == build.PYTHON_VERSION
    wheel_reqs = [r for r in spec["pip"] if r.startswith(build.GRADESCOPE_SOURCE)]
    assert len(wheel_reqs) == 1 and wheel_reqs[0].endswith(".whl")
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
        wheel_member = wheel_reqs[0][len(build.GRADESCOPE_SOURCE) + 1:]
        assert {wheel_member, "files/ps_grading.py", "files/course.json"} <= names
        with zipfile.ZipFile(zf.open(wheel_member)) as wheel:
            assert "scalinglaws/oracle.py" in wheel.namelist()
    pins = [r for r in spec["pip"] if "==" in r and not r.startswith("otter-grader")]
    for dep in ("numpy", "scipy", "pandas", "matplotlib"):
        assert any(p.startswith(dep + "==") for p in pins), dep


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_student_notebook_has_answer_cells_export_cell_and_the_form_only_warning(assigned, name):
    nb = json.loads(assigned[name]["student"].read_text())
    answer_cells = [c for c in nb["cells"] if "otter_answer_cell" in c.get("metadata", {}).get("tags", [])]
    assert len(answer_cells) == len([q for q in questions(build.SOURCE / f"{name}.py") if q["manual"]])
    exports = [_source(c) for c in nb["cells"] if c["cell_type"] == "code" and "grader.export(" in _source(c)]
    assert len(exports) == 1 and "pdf=False" in exports[0]
    if name == "ps11_oracle":
        assert "oracle_ledger.json" in exports[0]
    text = "\n".join(_source(c) for c in nb["cells"])
    assert "Public tests check only the form of your answer" in text


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
        elif inside_cell and line.startswith("# ") and len(line) > 30:  # written answers
            lines.append(line[2:])
    return lines


def _hidden_test_lines(source: Path) -> list[str]:
    """Assertion lines of the hidden test cells."""
    cells = re.split(r"^# %%.*$", source.read_text(), flags=re.M)
    return [ln.strip() for c in cells if "hidden: true" in c for ln in c.splitlines() if ln.startswith("assert")]


def _leaks(text: str, name: str, short: bool = True) -> list[str]:
    """Answer lines and hidden-test assertions of a problem set found in ``text``.

    Short answers (``100``) count only where they are assigned, and only with
    ``short=True``: in a whole book they occur by chance.
    """
    answers = _solution_lines(build.SOURCE / f"{name}.py")
    assert len(answers) >= 4

    def present(answer):
        if len(answer) >= 6:
            return answer in text
        return short and re.search(r"=\s*" + re.escape(answer) + r"(?![\w.])", text) is not None

    hidden = _hidden_test_lines(build.SOURCE / f"{name}.py")
    assert hidden
    return [a for a in answers if present(a)] + [h for h in hidden if h in text]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_student_notebooks_hold_no_solution_or_hidden_test(assigned, name):
    # search the cells' sources, not the notebook's metadata: random cell ids and
    # timestamps can contain a short answer such as "100" by chance
    sources = "\n".join(_source(c) for c in json.loads(assigned[name]["student"].read_text())["cells"])
    assert not _leaks(sources, name)


# ---------------------------------------------------------------------------
# grading from the zip alone, in a fresh environment
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graded(assigned, tmp_path_factory):
    """Every submission below graded in fresh environments built from the zips (one per distinct set of requirements)."""
    tmp = tmp_path_factory.mktemp("gradescope")
    by_key: dict[str, list[str]] = {}
    for name, m in assigned.items():
        by_key.setdefault(gradescope.environment_key(m["autograder"]), []).append(name)
    envs = {}
    for i, names in enumerate(by_key.values()):
        python = gradescope.create_environment(assigned[names[0]]["autograder"], tmp / f"env{i}")
        envs.update({n: python for n in names})
    # the project's submissions come from running the notebook as a student would
    project = assigned["ps11_oracle"]
    reference_project = run_as_student(project["solution"], tmp / "student-project-reference")
    shortcut_project = run_as_student(edit_notebook(project["solution"], tmp / "project-shortcut" / "ps11_oracle.ipynb",
                                             ORACLE_SHORTCUT[0]), tmp / "student-project-shortcut")
    jobs = {}
    for name, m in assigned.items():
        solution = reference_project if name == "ps11_oracle" else m["solution"]
        jobs[(name, "solution")] = [solution]
        jobs[(name, "blank")] = [m["student"]]
        jobs[(name, "partial")] = [edit_notebook(m["solution"], tmp / "partial" / name / f"{name}.ipynb",
                                                 PARTIAL[name][0])]
    jobs[("ps1_power_laws", "shortcut")] = [edit_notebook(
        assigned["ps1_power_laws"]["solution"], tmp / "shortcut" / "ps1_power_laws.ipynb", PS1_SHORTCUT[0])]
    jobs[("ps11_oracle", "shortcut")] = [shortcut_project]
    jobs[("ps11_oracle", "someone else's")] = [reference_project]
    results = {}
    for python in set(envs.values()):
        keys = [k for k in jobs if envs[k[0]] == python]
        metadata = {k: {"users": [OTHER if k[1] == "someone else's" else STUDENT]} for k in keys}
        out = gradescope.grade(python, [{"autograder": assigned[k[0]]["autograder"], "files": jobs[k],
                                         "metadata": metadata[k]} for k in keys], tmp / "work")
        results.update(dict(zip(keys, out)))
    return {"results": results, "environments": len(by_key)}


@pytest.mark.slow
def test_sets_with_identical_requirements_share_one_environment(graded):
    assert graded["environments"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_reference_solution_gets_full_marks_from_the_zip(graded, name):
    r = graded["results"][(name, "solution")]
    assert r["possible"] == AUTO[name]
    assert r["total"] == AUTO[name], r["scores"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_blank_notebook_scores_zero(graded, name):
    r = graded["results"][(name, "blank")]
    assert r["total"] == 0 and r["possible"] == AUTO[name], r["scores"]


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(AUTO))
def test_partly_wrong_notebook_scores_exactly_its_right_answers(graded, name):
    # one wrong answer and one cell that raises: grading goes on after the error,
    # and only the tests that need the failed cell lose their points
    r = graded["results"][(name, "partial")]
    assert r["scores"] == PARTIAL[name][1]
    assert r["total"] == sum(PARTIAL[name][1].values())


@pytest.mark.slow
def test_library_shortcut_inside_a_function_scores_zero_on_its_question(graded):
    assert graded["results"][("ps1_power_laws", "shortcut")]["scores"] == PS1_SHORTCUT[1]


@pytest.mark.slow
def test_oracle_true_answer_scores_nothing(graded):
    assert graded["results"][("ps11_oracle", "shortcut")]["scores"] == ORACLE_SHORTCUT[1]


@pytest.mark.slow
def test_project_graded_for_another_submitter_scores_nothing(graded):
    # the seed follows from STUDENT_ID; Gradescope's metadata must name that student
    assert graded["results"][("ps11_oracle", "someone else's")]["total"] == 0


# ---------------------------------------------------------------------------
# the shared grading helpers
# ---------------------------------------------------------------------------
def test_uses_finds_forbidden_calls_however_imported_but_not_namesakes():
    cells = ["import scalinglaws.chinchilla as ch\nx = ch.compute_optimal(1e21)",
             "from scalinglaws.chinchilla import compute_optimal as co",
             "from scalinglaws.chinchilla import *\ny = compute_optimal(1e21)",
             "z = getattr(ch, 'compute_optimal')(1e21)",
             "%time w = 1\ncompute_optimal = 3\nprint(compute_optimal)",
             "def broken(:\n    compute_optimal"]
    found = ps_grading.uses(["compute_optimal"], cells)
    assert found == [f"compute_optimal (cell {i})" for i in (0, 1, 2, 3, 5)]
    # a student's variable that shares a function's name is not a call
    assert ps_grading.uses(["alpha_C_min"], ["alpha_C_min = 1 / 3\np_N = alpha_C_min / 2"]) == []
    assert ps_grading.uses(["alpha_C_min"], ["alpha_C_min = kaplan.alpha_C_min()"]) == ["alpha_C_min (cell 0)"]


def test_function_uses_follows_helpers_aliases_and_closures():
    import numpy as np

    from scalinglaws import data_constrained, powerlaw

    ns = {"np": np, "powerlaw": powerlaw, "f": powerlaw.local_exponent, "dc": data_constrained}
    exec("def direct(x): return powerlaw.local_exponent(x, 1.0, 0.5)\n"
         "def helper(x): return f(x, 1.0, 0.5)\n"
         "def via_helper(x): return helper(x)\n"
         "def honest(x, A=1.0, alpha=0.5, E=0.0):\n    L = E + A * np.asarray(x) ** -alpha\n    return alpha * (L - E) / L\n"
         "def module_user(U): return dc.effective_data(U, 1.0)\n"
         "def outer():\n    g = powerlaw.local_exponent\n    def inner(x): return g(x, 1.0, 0.5)\n    return inner\n",
         ns)
    for fn in ("direct", "helper", "via_helper"):
        assert ps_grading.function_uses(ns[fn], ["local_exponent"]), fn
    assert ps_grading.function_uses(ns["outer"](), ["local_exponent"])
    assert not ps_grading.function_uses(ns["honest"], ["local_exponent"], ["scalinglaws.data_constrained"])
    assert ps_grading.function_uses(ns["module_user"], modules=["scalinglaws.data_constrained"])
    with pytest.raises(AssertionError, match="local_exponent"):
        ps_grading.forbid_in_function(ns["via_helper"], ["local_exponent"])


def test_oracle_seed_binds_the_submitter_and_the_course_key(tmp_path, monkeypatch):
    from scalinglaws import oracle as orc

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(ps_grading, "_HERE", tmp_path)
    (tmp_path / "course.json").write_text(json.dumps({"course_key": "term-1"}))
    cell = ('STUDENT_ID = "ada.lovelace@example.edu"\nSEED = orc.student_seed(COURSE_KEY, STUDENT_ID)\n'
            'oracle = orc.TrainingOracle(SEED, ledger="oracle_ledger.json")')
    (tmp_path / "sub.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell}]}))
    seed = orc.student_seed("term-1", STUDENT["email"])
    ns = {"STUDENT_ID": STUDENT["email"], "SEED": seed, "oracle": orc.TrainingOracle(seed, ledger=None)}
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"users": [STUDENT]}))
    assert ps_grading.oracle_seed(ns, meta) == seed
    assert ps_grading.oracle_seed(ns, tmp_path / "absent.json") == seed  # local grading: no metadata
    meta.write_text(json.dumps({"users": [OTHER]}))
    with pytest.raises(AssertionError, match="submitter"):
        ps_grading.oracle_seed(ns, meta)
    meta.write_text(json.dumps({"users": [STUDENT]}))
    wrong = dict(ns, SEED=0, oracle=orc.TrainingOracle(0, ledger=None))  # the seed of another course key
    with pytest.raises(AssertionError, match="SEED"):
        ps_grading.oracle_seed(wrong, meta)
    (tmp_path / "sub.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": cell},
                                                              {"cell_type": "code", "source": "orc.draw_law(SEED)"}]}))
    with pytest.raises(AssertionError, match="draw_law"):
        ps_grading.oracle_seed(ns, meta)


def test_ledger_must_be_the_submitted_one_replayed_without_new_runs(tmp_path, monkeypatch):
    from scalinglaws import oracle as orc

    monkeypatch.chdir(tmp_path)
    ledger = tmp_path / "oracle_ledger.json"
    first = orc.TrainingOracle(7, ledger=ledger)
    configs = [(1e7, 2e8, 1e-3 * 1.3**k, 2**17) for k in range(10)]
    for c in configs:
        first.train(*c)
    replay = orc.TrainingOracle(7, ledger=ledger)  # the grader re-running the notebook
    for c in configs:
        replay.train(*c)
    assert replay.loaded_runs == 10 and replay.new_runs == 0
    assert ps_grading.ledger_problems({"oracle": replay}, 7) == []
    extra = orc.TrainingOracle(7, ledger=ledger)
    for c in configs:
        extra.train(*c)
    extra.train(1e7, 2e8, 5e-3, 2**16)  # a run the submitted ledger does not hold
    assert any("not in the ledger" in p for p in ps_grading.ledger_problems({"oracle": extra}, 7))
    ledger.unlink()
    fresh = orc.TrainingOracle(7, ledger=ledger)  # no ledger submitted: the re-run writes its own
    for c in configs:
        fresh.train(*c)
    problems = ps_grading.ledger_problems({"oracle": fresh}, 7)
    assert any("holds 0 runs" in p for p in problems) and any("not in the ledger" in p for p in problems)


# ---------------------------------------------------------------------------
# the student edition
# ---------------------------------------------------------------------------
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


def test_instructor_only_spans_are_removed_and_links_to_the_guide_refused(tmp_path, monkeypatch):
    page = "a\n<!-- instructor-only -->\n**Instructors**: see {doc}`the guide <instructors>`.\n<!-- end instructor-only -->\nb\n"
    assert build.strip_instructor_only(page) == "a\nb\n"
    with pytest.raises(ValueError, match="not closed"):
        build.strip_instructor_only("a\n<!-- instructor-only -->\nb\n")
    src = build.student_source(tmp_path / "src")  # the real pages: no dangling link to the guide
    assert not (src / "instructors.md").exists() and (src / "intro.md").is_file()
    assert "instructor-only" not in (src / "intro.md").read_text()


def test_student_table_of_contents_leaves_out_the_instructors_guide():
    toc = build.student_toc(yaml.safe_load((REPO / "_toc.yml").read_text()))
    files = [c["file"] for p in toc["parts"] for c in p["chapters"]]
    assert "instructors" not in files and "chapters/lab" in files
    assert all(p["chapters"] for p in toc["parts"])


def _chapter_solution_text(page: Path) -> list[str]:
    """Distinctive lines that appear only inside the chapter's solutions."""
    text = page.read_text()
    kept = set(build.strip_solutions(text).splitlines())
    removed = [ln.strip() for ln in text.splitlines() if ln not in kept]
    return [ln for ln in removed if len(ln) > 40 and not ln.startswith(("```", "````", ":")) and "{glue" not in ln
            and "{cite" not in ln and "$" not in ln and "`" not in ln]


@pytest.mark.slow
def test_student_build_tree_holds_no_solution_hidden_test_or_instructor_page(tmp_path):
    made = build.build_notebooks(tmp_path, "student")
    html = build.build_student_book(tmp_path, chapters=["power_laws"])
    assert (html / "chapters" / "power_laws.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book", "notebooks"]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not [p for p in files if p.suffix == ".py" or p.name.endswith(".zip")]
    blob = "\n".join(p.read_text(errors="ignore") for p in files)
    flat = re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", "", blob)))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "# SOLUTION", "hidden: true", "BEGIN TEST CONFIG",
                   "ps_grading", 'class="solution', "Instructor's guide", "instructors-guide"):
        assert marker not in blob, marker
    for m in made:
        assert not _leaks(blob, m["name"], short=False), m["name"]
    secrets = _chapter_solution_text(REPO / "chapters" / "power_laws.md")
    assert len(secrets) >= 3
    assert not [s for s in secrets if s in blob or re.sub(r"\s+", " ", s) in flat]
    assert (html / "chapters" / "power_laws.html").read_text().count('class="exercise') >= 3  # the exercises stay
