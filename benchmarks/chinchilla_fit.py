"""Time the fast Approach-3 fitter against the reference 4,500-start L-BFGS-B grid on Epoch's 240 points.

    python benchmarks/chinchilla_fit.py           # full reference grid (about 10 minutes on 2 cores)
    python benchmarks/chinchilla_fit.py --quick   # a random 100-start subset of the grid (smoke check)

The reference is Hoffmann et al.'s procedure as replicated by Besiroglu et al.
(2024): scipy L-BFGS-B with default tolerances and finite-difference
gradients from every point of the 5x5x5x6x6 grid, keeping the best. The fast
fitter (:func:`scalinglaws.fitting.fit_parametric`) screens the grid in one
vectorised pass and runs L-BFGS-B with the analytic gradient from the best 12.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from scalinglaws import datasets, fitting
from scalinglaws.fitting import parametric


def describe(name: str, fit, seconds: float) -> str:
    return (f"{name:<34s} {seconds:9.2f} s  objective {fit.objective:.9e}  starts {fit.n_starts:5d}  "
            f"A={fit.A:8.2f} B={fit.B:8.2f} E={fit.E:.4f} alpha={fit.alpha:.5f} beta={fit.beta:.5f} a={fit.a:.4f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run a random subset of the reference grid")
    parser.add_argument("--subset", type=int, default=100, help="grid starts in --quick mode (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the --quick subset")
    parser.add_argument("--repeat", type=int, default=5, help="timed repeats of the fast fitter (best is reported)")
    args = parser.parse_args(argv)

    data = datasets.load_epoch_data()
    print(f"Epoch AI data: {data.N.size} points (5 highest-loss of 245 dropped); "
          f"python {platform.python_version()}, {platform.machine()}")

    times = []
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        fast = fitting.fit_parametric(data.N, data.D, data.loss)
        times.append(time.perf_counter() - t0)
    print(describe("fast fitter (screen + 12 starts)", fast, min(times)))
    print(f"{'':34s} (median of {len(times)} runs: {np.median(times):.2f} s)")

    grid = parametric.hoffmann_grid()
    label = "reference grid (4500 starts)"
    if args.quick:
        rng = np.random.default_rng(args.seed)
        grid = grid[np.sort(rng.choice(len(grid), size=min(args.subset, len(grid)), replace=False))]
        label = f"reference grid subset ({len(grid)} starts)"
    t0 = time.perf_counter()
    ref = fitting.fit_parametric_grid(data.N, data.D, data.loss, grid=grid, progress=False)
    t_ref = time.perf_counter() - t0
    print(describe(label, ref, t_ref))

    rel = (fast.objective - ref.objective) / ref.objective
    print(f"objective: fast - reference = {fast.objective - ref.objective:+.3e} (relative {rel:+.2e}); "
          f"speed-up {t_ref / min(times):.0f}x")
    for name in ("A", "B", "E", "alpha", "beta"):
        print(f"  {name:5s} fast {getattr(fast, name):.6g}  reference {getattr(ref, name):.6g}  "
              f"relative difference {getattr(fast, name) / getattr(ref, name) - 1:+.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
