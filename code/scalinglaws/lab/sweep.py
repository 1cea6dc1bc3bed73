"""Run sweeps of lab runs: parallel, resumable, with provenance and checksums.

A preset (:class:`~scalinglaws.lab.records.Preset`) lists its runs; every run
already in the results file (matched by its key) is skipped, so a restarted
sweep loses nothing. Only the parent process writes records
(:func:`~scalinglaws.lab.records.append_record`).

Runs that can share a batched model (same shape and batch; see
:attr:`~scalinglaws.lab.records.RunSpec.group_key`) train together, in groups
(:func:`~scalinglaws.lab.records.plan_groups`), through
:func:`~scalinglaws.lab.train.train_group`; every run still gets its own
record, written when that run finishes.

Backends
    ``"local"``: ``workers`` processes, each pinned to one core with one
    torch thread (two pinned 1-thread workers beat one 2-thread run for many
    small models), or in-process when ``workers=1`` or on a GPU;
    ``"submitit"``: one job per group through submitit (SLURM on a cluster,
    ``cluster="local"`` for tests), same records.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pathlib
import platform
import queue
import random
import sys
import time

import torch
from tqdm.auto import tqdm

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab.records import (SCHEMA, Preset, RunSpec, append_record, git_commit, group_seconds, load_results,
                                     plan_groups, results_path)
from scalinglaws.lab.train import pick_device, train, train_group

__all__ = ["run_sweep", "run_one", "run_group", "provenance", "verify_records", "retrain_cost", "DEFAULT_GROUP",
           "TOLERANCE", "CPU_MAX_GROUPED_D_MODEL"]

#: Runs trained together at most, by device type, when the preset does not say (``Preset.max_group``).
#: A GPU needs many tiny models to fill it. On one CPU thread the gain is what the fixed cost of a
#: step was worth: 8 models at once ran 1.15x faster at d_model 16 and level at 32-80 with 16 x 128
#: tokens a step, 1.8x and 1.4x with 8 x 64 (``benchmarks/lab_throughput.py --batched 8``,
#: ``data/lab/throughput_batched.jsonl``).
DEFAULT_GROUP = {"cpu": 8, "mps": 8, "cuda": 32}

#: On a CPU, wider models train alone: from d_model 96 up, 8 at once ran 7-10% slower than one at a time
#: (their activations no longer fit the core's cache).
CPU_MAX_GROUPED_D_MODEL = 80

#: Largest |difference| of any validation loss (nats/byte) that ``verify_records`` accepts when a run
#: cannot be retrained exactly as it was made. ``"platform"``: the same device type and precision on
#: another machine, CPU model or torch build, or another summation order (a run trained in a group):
#: float rounding, amplified by training most at the edge of stability (measured: 8.5e-4 for a cached
#: cpu run at lr 1e-2 retrained on another host; 1.5e-3 mid-run between grouped and lone training at
#: lr 1e-2). ``"precision"``: another precision or device type, e.g. bf16 on a GPU against fp32 on a
#: CPU (measured on a CPU, bf16 autocast against fp32 over the smoke preset: up to 0.06 at lr 1e-2,
#: 0.002 at 3e-3).
TOLERANCE = {"platform": 5e-3, "precision": 0.1}


def provenance(device: torch.device | None = None) -> dict:
    """Where and with what a run was made (git commit, versions, platform; the GPU's name on CUDA)."""
    out = {"git_commit": git_commit(), "torch": torch.__version__, "python": platform.python_version(),
           "platform": platform.platform(terse=True), "machine": platform.machine()}
    if device is not None and device.type == "cuda":
        out["gpu"] = torch.cuda.get_device_name(device)
        out["cuda"] = torch.version.cuda
    return out


def _record(spec: RunSpec, result: dict, preset: str, started: str, batched_with: list) -> dict:
    timing = result.pop("timing")
    prov = provenance(torch.device(timing["device"]))
    prov.update(timing)
    prov.update({"seed": spec.train.seed, "started_utc": started, "batched_with": sorted(batched_with)})
    return {"schema": SCHEMA, "key": spec.key, "preset": preset, **spec.to_dict(), "result": result,
            "provenance": prov}


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run_one(spec_dict: dict, device: str = "auto", threads: int | None = 1, preset: str = "",
            precision: str = "auto", compile: bool = False) -> dict:
    """Train the run described by ``spec_dict`` alone and return its record (without checksum)."""
    spec = RunSpec.from_dict(spec_dict)
    started = _utc_now()
    result = train(spec.model, spec.train, device=device, threads=threads, progress=False, precision=precision,
                   compile=compile)
    return _record(spec, result, preset, started, [])


def run_group(spec_dicts: list, device: str = "auto", threads: int | None = 1, preset: str = "",
              precision: str = "auto", compile: bool = False, on_record=None) -> list[dict]:
    """Train runs that share a :attr:`~scalinglaws.lab.records.RunSpec.group_key` together; one record each.

    A single run trains alone (:func:`run_one`, the sequential trainer).
    ``on_record(record)`` is called as each run finishes (a member leaves the
    group when its last step is done), so a caller can save it at once.
    Records list the keys of the runs they trained with in
    ``provenance["batched_with"]``.
    """
    specs = [RunSpec.from_dict(d) for d in spec_dicts]
    if not specs:
        raise ValueError("spec_dicts: need at least one run")
    if len(specs) == 1:
        records = [run_one(spec_dicts[0], device, threads, preset, precision, compile)]
        if on_record is not None:
            on_record(records[0])
        return records
    keys = {s.group_key for s in specs}
    if len(keys) != 1 or None in keys:
        raise ValueError("spec_dicts: these runs cannot train together (their group keys differ)")
    started = _utc_now()
    records: list = [None] * len(specs)

    def finished(i, result):
        records[i] = _record(specs[i], result, preset, started, [s.key for j, s in enumerate(specs) if j != i])
        if on_record is not None:
            on_record(records[i])

    train_group(specs[0].model, [s.train for s in specs], device=device, threads=threads, progress=False,
                precision=precision, compile=compile, on_finish=finished)
    return records


def _made_on(rec: dict) -> dict:
    prov = rec["provenance"]
    return {"device": torch.device(prov["device"]).type, "precision": prov.get("precision", "fp32"),
            "platform": prov.get("platform"), "torch": prov.get("torch"), "gpu": prov.get("gpu")}


def _losses(result: dict) -> list[float]:
    """Every validation loss a run recorded: its curve, then the end of each cool-down branch."""
    return [p["val_loss"] for p in result["curve"]] + [c["val_loss"] for c in result.get("cooldowns", [])[:-1]]


def retrain_cost(rec: dict, pool: list[dict] | None = None) -> float:
    """FLOPs of retraining ``rec`` as :func:`verify_records` does: with the members of its group found in
    ``pool``, cool-down branches included."""
    group = [rec]
    if rec["provenance"].get("trainer") == "stacked":
        by_key = {r["key"]: r for r in (pool or [])}
        group += [by_key[k] for k in rec["provenance"].get("batched_with", []) if k in by_key]
    return sum(RunSpec.from_dict(r).cost_flops for r in group)


def verify_records(records: list[dict], *, runs: int = 3, seed: int = 0, device: str = "auto",
                   pool: list[dict] | None = None, cheapest: bool = False) -> list[dict]:
    """Retrain ``runs`` records and compare their validation losses (curve and cool-downs) with the cached ones.

    Records are picked at random (``seed``), or with ``cheapest`` the
    ``runs`` cheapest to retrain (:func:`retrain_cost`): a quick check that
    fits a test suite.

    Each run is retrained as it was made where this machine can: on the
    device type and in the precision its provenance names, with one CPU
    thread on a CPU (as the sweep workers), with the same trainer, and a run
    trained in a group together with the members of that group found in
    ``pool`` (default ``records``). Where the device, precision, platform or
    torch build differ, bits cannot be expected: the curves are compared
    within :data:`TOLERANCE` instead, and the check says so.

    ``device="auto"``: the records' own device type if present here, else the
    CPU. Returns one dict per record: ``key``, ``identical`` (every
    validation loss equal bit for bit), ``max_abs_diff`` (nats/byte),
    ``mode`` (``"bitwise"`` or ``"tolerance"``), ``tolerance``, ``verified``,
    ``made_on``, ``verified_on`` and, in tolerance mode, a ``note`` saying why.
    """
    runs = check_scalar("runs", runs, low=1, integer=True)
    check_in("device", device, {"auto", "cpu", "cuda", "mps"})
    if not records:
        raise ValueError("records: nothing to verify")
    pool = pool if pool is not None else records
    by_key = {r["key"]: r for r in pool}
    if cheapest:
        pick = sorted(records, key=lambda r: (retrain_cost(r, pool), r["key"]))[:runs]
    else:
        pick = random.Random(seed).sample(list(records), min(runs, len(records)))
    out = []
    for rec in pick:
        made = _made_on(rec)
        if device == "auto":
            dev = made["device"] if made["device"] == "cpu" or _available(made["device"]) else "cpu"
        else:
            dev = device
        precision = made["precision"] if dev == made["device"] else "fp32"
        here = {"device": dev, "precision": precision, "platform": platform.platform(terse=True),
                "torch": torch.__version__,
                "gpu": torch.cuda.get_device_name() if dev == "cuda" else None}
        if {k: here[k] for k in ("device", "precision")} != {k: made[k] for k in ("device", "precision")}:
            mode, tol = "tolerance", TOLERANCE["precision"]
            note = (f"made on {made['device']} ({made['precision']}), retrained on {dev} ({precision}): "
                    f"compared within {tol} nats/byte")
        elif here != made:
            mode, tol = "tolerance", TOLERANCE["platform"]
            what = [k for k in ("platform", "torch", "gpu") if here[k] != made[k]]
            note = f"made with another {', '.join(what)}: compared within {tol} nats/byte"
        else:
            mode, tol, note = "bitwise", 0.0, None
        group = [rec]
        if rec["provenance"].get("trainer") == "stacked":
            group += [by_key[k] for k in rec["provenance"].get("batched_with", []) if k in by_key]
        specs = [{k: r[k] for k in ("experiment", "model", "train", "tags")} for r in group]
        t0 = time.perf_counter()
        if rec["provenance"].get("trainer") == "stacked":
            again = run_group(specs, device=dev, threads=1, precision=precision)[0]
        else:
            again = run_one(specs[0], device=dev, threads=1, precision=precision)
        old, new = _losses(rec["result"]), _losses(again["result"])
        diff = max(abs(a - b) for a, b in zip(old, new)) if len(old) == len(new) else float("inf")
        check = {"key": rec["key"], "experiment": rec["experiment"], "tags": rec["tags"],
                 "identical": old == new, "max_abs_diff": diff, "mode": mode, "tolerance": tol,
                 "verified": old == new if mode == "bitwise" else diff <= tol,
                 "made_on": made, "verified_on": here, "group_size": len(group),
                 "wall_s": time.perf_counter() - t0}
        if note:
            check["note"] = note
        out.append(check)
    return out


def _available(device_type: str) -> bool:
    if device_type == "cuda":
        return torch.cuda.is_available()
    if device_type == "mps":
        return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    return device_type == "cpu"


# ---------------------------------------------------------------------------
# local parallel backend
# ---------------------------------------------------------------------------

_QUEUE = None  # each worker's channel for finished records (set by _worker_init)


def _worker_init(cores, queue) -> None:
    """Pin this worker to one core and one torch thread (before torch spins up its pool)."""
    global _QUEUE
    _QUEUE = queue
    ident = mp.current_process()._identity
    idx = (ident[0] - 1) if ident else 0
    if cores and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cores[idx % len(cores)]})
        except OSError:
            pass
    torch.set_num_threads(1)


