"""Peak memory of executing each chapter, as a reader on Binder would: kernel plus every process it starts.

    python benchmarks/chapter_memory.py                      # every chapter, this environment's Python
    python benchmarks/chapter_memory.py lab power_laws       # some chapters
    python benchmarks/chapter_memory.py --make-venv DIR      # build a Binder-like venv in DIR and measure in it
    python benchmarks/chapter_memory.py --python DIR/bin/python

Binder (repo2docker) installs ``binder/requirements.txt`` (the CPU build of
torch, the package with the extras a reader needs, JupyterLab);
``--make-venv`` does the same in a virtual environment with the Python of
``binder/runtime.txt``. mybinder.org
guarantees 1 GB of memory to a session (and stops a kernel above 2 GB); the
book's target is 800 MB per chapter, so that a reader can also open a second
notebook.

Each chapter (MyST Markdown) is converted with jupytext and executed with
nbclient in a kernel of the chosen Python, in the chapter's folder (as the
book build runs it). A sampler reads, every ``--interval`` seconds, the
resident set size (RSS) of the kernel and of all its descendants (the lab's
spawned training workers included) and keeps the largest sum, and the
proportional set size (PSS: shared pages split between the processes) at the
same instants, which is closer to what the container's memory limit counts
when processes share libraries. The table gives both peaks in MB (10^6 bytes),
the most processes seen at once, and the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
#: Binder's guaranteed memory and the book's target per chapter (bytes).
BINDER_GUARANTEE = 1e9
TARGET = 800e6


class PeakSampler(threading.Thread):
    """Samples a process tree's memory until stopped; keeps the peaks."""

    def __init__(self, pid: int, interval: float):
        super().__init__(daemon=True)
        self.root, self.interval = psutil.Process(pid), interval
        self.peak_rss = self.peak_pss = 0
        self.max_procs = 0
        self._done = threading.Event()

    def _tree(self):
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def sample(self):
        rss = pss = 0
        procs = self._tree()
        for p in procs:
            try:
                info = p.memory_full_info()
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.max_procs = max(self.max_procs, len(procs))

    def run(self):
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self):
        self.sample()
        self._done.set()
        self.join()


def _kernel_spec(python: Path, where: Path) -> str:
    """A kernelspec (in a private Jupyter path) that runs ``python``; returns its name."""
    name = "chapter-memory"
    spec = where / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chapter memory", "language": "python"}))
    return name


def measure(chapter: Path, python: Path, interval: float, timeout: int) -> dict:
    """Execute one chapter; return its peaks (bytes), process count and wall time (s)."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(chapter)
    with tempfile.TemporaryDirectory(prefix="chapter-memory-") as tmp:
        os.environ["JUPYTER_PATH"] = tmp
        name = _kernel_spec(python, Path(tmp))
        client = NotebookClient(nb, timeout=timeout, kernel_name=name,
                                resources={"metadata": {"path": str(chapter.parent)}})
        t0 = time.perf_counter()
        with client.setup_kernel():
            sampler = PeakSampler(client.km.provisioner.process.pid, interval)
            sampler.start()
            try:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
            finally:
                sampler.stop()
        wall = time.perf_counter() - t0
    return {"chapter": chapter.stem, "peak_rss": sampler.peak_rss, "peak_pss": sampler.peak_pss,
            "processes": sampler.max_procs, "wall_s": wall}


def make_venv(dest: Path, extra_index: bool = True) -> Path:
    """A Binder-like venv: what repo2docker installs from ``binder/``. Returns its python.

    repo2docker runs ``pip install -r binder/requirements.txt`` from the
    repository's root (the CPU build of torch, the package with the extras a
    reader needs, JupyterLab, at the versions of ``constraints.txt``); its
    ``postBuild`` only writes JupyterLab settings, which do not change memory.
    """
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()  # e.g. python-3.11
    version = runtime.split("-", 1)[1]
    base = sys.executable if f"{sys.version_info.major}.{sys.version_info.minor}" == version else f"python{version}"
    subprocess.run([base, "-m", "venv", dest], check=True)
    python = dest / "bin" / "python"
    reqs = (REPO / "binder" / "requirements.txt").read_text()
    # relative -c paths are relative to the requirements file: make them absolute for the copy
    reqs = reqs.replace("-c ../", f"-c {REPO}/")
    if not extra_index:
        reqs = "\n".join(ln for ln in reqs.splitlines() if not ln.startswith("--extra-index-url"))
    copy = dest / "binder-requirements.txt"
    copy.write_text(reqs)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", copy], check=True, cwd=REPO)
    return python


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter in the table of contents)")
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="the kernel's Python")
    parser.add_argument("--make-venv", type=Path, help="build a Binder-like venv here first and use its Python")
    parser.add_argument("--no-extra-index", action="store_true",
                        help="with --make-venv: drop binder's --extra-index-url (when download.pytorch.org is "
                             "unreachable and pip finds the CPU wheel of torch elsewhere, e.g. a local wheel cache)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    parser.add_argument("--timeout", type=int, default=1200, help="per-cell timeout in seconds")
    args = parser.parse_args(argv)
    if args.interval <= 0:
        parser.error("--interval must be positive")
    toc = [line.split("chapters/", 1)[1].strip() for line in (REPO / "_toc.yml").read_text().splitlines()
           if "file: chapters/" in line]
    names = args.chapters or toc
    unknown = [n for n in names if not (REPO / "chapters" / f"{n}.md").is_file()]
    if unknown:
        parser.error(f"no such chapter: {', '.join(unknown)}")
    python = make_venv(args.make_venv, extra_index=not args.no_extra_index) if args.make_venv else args.python
    torch = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    print(f"kernel: {python} (Python {subprocess.check_output([python, '-c', 'import sys; print(sys.version.split()[0])'], text=True).strip()}, "
          f"torch {torch.stdout.strip() or 'absent'}); {psutil.cpu_count()} CPUs; "
          f"sampling every {args.interval:g} s")
    print(f"{'chapter':<22}{'peak RSS (MB)':>15}{'peak PSS (MB)':>15}{'processes':>11}{'wall (s)':>10}  within 800 MB")
    worst = 0.0
    for name in names:
        r = measure(REPO / "chapters" / f"{name}.md", python, args.interval, args.timeout)
        worst = max(worst, r["peak_rss"])
        print(f"{r['chapter']:<22}{r['peak_rss'] / 1e6:>15.0f}{r['peak_pss'] / 1e6:>15.0f}{r['processes']:>11d}"
              f"{r['wall_s']:>10.0f}  {'yes' if r['peak_rss'] <= TARGET else 'NO'}", flush=True)
    print(f"largest peak RSS: {worst / 1e6:.0f} MB (target {TARGET / 1e6:.0f} MB; Binder guarantees "
          f"{BINDER_GUARANTEE / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
