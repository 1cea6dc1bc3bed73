"""Run sweeps of lab runs: parallel, resumable, with provenance and checksums.

A preset (:class:`~scalinglaws.lab.records.Preset`) lists its runs; every run
already in the results file (matched by its key) is skipped, so a restarted
sweep loses nothing. Only the parent process writes records
(:func:`~scalinglaws.lab.records.append_record`).

Backends
    ``"local"``: ``workers`` processes, each pinned to one core with one
    torch thread (two pinned 1-thread workers beat one 2-thread run for many
    small models), or in-process when ``workers=1`` or on a GPU;
    ``"submitit"``: one job per run through submitit (SLURM on a cluster,
    ``cluster="local"`` for tests), same records.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pathlib
import platform
import random
import sys
import time

import torch
from tqdm.auto import tqdm

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab.records import SCHEMA, Preset, RunSpec, append_record, git_commit, load_results, results_path
from scalinglaws.lab.train import pick_device, train

__all__ = ["run_sweep", "run_one", "provenance", "verify_records"]


def provenance() -> dict:
    """Where and with what a run was made (git commit, versions, platform)."""
    return {"git_commit": git_commit(), "torch": torch.__version__, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "machine": platform.machine()}


def run_one(spec_dict: dict, device: str = "auto", threads: int | None = 1, preset: str = "") -> dict:
    """Train the run described by ``spec_dict`` and return its record (without checksum)."""
    spec = RunSpec.from_dict(spec_dict)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result = train(spec.model, spec.train, device=device, threads=threads, progress=False)
    timing = result.pop("timing")
    prov = provenance()
    prov.update(timing)
    prov.update({"seed": spec.train.seed, "started_utc": started})
    return {"schema": SCHEMA, "key": spec.key, "preset": preset, **spec.to_dict(), "result": result,
            "provenance": prov}


def verify_records(records: list[dict], *, runs: int = 3, seed: int = 0, device: str = "cpu") -> list[dict]:
    """Retrain ``runs`` records picked at random (``seed``) and compare their loss curves with the cached ones.

    Each retraining uses one CPU thread, as the sweep workers do. Returns one
    dict per record: ``key``, ``identical`` (every validation loss equal bit
    for bit) and ``max_abs_diff`` (nats/byte). Records made on another machine
    or torch version can differ in the last bits; the difference says by how much.
    """
    runs = check_scalar("runs", runs, low=1, integer=True)
    if not records:
        raise ValueError("records: nothing to verify")
    pick = random.Random(seed).sample(list(records), min(runs, len(records)))
    out = []
    for rec in pick:
        spec = {k: rec[k] for k in ("experiment", "model", "train", "tags")}
        again = run_one(spec, device=device, threads=1, preset=rec.get("preset", ""))
        old = [p["val_loss"] for p in rec["result"]["curve"]]
        new = [p["val_loss"] for p in again["result"]["curve"]]
        diff = max(abs(a - b) for a, b in zip(old, new)) if len(old) == len(new) else float("inf")
        out.append({"key": rec["key"], "experiment": rec["experiment"], "tags": rec["tags"],
                    "identical": old == new, "max_abs_diff": diff,
                    "wall_s": again["provenance"]["wall_s"]})
    return out


# ---------------------------------------------------------------------------
# local parallel backend
# ---------------------------------------------------------------------------

def _worker_init(cores) -> None:
    """Pin this worker to one core and one torch thread (before torch spins up its pool)."""
    ident = mp.current_process()._identity
    idx = (ident[0] - 1) if ident else 0
    if cores and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cores[idx % len(cores)]})
        except OSError:
            pass
    torch.set_num_threads(1)


def _worker_run(args):
    spec_dict, preset = args
    return run_one(spec_dict, device="cpu", threads=1, preset=preset)


def _submitit_run(spec_dict, preset):  # pragma: no cover - runs in the submitit job
    return run_one(spec_dict, device="auto", threads=None, preset=preset)


def run_sweep(preset: Preset, path=None, *, workers: int | None = None, backend: str = "local",
              device: str = "auto", executor_kwargs: dict | None = None, progress: bool | None = None,
              limit: int | None = None) -> list[dict]:
    """Run every run of ``preset`` not yet in ``path``; return all records of the preset in spec order.

    ``workers``: processes for the CPU backend (default: the preset's, at most
    the cores available). ``limit``: stop after this many new runs (used to
    test interruption). ``executor_kwargs`` go to ``submitit.AutoExecutor``
    (e.g. ``{"cluster": "local"}``) and its ``update_parameters``
    (``{"parameters": {"timeout_min": 60, "slurm_partition": "gpu"}}``).
    """
    if not isinstance(preset, Preset):
        raise ValueError(f"preset must be a Preset, got {type(preset).__name__}")
    check_in("backend", backend, {"local", "submitit"})
    path = pathlib.Path(path) if path is not None else results_path(preset.name)
    done = {r["key"] for r in load_results(path)} if path.exists() else set()
    todo = [s for s in preset.runs if s.key not in done]
    todo = list({s.key: s for s in todo}.values())
    todo.sort(key=lambda s: -s.cost_flops)  # longest first balances the workers
    if limit is not None:
        todo = todo[:check_scalar("limit", limit, low=0, integer=True)]
    if progress is None:
        progress = sys.stderr.isatty()
    bar = tqdm(total=len(todo), disable=not progress, desc=f"lab {preset.name}", unit="run")
    jobs = [(s.to_dict(), preset.name) for s in todo]
    if backend == "submitit":
        _run_submitit(jobs, path, executor_kwargs or {}, bar)
    else:
        dev = pick_device(device)
        try:
            cores = sorted(os.sched_getaffinity(0))
        except AttributeError:
            cores = []
        n = workers if workers is not None else min(preset.workers, max(1, len(cores) or os.cpu_count() or 1))
        n = check_scalar("workers", n, low=1, integer=True)
        if dev.type != "cpu" or n == 1 or len(jobs) <= 1:
            for spec_dict, name in jobs:
                threads = 1 if dev.type == "cpu" and n == 1 else None
                append_record(path, run_one(spec_dict, device=str(dev), threads=threads, preset=name))
                bar.update(1)
        else:
            env_before = os.environ.get("OMP_WAIT_POLICY")
            os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # idle OpenMP threads must not spin
            try:
                ctx = mp.get_context("spawn")
                pool = ctx.Pool(min(n, len(jobs)), initializer=_worker_init, initargs=(cores,))
                try:
                    for rec in pool.imap_unordered(_worker_run, jobs):
                        append_record(path, rec)
                        bar.update(1)
                    pool.close()
                finally:
                    pool.terminate()
                    pool.join()
            finally:
                if env_before is None:
                    os.environ.pop("OMP_WAIT_POLICY", None)
                else:
                    os.environ["OMP_WAIT_POLICY"] = env_before
    bar.close()
    by_key = {r["key"]: r for r in load_results(path)} if path.exists() else {}
    return [by_key[s.key] for s in preset.runs if s.key in by_key]


def _run_submitit(jobs, path, executor_kwargs, bar) -> None:
    try:
        import submitit
    except ModuleNotFoundError:
        raise ValueError("backend='submitit' needs the submitit package (pip install 'scalinglaws[cluster]')") \
            from None
    kwargs = dict(executor_kwargs)
    params = kwargs.pop("parameters", {"timeout_min": 60})
    folder = kwargs.pop("folder", str(pathlib.Path(path).with_suffix("")) + "_submitit")
    executor = submitit.AutoExecutor(folder=folder, **kwargs)
    executor.update_parameters(**params)
    pending = [executor.submit(_submitit_run, spec_dict, name) for spec_dict, name in jobs]
    while pending:
        still = []
        for job in pending:
            if job.done():
                append_record(path, job.result())
                bar.update(1)
            else:
                still.append(job)
        pending = still
        if pending:
            time.sleep(0.5)