def _worker_run(args) -> int:
    spec_dicts, preset = args
    return len(run_group(spec_dicts, device="cpu", threads=1, preset=preset, on_record=_QUEUE.put))


def _submitit_run(spec_dicts, preset):  # pragma: no cover - runs in the submitit job
    return run_group(spec_dicts, device="auto", threads=None, preset=preset)


def _projected(group) -> float:
    """Seconds a group should take on one CPU thread (:data:`~scalinglaws.lab.presets.CPU_ASSUMED`): small
    models run at a fraction of the FLOP rate of larger ones, so FLOPs alone order groups badly."""
    from scalinglaws.lab.presets import CPU_ASSUMED as a

    return group_seconds(group, a["flops_per_s"], a["step_overhead_s"], per_token_s=a["per_token_s"], overlap=False)


def run_sweep(preset: Preset, path=None, *, workers: int | None = None, backend: str = "local",
              device: str = "auto", executor_kwargs: dict | None = None, progress: bool | None = None,
              limit: int | None = None, max_group: int | None = None, precision: str = "auto",
              compile: bool = False) -> list[dict]:
    """Run every run of ``preset`` not yet in ``path``; return all records of the preset in spec order.

    Runs that can share a batched model (same
    :attr:`~scalinglaws.lab.records.RunSpec.group_key`) train together in
    groups of at most ``max_group`` (default: the preset's ``max_group``,
    else :data:`DEFAULT_GROUP` for the device; 1 trains every run alone);
    each run still gets its own record, written as soon as it finishes, so a
    killed sweep loses only the runs in progress. ``workers``: processes for
    the CPU backend (default: the preset's, at most the cores available).
    ``limit``: stop after this many new runs (used to test interruption).
    ``executor_kwargs`` go to ``submitit.AutoExecutor`` (e.g.
    ``{"cluster": "local"}``) and its ``update_parameters``
    (``{"parameters": {"timeout_min": 60, "slurm_partition": "gpu"}}``).
    ``precision`` and ``compile``: as :func:`~scalinglaws.lab.train.train`
    (local backend).
    """
    if not isinstance(preset, Preset):
        raise ValueError(f"preset must be a Preset, got {type(preset).__name__}")
    check_in("backend", backend, {"local", "submitit"})
    path = pathlib.Path(path) if path is not None else results_path(preset.name)
    done = {r["key"] for r in load_results(path)} if path.exists() else set()
    todo = [s for s in preset.runs if s.key not in done]
    todo = list({s.key: s for s in todo}.values())
    todo.sort(key=lambda s: -s.cost_flops)
    if limit is not None:
        todo = todo[:check_scalar("limit", limit, low=0, integer=True)]
    dev = pick_device(device) if backend == "local" else None
    if max_group is None:
        max_group = preset.max_group or DEFAULT_GROUP.get(dev.type if dev is not None else "cuda", 1)
    max_group = check_scalar("max_group", max_group, low=1, integer=True)
    groups = plan_groups(todo, max_group, CPU_MAX_GROUPED_D_MODEL if dev is not None and dev.type == "cpu" else None)
    groups.sort(key=lambda g: -_projected(g))  # longest first balances the workers
    if progress is None:
        progress = sys.stderr.isatty()
    bar = tqdm(total=len(todo), disable=not progress, desc=f"lab {preset.name}", unit="run")
    jobs = [([s.to_dict() for s in g], preset.name) for g in groups]

    def save(rec):
        append_record(path, rec)
        bar.update(1)

    if backend == "submitit":
        _run_submitit(jobs, path, executor_kwargs or {}, bar)
    else:
        try:
            cores = sorted(os.sched_getaffinity(0))
        except AttributeError:
            cores = []
        n = workers if workers is not None else min(preset.workers, max(1, len(cores) or os.cpu_count() or 1))
        n = check_scalar("workers", n, low=1, integer=True)
        if dev.type != "cpu" or n == 1 or len(jobs) <= 1:
            for spec_dicts, name in jobs:
                threads = 1 if dev.type == "cpu" and n == 1 else None
                run_group(spec_dicts, device=str(dev), threads=threads, preset=name, precision=precision,
                          compile=compile, on_record=save)
        else:
            if precision not in ("auto", "fp32") or compile:
                raise ValueError("precision and compile apply to in-process runs (workers=1 or a GPU)")
            _run_pool(jobs, n, cores, save)
    bar.close()
    by_key = {r["key"]: r for r in load_results(path)} if path.exists() else {}
    return [by_key[s.key] for s in preset.runs if s.key in by_key]


