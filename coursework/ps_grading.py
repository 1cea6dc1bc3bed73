"""Checks that the problem sets' hidden tests share; shipped in every autograder zip.

Otter copies this file next to the submission before it runs the notebook, so
a hidden test can ``from ps_grading import forbid``. Nothing here is secret:
the module only reads the submission, never the solutions.

* :func:`forbid` fails a test when the submitted notebook's code calls a
  library function that computes the answer directly (a question says which).
  The scan is static (Python's ``ast`` over every code cell of the submitted
  notebook): it catches the call however the function is imported or aliased
  through an attribute, ``from ... import``, ``import *`` or a literal
  ``getattr``, but not code built at run time (``exec`` of a computed string),
  which is deliberate misconduct rather than a shortcut.
* :func:`forbid_in_function` fails a test when a function the student wrote
  reaches a forbidden function or module, through its own code, nested
  functions, closures or helper functions it calls.
* :func:`oracle_seed` and :func:`ledger_problems` grade the training-oracle
  project: the seed must be the one the course key assigns to the submitter,
  and the ledger must be the one the student submitted, replayed without a
  single new run.
"""

from __future__ import annotations

import ast
import builtins
import glob
import importlib
import json
import re
import types
from pathlib import Path

#: The oracle's functions and internals that reveal (or rewrite) the hidden law or the ledger.
ORACLE_LAW_NAMES = ("draw_law", "true_answer", "grade_prediction", "verify_ledger", "HiddenLaw",
                    "expected_loss", "lr_opt", "lr_max", "batch_opt", "parametric", "_law", "_simulate",
                    "_run_rng", "_runs", "_replayed", "_save", "_load", "_digest", "_run_from_json")
#: Runs the submitted ledger must hold for the project's ledger point.
MIN_LEDGER_RUNS = 10
#: The placeholder the project's notebook carries until the student types an id.
STUDENT_ID_PLACEHOLDER = ""
_HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------------------
# the submitted notebook's code
# ---------------------------------------------------------------------------
def notebook_code(directory: str | Path = ".") -> list[str]:
    """Sources of the code cells of the one notebook in ``directory`` (where otter grades it).

    Falls back to IPython's input history when there is no single notebook
    (a submission graded as a script).
    """
    notebooks = sorted(glob.glob(str(Path(directory) / "*.ipynb")))
    if len(notebooks) == 1:
        nb = json.loads(Path(notebooks[0]).read_text(encoding="utf-8"))
        out = []
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                src = cell.get("source", "")
                out.append("".join(src) if isinstance(src, list) else src)
        return out
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - otter always has IPython
        return []
    shell = get_ipython()
    return list(shell.user_ns.get("In", [])) if shell is not None else []


def _to_python(source: str) -> str:
    """A cell's source as plain Python (IPython magics and shell escapes turned into calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover
        return source
    return TransformerManager().transform_cell(source)


def _star_exports(module_name: str | None) -> set[str]:
    if not module_name:
        return set()
    try:
        module = importlib.import_module(module_name)
    except Exception:  # noqa: BLE001 - an unimportable module exports nothing we can see
        return set()
    names = getattr(module, "__all__", None)
    return set(names) if names is not None else {n for n in vars(module) if not n.startswith("_")}


def uses(names, sources) -> list[str]:
    """Which of ``names`` the code ``sources`` reaches, as ``"name (cell i)"`` strings.

    A name counts when it is read as an attribute (``ch.compute_optimal``),
    imported by name or by ``*`` from a module that exports it, called as a
    bare name the notebook never binds, or fetched with ``getattr(obj, "name")``.
    A variable or function of the student's that merely shares the name
    (``alpha_C_min = ...``) does not count. A cell that does not parse is
    searched as text.
    """
    names = set(names)
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(_to_python(source)))
        except SyntaxError:
            trees.append(None)
    defined = set()  # names the student binds: their own functions and variables may share a name
    for tree in filter(None, trees):
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                defined.add(node.id)
            elif isinstance(node, ast.arg):
                defined.add(node.arg)
    found = []
    for i, (source, tree) in enumerate(zip(sources, trees)):
        if tree is None:
            hits = {n for n in names if re.search(rf"\b{re.escape(n)}\b", source)}
            found += [f"{n} (cell {i})" for n in sorted(hits)]
            continue
        hits = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in names:
                hits.add(node.attr)
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in names:
                        hits.add(alias.name)
                    elif alias.name == "*":
                        hits |= names & _star_exports(node.module)
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id in names - defined:
                    hits.add(node.func.id)
                if (isinstance(node.func, ast.Name) and node.func.id == "getattr" and len(node.args) >= 2
                        and isinstance(node.args[1], ast.Constant) and node.args[1].value in names):
                    hits.add(node.args[1].value)
        found += [f"{n} (cell {i})" for n in sorted(hits)]
    return found


def forbid(*names: str, sources=None) -> None:
    """Fail (``AssertionError``) if the submitted notebook's code reaches any of ``names``."""
    found = uses(names, notebook_code() if sources is None else sources)
    assert not found, "this question forbids calling " + ", ".join(found)


