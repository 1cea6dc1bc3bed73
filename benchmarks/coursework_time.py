"""Machine time of each problem set: how long its reference solution takes to execute.

    python benchmarks/coursework_time.py

Each problem set is assigned with otter (as ``make instructor`` does) and its
solution notebook is executed top to bottom with nbclient in this
environment, as a student's "Run all" would; the export cell at the end runs
too. The table gives the wall time from the kernel's start to the last cell,
next to the reader's estimate of the student's working time that each set
states ("Expected time"). The machine time is what a student waits for; the
estimate is what the course plan should budget.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "coursework"))
import build  # noqa: E402


def run_notebook(path: Path) -> float:
    """Execute a notebook in its folder; return the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - t0


def main() -> int:
    print(f"{'problem set':<28}{'solution runs (s)':>18}{'reader estimate (min)':>23}")
    with tempfile.TemporaryDirectory(prefix="coursework-time-") as tmp:
        tmp = Path(tmp)
        wheel = build.package_wheel(tmp / "wheel")
        for source in build.problem_sets():
            made = build.assign(source, tmp / "work", wheel=wheel)
            run_dir = tmp / "run" / made["name"]
            run_dir.mkdir(parents=True)
            nb = run_dir / made["solution"].name
            nb.write_bytes(made["solution"].read_bytes())
            seconds = run_notebook(nb)
            print(f"{made['name']:<28}{seconds:>18.1f}{build.summary(source)['minutes']:>23d}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
