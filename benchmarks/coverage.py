"""Measure how often each fitter's nominal intervals cover the truth, on sweeps simulated from a known law.

    python benchmarks/coverage.py                      # 200 trials per case, table on stdout
    python benchmarks/coverage.py --json               # one JSON object per case
    python benchmarks/coverage.py --save data/fitting  # also write coverage.csv + its sidecar (what the book ships)
    python benchmarks/coverage.py --trials 20 --cases "approach 2 (centred)"   # a quick look

Each trial draws a sweep from Epoch AI's law (:mod:`scalinglaws.fitting.calibration`:
power law with E on 12 sizes, 16 training curves for Approach 1, IsoFLOP
sweeps on centred and fixed grids for Approaches 2 and 3, multiplicative noise
of 0.3-0.5%), fits it with the fitter's default intervals at ``--level`` and
checks whether the interval covers the true exponent. Trial ``i`` uses seed
``i``, so a run is reproducible and its trials can be split over processes
(``--jobs``). The target is a share within [0.85, 0.95] for 90% intervals
of every default case; with 200 trials a share's standard error is about
0.02. Two comparison cases show what the defaults replace: Hoffmann et al.'s
80% subsamples for Approach 1, and one parabola per budget on a fixed grid.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import io
import json
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import scalinglaws
from scalinglaws.fitting.calibration import CASES, run_trial

COLUMNS = ("fitter", "default", "design", "parameter", "level", "trials", "coverage", "coverage_se", "median_width",
           "bias", "sd", "failed_resamples", "requested_resamples", "method", "cpu_seconds")


def _run(args):
    case, seeds, resamples, level = args
    t0 = time.process_time()
    trials = [run_trial(case, s, resamples=resamples, level=level) for s in seeds]
    return case, trials, time.process_time() - t0


def summarise(case, trials, level, cpu):
    covered = np.array([t.covered for t in trials], float)
    est = np.array([t.estimate for t in trials])
    truth = trials[0].truth
    p = covered.mean()
    return {
        "fitter": case,
        "default": CASES[case].default,
        "design": CASES[case].design,
        "parameter": CASES[case].parameter,
        "level": level,
        "trials": len(trials),
        "coverage": round(float(p), 4),
        "coverage_se": round(float(np.sqrt(p * (1 - p) / len(trials))), 4),
        "median_width": float(np.median([t.high - t.low for t in trials])),
        "bias": float(est.mean() - truth),
        "sd": float(est.std(ddof=1)),
        "failed_resamples": int(sum(t.failed for t in trials)),
        "requested_resamples": int(sum(t.requested for t in trials)),
        "method": CASES[case].description,
        "cpu_seconds": round(cpu, 1),
    }


def _git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "code"], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + (" (code/ modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def save(rows, folder: Path, argv, args, commit):
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    raw = buf.getvalue().encode("utf-8")
    (folder / "coverage.csv").write_bytes(raw)
    meta = {
        "description": "Share of nominal-level intervals that covered the true exponent, per fitter and sweep "
                       "design, over simulated sweeps from Epoch AI's law (scalinglaws.fitting.calibration).",
        "command": "python benchmarks/coverage.py " + " ".join(argv),
        "code_commit": commit,
        "scalinglaws_version": scalinglaws.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": __import__("scipy").__version__,
        "date": datetime.date.today().isoformat(),
        "trials_per_case": args.trials,
        "seeds": f"trial i uses seed i, i = 0..{args.trials - 1}",
        "resamples_per_trial": args.resamples,
        "level": args.level,
        "target": [0.85, 0.95],
        "columns": {
            "fitter": "the case: fitter and design (scalinglaws.fitting.calibration.CASES)",
            "default": "true for the library's default intervals (the target applies to these); false for a "
                       "comparison kept to show why it is not the default",
            "design": "how the sweep was drawn",
            "parameter": "the exponent whose interval is checked (alpha of the power law, a of the frontier)",
            "level": "nominal level of the intervals",
            "trials": "simulated sweeps",
            "coverage": "share of trials whose interval covered the truth",
            "coverage_se": "binomial standard error of that share",
            "median_width": "median width of the intervals",
            "bias": "mean estimate minus the truth",
            "sd": "standard deviation of the estimates over trials",
            "failed_resamples": "refits that failed, summed over trials (counted, never dropped silently)",
            "requested_resamples": "refits requested, summed over trials",
            "method": "the fitter's default resampling and interval",
            "cpu_seconds": "CPU time of the case",
        },
        "sha256": hashlib.sha256(raw).hexdigest(),
    }
    (folder / "coverage.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="simulated sweeps per case (default 200)")
    parser.add_argument("--resamples", type=int, default=200, help="bootstrap resamples per fit (default 200)")
    parser.add_argument("--level", type=float, default=0.9, help="nominal level (default 0.9)")
    parser.add_argument("--cases", nargs="*", default=list(CASES), help="cases to run (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per case instead of a table")
    parser.add_argument("--save", type=Path, default=None, help="folder to write coverage.csv and coverage.json to")
    args = parser.parse_args(argv)
    for case in args.cases:
        if case not in CASES:
            parser.error(f"--cases: {case!r} is not one of {list(CASES)}")
    commit = _git_commit()  # the code that runs, read before it runs
    # split every case's seeds into chunks so that --jobs processes share the work evenly
    chunks = max(1, args.jobs) * 2
    work = [(case, list(range(args.trials))[k::chunks], args.resamples, args.level)
            for case in args.cases for k in range(chunks)]
    results = {case: ([], 0.0) for case in args.cases}
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            done = list(pool.map(_run, work))
    else:
        done = [_run(w) for w in work]
    for case, trials, cpu in done:
        acc, t = results[case]
        results[case] = (acc + trials, t + cpu)
    rows = [summarise(case, sorted(trials, key=lambda t: t.seed), args.level, cpu)
            for case, (trials, cpu) in results.items()]
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(f"nominal level {args.level:g}; {args.trials} trials per case; {args.resamples} resamples per fit")
        print(f"{'fitter':40s} {'coverage':>9s} {'(se)':>7s} {'width':>8s} {'bias':>8s} {'sd':>7s} {'failed':>7s}")
        for r in rows:
            print(f"{r['fitter']:40s} {r['coverage']:9.3f} {r['coverage_se']:7.3f} {r['median_width']:8.4f} "
                  f"{r['bias']:+8.4f} {r['sd']:7.4f} {r['failed_resamples']:7d}"
                  + ("" if r["default"] else "  (comparison)"))
    if args.save is not None:
        save(rows, args.save, argv, args, commit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
