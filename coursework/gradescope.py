"""Grade with an autograder zip the way Gradescope does, in a fresh virtual environment.

    python coursework/gradescope.py AUTOGRADER.zip SUBMISSION [SUBMISSION ...]

Gradescope builds its grading image by running the zip's ``setup.sh``: it
installs mamba and runs ``mamba env create -f /autograder/source/environment.yml``,
an environment holding the zip's Python, ``pip`` and ``jupyter_server`` from
conda-forge and, with pip, everything listed under ``pip:`` (otter-grader and
the problem set's requirements: here the pinned dependencies and the
``scalinglaws`` wheel inside the zip). For each submission it unpacks the
upload into ``/autograder/submission`` (a zip upload is extracted), writes
``/autograder/submission_metadata.json`` and runs ``run_autograder``, which
activates the environment and calls ``otter.run.run_autograder.main("/autograder")``.

Docker (and Gradescope's image) is not available where this is tested, so
:func:`create_environment` reproduces the install in a virtual environment:
the interpreter must be the zip's Python version; the conda packages are
installed from PyPI (``pip`` comes with the venv, ``jupyter_server`` is
installed by pip); the ``pip:`` list is installed as written, with
``/autograder/source`` pointing at the unpacked zip. Nothing from the book's
own environment is visible to it (no system site-packages, no user site, no
``PYTHONPATH``, its own Jupyter data directory). What is not reproduced:
the apt packages (the LaTeX ones are installed only for PDF export, which
these zips leave off), ``nb_conda_kernels`` and the Playwright browser.
:func:`grade` then mirrors ``run_autograder`` with a temporary folder in place
of ``/autograder``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

GRADESCOPE_SOURCE = "/autograder/source"
#: conda-forge packages of otter's environment.yml, and how pip spells them ("pip" comes with every venv).
_CONDA_TO_PIP = {"pip": None, "jupyter_server": "jupyter_server"}

# Runs inside the fresh environment: lay out an /autograder-like folder per
# submission and call what run_otter.py calls on Gradescope.
_DRIVER = r'''
import json, shutil, sys, tempfile, zipfile
from pathlib import Path
from otter.run.run_autograder import main as run_autograder

def grade_once(job):
    ag = Path(tempfile.mkdtemp(prefix="gradescope-")) / "autograder"
    for sub in ("source", "submission", "results"):
        (ag / sub).mkdir(parents=True)
    with zipfile.ZipFile(job["autograder"]) as zf:
        zf.extractall(ag / "source")
    for f in job["files"]:
        f = Path(f)
        if f.suffix == ".zip":  # Gradescope extracts an uploaded zip into the submission folder
            with zipfile.ZipFile(f) as zf:
                zf.extractall(ag / "submission")
        else:
            shutil.copy(f, ag / "submission" / f.name)
    (ag / "submission_metadata.json").write_text(json.dumps(job["metadata"]))
    try:
        run_autograder(str(ag), logo=False)
    except Exception as exc:  # the results file, if written, says what happened
        print(f"run_autograder raised {exc!r}", file=sys.stderr)
    results_file = ag / "results" / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else None
    shutil.rmtree(ag.parent)
    return results


jobs = json.loads(Path(sys.argv[1]).read_text())
for job in jobs:
    # No results file means the kernel never started (on a busy machine two kernels can pick
    # the same free port): grade again, as a resubmission would.
    for attempt in range(3):
        results = grade_once(job)
        if results is not None:
            break
    else:
        sys.exit(f"no results after 3 attempts: {job}")
    print("RESULT " + json.dumps(results), flush=True)
'''


def environment_spec(autograder: Path) -> dict:
    """What the zip's ``environment.yml`` asks for: ``{"python": "3.11", "conda": [...], "pip": [...]}``."""
    with zipfile.ZipFile(autograder) as zf:
        env = yaml.safe_load(zf.read("environment.yml"))
    python, conda, pip = None, [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += list(dep.get("pip", []))
        elif dep.startswith("python="):
            python = dep.split("=", 1)[1]
        else:
            conda.append(dep)
    if python is None:
        raise ValueError(f"{autograder}: environment.yml names no Python version")
    return {"python": python, "conda": conda, "pip": pip}


def environment_key(autograder: Path) -> str:
    """A digest of everything the zip installs (files it installs by content): zips with equal keys share an environment."""
    spec = environment_spec(autograder)
    h = hashlib.sha256(json.dumps({k: spec[k] for k in ("python", "conda")}).encode())
    with zipfile.ZipFile(autograder) as zf:
        for req in spec["pip"]:
            h.update(req.encode())
            if req.startswith(GRADESCOPE_SOURCE + "/"):
                h.update(zf.read(req[len(GRADESCOPE_SOURCE) + 1:]))
    return h.hexdigest()


def _clean_env(venv: Path, home: Path) -> dict:
    """Environment variables of a process that sees only the fresh venv (as if it were activated)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "JUPYTER", "VIRTUAL_ENV", "CONDA", "IPYTHON", "MPL"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               PYTHONNOUSERSITE="1", JUPYTER_DATA_DIR=str(home / "jupyter-data"),
               JUPYTER_CONFIG_DIR=str(home / "jupyter-config"), IPYTHONDIR=str(home / "ipython"),
               MPLCONFIGDIR=str(home / "matplotlib"), MPLBACKEND="Agg")
    return env


def _interpreter(version: str) -> str:
    """A local ``python<version>`` to build the venv with (this interpreter when it is that version)."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    found = shutil.which(f"python{version}")
    if not found:
        raise RuntimeError(f"the autograder asks for Python {version}; no python{version} on PATH")
    return found


def create_environment(autograder: Path, dest: Path) -> Path:
    """Reproduce ``setup.sh``'s install of ``autograder`` in a new venv at ``dest``; return its python."""
    spec = environment_spec(autograder)
    dest.mkdir(parents=True, exist_ok=True)
    source = dest / "source"  # stands in for /autograder/source
    with zipfile.ZipFile(autograder) as zf:
        zf.extractall(source)
    venv = dest / "venv"
    subprocess.run([_interpreter(spec["python"]), "-m", "venv", venv], check=True)
    unknown = [c for c in spec["conda"] if c not in _CONDA_TO_PIP]
    if unknown:
        raise RuntimeError(f"no pip equivalent known for the conda packages {unknown}")
    reqs = [_CONDA_TO_PIP[c] for c in spec["conda"] if _CONDA_TO_PIP[c]]
    reqs += [r.replace(GRADESCOPE_SOURCE, str(source)) for r in spec["pip"]]
    env = _clean_env(venv, dest)
    # --no-compile: the same files, byte-compiled on first import instead of at install (faster)
    result = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile", *reqs],
                            capture_output=True, text=True, env=env, cwd=dest)
    if result.returncode:
        raise RuntimeError(f"pip install failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return venv / "bin" / "python"


def grade(python: Path, jobs: list[dict], workdir: Path, workers: int | None = None) -> list[dict]:
    """Grade submissions in the environment of ``python``, each as Gradescope would.

    A job is ``{"autograder": zip, "files": [uploaded files], "metadata": {...}}``
    (``metadata`` is Gradescope's ``submission_metadata.json``; ``{}`` when
    omitted, as ``otter run`` writes). ``workers`` driver processes (default:
    one per CPU, at most four) grade the jobs in parallel; each grading starts
    its own kernel, as Gradescope's containers do. Returns, per job,
    ``{"total", "possible", "scores": {question: points}, "results": <results.json>}``.
    """
    python = Path(python)
    venv = python.parent.parent
    workdir.mkdir(parents=True, exist_ok=True)
    driver = workdir / "gradescope_driver.py"
    driver.write_text(_DRIVER)
    n = max(1, min(workers or min(4, os.cpu_count() or 1), len(jobs)))
    procs = []
    for w in range(n):
        mine = jobs[w::n]
        job_file = workdir / f"jobs{w}.json"
        job_file.write_text(json.dumps([{"autograder": str(Path(j["autograder"]).resolve()),
                                         "files": [str(Path(f).resolve()) for f in j["files"]],
                                         "metadata": j.get("metadata", {})} for j in mine]))
        out, err = open(workdir / f"out{w}.txt", "w+"), open(workdir / f"err{w}.txt", "w+")
        procs.append((mine, out, err, subprocess.Popen([python, driver, job_file], stdout=out, stderr=err,
                                                       env=_clean_env(venv, workdir), cwd=workdir)))
    by_job = {}
    for w, (mine, out, err, proc) in enumerate(procs):
        code = proc.wait()
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
        out.close(), err.close()
        lines = [ln[len("RESULT "):] for ln in stdout.splitlines() if ln.startswith("RESULT ")]
        if code or len(lines) != len(mine):
            raise RuntimeError(f"grading failed:\n{stdout[-4000:]}\n{stderr[-4000:]}")
        for k, line in enumerate(lines):
            by_job[w + k * n] = json.loads(line)
    out = []
    for i in range(len(jobs)):
        results = by_job[i]
        scored = [t for t in results["tests"] if "max_score" in t]
        out.append({"total": round(sum(t["score"] for t in scored), 6),
                    "possible": round(sum(t["max_score"] for t in scored), 6),
                    "scores": {t["name"]: t["score"] for t in scored}, "results": results})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("autograder", type=Path)
    parser.add_argument("submissions", type=Path, nargs="+",
                        help="notebooks or exported zips, each graded alone")
    parser.add_argument("--env", type=Path, help="reuse (or create) the environment in this folder")
    args = parser.parse_args(argv)
    for p in [args.autograder, *args.submissions]:
        if not p.is_file():
            parser.error(f"no such file: {p}")
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        where = args.env or Path(tmp) / "env"
        python = where / "venv" / "bin" / "python"
        if not python.exists():
            python = create_environment(args.autograder, where)
        jobs = [{"autograder": args.autograder, "files": [s]} for s in args.submissions]
        for sub, r in zip(args.submissions, grade(python, jobs, Path(tmp) / "work")):
            print(f"{sub}: {r['total']:g} / {r['possible']:g}  {r['scores']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
