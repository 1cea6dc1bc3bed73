"""Shared test configuration."""

import os

from hypothesis import HealthCheck, settings

# The machine is shared and noisy: never fail a property test on time, and
# keep CI runs reproducible (the same examples every run).
settings.register_profile(
    "default",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"


def toc_files() -> list[str]:
    """Documents listed in _toc.yml (root first)."""
    text = (REPO / "_toc.yml").read_text()
    return re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", text, flags=re.M)


@pytest.fixture(scope="session")
def book_build() -> subprocess.CompletedProcess:
    """Build the whole book strictly, once per test session (same command and cache as `make book`)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jupyter_book), "build", str(REPO), "--builder", "html",
           "--warningiserror", "--nitpick", "--keep-going"]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