# ---------------------------------------------------------------------------
# functions the student wrote
# ---------------------------------------------------------------------------
def _code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def function_uses(fn, names=(), modules=()) -> list[str]:
    """What ``fn`` reaches of the functions ``names`` or of the modules ``modules`` (dotted names).

    Follows the names in ``fn``'s code (and nested code), its closure, and the
    functions it calls that were defined in the same namespace (the notebook).
    A reference counts when its name is in ``names``, or when it resolves to a
    module in ``modules`` or to an object defined in one.
    """
    names, modules = set(names), set(modules)

    def forbidden(name, obj):
        if name in names:
            return True
        if isinstance(obj, types.ModuleType):
            return obj.__name__ in modules
        return getattr(obj, "__module__", None) in modules or getattr(obj, "__name__", None) in names

    found, seen, todo = [], set(), [fn]
    while todo:
        f = todo.pop()
        if id(f) in seen or not isinstance(f, types.FunctionType):
            continue
        seen.add(id(f))
        scope = dict(f.__globals__)
        if f.__closure__:
            for var, cell in zip(f.__code__.co_freevars, f.__closure__):
                try:
                    scope[var] = cell.cell_contents
                except ValueError:  # an empty cell
                    pass
        for code in _code_objects(f.__code__):
            for name in code.co_names + code.co_freevars:
                obj = scope.get(name, getattr(builtins, name, None))
                if forbidden(name, obj):
                    real = getattr(obj, "__name__", name)
                    alias = f" = {getattr(obj, '__module__', None) or ''}.{real}".replace(" = .", " = ") \
                        if real != name else ""
                    found.append(f"{name}{alias} (in {f.__name__})")
                elif isinstance(obj, types.FunctionType) and obj.__module__ == fn.__module__:
                    todo.append(obj)  # a helper the student wrote
    return found


def forbid_in_function(fn, names=(), modules=()) -> None:
    """Fail (``AssertionError``) if the student's function ``fn`` reaches a forbidden name or module."""
    assert callable(fn), "the answer must be a function"
    found = function_uses(fn, names, modules)
    assert not found, "this question forbids calling " + ", ".join(sorted(set(found)))


# ---------------------------------------------------------------------------
# the training-oracle project
# ---------------------------------------------------------------------------
def course() -> dict:
    """The course settings the instructor built the autograder with (``course.json`` next to this file)."""
    return json.loads((_HERE / "course.json").read_text(encoding="utf-8"))


def submitters(metadata_path: str | Path = "../submission_metadata.json") -> list[dict]:
    """The submitters Gradescope lists (empty when grading locally with ``otter run``)."""
    path = Path(metadata_path)
    if not path.is_file():
        return []
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users") or []
    except (ValueError, AttributeError):
        return []
    return [u for u in users if isinstance(u, dict)]


def oracle_seed(ns: dict, metadata_path: str | Path = "../submission_metadata.json") -> int:
    """The seed the grader uses: the course key's seed for the submitter; asserts the notebook used it.

    ``ns`` is the notebook's namespace (``globals()`` in a hidden test). Fails
    when the notebook reads the hidden law, builds a second oracle, uses a
    seed other than ``student_seed(course key, STUDENT_ID)``, or (on
    Gradescope) names a ``STUDENT_ID`` that is not the submitter's email or
    student id.
    """
    from scalinglaws import oracle as orc

    forbid(*ORACLE_LAW_NAMES)
    built = uses(["TrainingOracle"], notebook_code())
    assert len(built) == 1, "build exactly one TrainingOracle (the one in the set-up cell)"
    student_id = ns.get("STUDENT_ID")
    assert isinstance(student_id, str) and student_id.strip() != STUDENT_ID_PLACEHOLDER, "set STUDENT_ID"
    people = submitters(metadata_path)
    if people:
        ids = {str(u.get(k, "")).strip().lower() for u in people for k in ("email", "sid")} - {""}
        assert student_id.strip().lower() in ids, "STUDENT_ID is not the submitter's email or student id"
    seed = orc.student_seed(course()["course_key"], student_id.strip())
    oracle = ns.get("oracle")
    assert ns.get("SEED") == seed and isinstance(oracle, orc.TrainingOracle) and oracle.seed == seed, \
        "SEED is not the seed the course key assigns to STUDENT_ID"
    assert oracle.budget_flops == orc.DEFAULT_BUDGET_FLOPS, "the budget was changed"
    return seed


def ledger_problems(ns: dict, seed: int, min_runs: int = MIN_LEDGER_RUNS) -> list[str]:
    """Why the submitted ledger does not count (empty list: it does).

    The ledger must have been submitted (the oracle read at least ``min_runs``
    runs from it when the notebook started), grading must have replayed the
    notebook from it without one new run, and every recorded run must
    reproduce from the hidden law within the budget.
    """
    from scalinglaws import oracle as orc

    oracle = ns["oracle"]
    problems = []
    if oracle.ledger is None:
        return ["the oracle keeps no ledger file"]
    if oracle.loaded_runs < min_runs:
        problems.append(f"the submitted ledger holds {oracle.loaded_runs} runs (at least {min_runs} needed)")
    if oracle.new_runs:
        problems.append(f"re-running the notebook needed {oracle.new_runs} runs that are not in the ledger")
    if oracle.ledger.is_file():
        check = orc.verify_ledger(oracle.ledger, seed, budget_flops=orc.DEFAULT_BUDGET_FLOPS)
        problems += check["problems"]
    else:
        problems.append("no ledger file")
    return problems