def _run_pool(jobs, n, cores, save) -> None:
    """Run the jobs on ``n`` pinned one-thread worker processes; ``save`` each record as it arrives."""
    env_before = os.environ.get("OMP_WAIT_POLICY")
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # idle OpenMP threads must not spin
    try:
        ctx = mp.get_context("spawn")
        records = ctx.Queue()
        pool = ctx.Pool(min(n, len(jobs)), initializer=_worker_init, initargs=(cores, records))
        try:
            pending = pool.map_async(_worker_run, jobs, chunksize=1)
            received = 0
            while not pending.ready() or received < sum(pending.get()):
                try:
                    save(records.get(timeout=0.2))
                    received += 1
                except queue.Empty:
                    if pending.ready() and not pending.successful():
                        pending.get()  # re-raises the worker's error
            pool.close()
        finally:
            pool.terminate()
            pool.join()
            records.close()
            records.join_thread()
    finally:
        if env_before is None:
            os.environ.pop("OMP_WAIT_POLICY", None)
        else:
            os.environ["OMP_WAIT_POLICY"] = env_before


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
    pending = [executor.submit(_submitit_run, spec_dicts, name) for spec_dicts, name in jobs]
    while pending:
        still = []
        for job in pending:
            if job.done():
                for rec in job.result():
                    append_record(path, rec)
                    bar.update(1)
            else:
                still.append(job)
        pending = still
        if pending:
            time.sleep(0.5)
