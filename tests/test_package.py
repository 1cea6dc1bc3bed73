"""The package layout: `scalinglaws` imports, `code` never shadows the standard library."""

import subprocess
import sys
from pathlib import Path

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
