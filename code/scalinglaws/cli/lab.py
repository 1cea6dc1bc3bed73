"""``scalinglaws lab run PRESET``, ``lab report PRESET`` and ``lab verify PRESET``.

``report`` reads cached records only and needs no torch; ``run`` and
``verify`` train models and need torch (``pip install 'scalinglaws[lab]'``):
without it they stop with a one-line message and exit status 2.
"""

from __future__ import annotations

import json
import pathlib
import sys

from scalinglaws.lab.presets import get_preset
from scalinglaws.lab.records import load_results, results_path
from scalinglaws.lab.report import report

__all__ = ["register"]


def _sweep_module():
    """:mod:`scalinglaws.lab.sweep`, or a ``ValueError`` saying how to get torch (which it needs)."""
    try:
        # imported here, not at the top: `lab report` must work where torch is not installed
        from scalinglaws.lab import sweep
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "torch":
            raise
        raise ValueError("training needs PyTorch, which is not installed: pip install 'scalinglaws[lab]' "
                         "(on a CPU-only Linux machine add --index-url https://download.pytorch.org/whl/cpu)") from None
    return sweep


def _run(args) -> int:
    sweep = _sweep_module()
    preset = get_preset(args.preset)
    path = pathlib.Path(args.out) if args.out else results_path(preset.name)
    executor_kwargs = {"cluster": "local"} if args.backend == "submitit-local" else {}
    backend = "submitit" if args.backend.startswith("submitit") else "local"
    records = sweep.run_sweep(preset, path, workers=args.workers, backend=backend, device=args.device,
                              executor_kwargs=executor_kwargs, limit=args.limit, max_group=args.group,
                              precision=args.precision, compile=args.compile)
    print(json.dumps({"preset": preset.name, "results": str(path), "finished_runs": len(records),
                      "total_runs": len(preset.runs)}))
    return 0


def _preset_records(args):
    """The preset named on the command line and its finished runs in the results file."""
    preset = get_preset(args.preset)
    path = pathlib.Path(args.results) if args.results else results_path(preset.name)
    keys = {s.key for s in preset.runs}
    records = [r for r in load_results(path) if r["key"] in keys]
    if not records:
        raise ValueError(f"no finished runs of preset {preset.name!r} in {path}; run 'scalinglaws lab run "
                         f"{preset.name}' first")
    return preset, path, records


def _report(args) -> int:
    preset, path, records = _preset_records(args)
    out = {"preset": preset.name, "results": str(path), "missing_runs": len(preset.runs) - len(records),
           **report(records, bootstrap=args.bootstrap)}
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _verify(args) -> int:
    sweep = _sweep_module()
    preset, path, records = _preset_records(args)
    checks = sweep.verify_records(records, runs=args.runs, seed=args.seed, device=args.device, cheapest=args.cheapest)
    out = {"preset": preset.name, "results": str(path), "checked": checks,
           "all_identical": all(c["identical"] for c in checks),
           "all_verified": all(c["verified"] for c in checks)}
    notes = sorted({c["note"] for c in checks if "note" in c})
    if notes:  # the runs could not be retrained as they were made: say how they were compared
        out["note"] = "; ".join(notes)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if out["all_verified"] else 1


def register(subparsers) -> None:
    """Add the ``lab`` sub-command (with ``run`` and ``report``) to a CLI's sub-parsers."""
    lab = subparsers.add_parser("lab", help="train tiny language models and fit their scaling laws")
    sub = lab.add_subparsers(dest="lab_command", required=True)
    run = sub.add_parser("run", help="run (or resume) a preset sweep; results go to data/lab/PRESET.jsonl")
    run.add_argument("preset", help="smoke, cpu, gpu or beyond")
    run.add_argument("--out", help="results file (JSON Lines); default data/lab/PRESET.jsonl")
    run.add_argument("--workers", type=int, default=None, help="parallel CPU workers (default: the preset's)")
    run.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    run.add_argument("--backend", default="local", choices=["local", "submitit", "submitit-local"],
                     help="local processes, SLURM via submitit, or submitit's local executor")
    run.add_argument("--limit", type=int, default=None, help="stop after this many new runs")
    run.add_argument("--group", type=int, default=None,
                     help="train at most this many runs of one shape together (1: one at a time; "
                          "default: the preset's, else 8 on a CPU and 32 on a GPU)")
    run.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"],
                     help="auto: bf16 autocast on CUDA, fp32 elsewhere")
    run.add_argument("--compile", action="store_true", help="torch.compile the model (in-process runs)")
    run.set_defaults(func=_run)
    rep = sub.add_parser("report", help="fit the scaling laws to a preset's results (JSON on stdout)")
    rep.add_argument("preset", help="smoke, cpu, gpu or beyond")
    rep.add_argument("--results", help="results file (default data/lab/PRESET.jsonl)")
    rep.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for the intervals")
    rep.set_defaults(func=_report)
    ver = sub.add_parser("verify", help="retrain a few cached runs and compare their losses (bit for bit on the "
                                        "device that made them; exit status 1 if any differs)")
    ver.add_argument("preset", help="smoke, cpu, gpu or beyond")
    ver.add_argument("--results", help="results file (default data/lab/PRESET.jsonl)")
    ver.add_argument("--runs", type=int, default=3, help="how many runs to retrain (picked at random)")
    ver.add_argument("--seed", type=int, default=0, help="seed of the random pick")
    ver.add_argument("--cheapest", action="store_true",
                     help="retrain the cheapest runs (fewest FLOPs, their groups included) instead of random ones")
    ver.add_argument("--device", default="auto",
                     help="auto (the records' device if present, else cpu), cpu, cuda or mps")
    ver.set_defaults(func=_verify)
