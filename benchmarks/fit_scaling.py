"""Time and peak memory of ``python -m scalinglaws fit`` as the number of runs grows, and of the Epoch refit.

    python benchmarks/fit_scaling.py                          # 10^3 ... 10^6 rows, --form chinchilla
    python benchmarks/fit_scaling.py --rows 1000 100000       # the two sizes the acceptance check compares
    python benchmarks/fit_scaling.py --form gadre --bootstrap 0

Each size writes a CSV of synthetic runs (N, D, loss from Epoch AI's law
with 0.5% noise) to a temporary folder and runs the command in a fresh
process, as a user would, with its default intervals (200 resamples) unless
``--bootstrap`` says otherwise. It prints the wall time, the CPU time and the
peak resident memory of that process (``os.wait4``), then the ratios to the
smallest size. Beyond 2,000 runs the fitters search on an evenly spread
subset and resample 2,000 runs at a time (m-out-of-n), so time and memory grow
with the rows only through reading the file and one polish on all of them.
Timings on a shared machine are noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from scalinglaws import datasets, fitting
from scalinglaws.chinchilla import loss
from scalinglaws.constants import EPOCH_2024


def write_runs(path: Path, n: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(7, 10, n)
    D = N * 10 ** rng.uniform(0.5, 2.5, n)
    L = loss(N, D, EPOCH_2024) * np.exp(0.005 * rng.standard_normal(n))
    with path.open("w") as fh:
        fh.write("N,D,loss\n")
        np.savetxt(fh, np.column_stack([N, D, L]), delimiter=",", fmt="%.9g")


def run_cli(args: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit status) of ``python -m scalinglaws <args>`` in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scalinglaws", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode:
        print(err, file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--form", default="chinchilla", help="form to fit (default chinchilla)")
    parser.add_argument("--bootstrap", type=int, default=None, help="resamples (default: the command's own)")
    parser.add_argument("--epoch-repeat", type=int, default=5, help="timed repeats of the Epoch refit")
    args = parser.parse_args(argv)

    data = datasets.load_epoch_data()
    times = []
    for _ in range(max(1, args.epoch_repeat)):
        t0 = time.process_time()
        fitting.fit_parametric(data.N, data.D, data.loss)
        times.append(time.process_time() - t0)
    print(f"Epoch refit ({data.N.size} runs, fit_parametric, no resamples): best {min(times):.2f} s CPU, "
          f"median {np.median(times):.2f} s over {len(times)} runs")

    print(f"python -m scalinglaws fit RUNS.csv --form {args.form}"
          + (f" --bootstrap {args.bootstrap}" if args.bootstrap is not None else " (default 200 resamples)"))
    print(f"{'rows':>9s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s} {'CPU ratio':>10s} {'memory ratio':>13s}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            path = Path(tmp) / f"runs_{n}.csv"
            write_runs(path, n)
            cmd = ["fit", str(path), "--form", args.form]
            if args.bootstrap is not None:
                cmd += ["--bootstrap", str(args.bootstrap)]
            wall, cpu, peak, status = run_cli(cmd)
            if status:
                print(f"{n:9d} failed with exit status {status}")
                continue
            base = base or (cpu, peak)
            print(f"{n:9d} {wall:8.2f} {cpu:8.2f} {peak:8.0f} {cpu / base[0]:10.2f} {peak / base[1]:13.2f}")
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
