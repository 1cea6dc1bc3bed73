"""The package layout: `scalinglaws` imports, `code` never shadows the standard library."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_scalinglaws_imports_without_torch_side_effects():
    out = subprocess.run(
        [sys.executable, "-c", "import sys, scalinglaws; print('torch' in sys.modules)"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "False"


def test_code_is_the_standard_library_module_even_from_repo_root():
    # IPython imports the stdlib `code` module; the repo's code/ folder must not shadow it.
    out = subprocess.run(
        [sys.executable, "-c", "import code; print(hasattr(code, 'InteractiveConsole'))"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == "True"


# --- an installed copy, from any directory, without torch -------------------------------------------

# Makes `import torch` fail as it does where torch is not installed.
_NO_TORCH = """
import importlib.abc, sys
class _NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _NoTorch())
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``pip install --target T .`` from a copy of the source (the build leaves ``build/`` beside it);
    no dependencies: those come from the test's environment."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    for name in ("code", "data"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    target = tmp_path_factory.mktemp("target")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, text=True)
    return target


def _run_installed(target, code, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    return subprocess.run([sys.executable, "-c", _NO_TORCH + code], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.mark.slow
def test_installed_copy_reads_its_data_and_reports_the_lab_without_torch(installed, tmp_path):
    code = """
import json, scalinglaws, sys
from scalinglaws import datasets
from scalinglaws.cli import main
assert scalinglaws.__file__.startswith(sys.argv[1] if len(sys.argv) > 1 else %r), scalinglaws.__file__
print(datasets.load_epoch_data().N.size)
sys.exit(main(["lab", "report", "cpu", "--bootstrap", "0"]))
""" % str(installed)
    out = _run_installed(installed, code, tmp_path)
    assert out.returncode == 0, out.stderr
    first, rest = out.stdout.split("\n", 1)
    assert first == "240"
    report = json.loads(rest)
    assert report["preset"] == "cpu" and report["experiments"]
    assert "torch" not in out.stderr


@pytest.mark.slow
def test_installed_copy_without_torch_refuses_training_in_one_line(installed, tmp_path):
    code = "import sys\nfrom scalinglaws.cli import main\nsys.exit(main(['lab', 'run', 'smoke']))"
    out = _run_installed(installed, code, tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "PyTorch" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.slow
def test_installed_copy_loads_the_published_runs_and_the_coverage_table(installed, tmp_path):
    code = """
from scalinglaws import datasets
print(len(datasets.load_porian2024().frame), len(datasets.load_gadre2024()), len(datasets.load_muennighoff2023()),
      datasets.load_coverage().frame["trials"].min() >= 200)
"""
    out = _run_installed(installed, code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1745", "104", "182", "True"]
