"""Declarative sweeps of lab runs: parallel, resumable, with provenance and checksums.

A sweep is a list of :class:`RunSpec` (experiment name, model config, train
config, tags). Each spec has a stable ``key`` (a hash of its content), so a
restarted sweep skips every run already in the results file and loses nothing.

Results file (JSON Lines, one finished run per line)
    Only the parent process writes, one whole line per ``os.write`` on a file
    opened with ``O_APPEND``, followed by ``fsync``: a run is either recorded
    whole or not at all. A torn last line (a crash mid-write) lacks its final
    newline; the loader ignores it and the next append removes it. Every
    record carries ``sha256``, the SHA-256 of its canonical JSON without that
    field; :func:`load_results` rejects a record whose checksum does not match.

Backends
    ``"local"``: ``workers`` processes, each pinned to one core with one
    torch thread (two pinned 1-thread workers beat one 2-thread run for many
    small models), or in-process when ``workers=1`` or on a GPU;
    ``"submitit"``: one job per run through submitit (SLURM on a cluster,
    ``cluster="local"`` for tests), same records.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import pathlib
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab.model import GPTConfig
from scalinglaws.lab.train import TrainConfig

__all__ = ["RunSpec", "Preset", "run_key", "run_sweep", "run_one", "load_results", "append_record",
           "results_path", "provenance", "record_checksum", "verify_records", "RESULTS_DIR"]

RESULTS_DIR = pathlib.Path(__file__).resolve().parents[3] / "data" / "lab"
SCHEMA = 1


@dataclass(frozen=True)
class RunSpec:
    """One training run: which experiment it serves, the model, the optimisation, free-form tags."""

    experiment: str
    model: GPTConfig
    train: TrainConfig
    tags: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.experiment, str) or not self.experiment:
            raise ValueError(f"experiment must be a non-empty string, got {self.experiment!r}")
        if not isinstance(self.model, GPTConfig):
            raise ValueError(f"model must be a GPTConfig, got {type(self.model).__name__}")
        if not isinstance(self.train, TrainConfig):
            raise ValueError(f"train must be a TrainConfig, got {type(self.train).__name__}")

    def to_dict(self) -> dict:
        return {"experiment": self.experiment, "model": self.model.to_dict(), "train": self.train.to_dict(),
                "tags": dict(self.tags)}

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        return cls(d["experiment"], GPTConfig(**d["model"]), TrainConfig(**d["train"]), dict(d.get("tags", {})))

    @property
    def key(self) -> str:
        return run_key(self.to_dict())

    @property
    def cost_flops(self) -> float:
        """Training FLOPs of the run (for scheduling and time estimates)."""
        return float(self.model.flops_per_token) * self.train.steps(self.model.n_ctx) \
            * self.train.batch_size * self.model.n_ctx


@dataclass(frozen=True)
class Preset:
    """A named, declarative list of runs."""

    name: str
    runs: tuple
    description: str = ""
    workers: int = 2
    expected_minutes: float = 0.0  # on the book's 2-core machine

    @property
    def total_flops(self) -> float:
        return sum(r.cost_flops for r in self.runs)


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def run_key(spec_dict: dict) -> str:
    """Stable 16-hex-digit key of a run specification."""
    return hashlib.sha256(_canonical(spec_dict)).hexdigest()[:16]


def record_checksum(record: dict) -> str:
    """SHA-256 of the canonical JSON of ``record`` without its ``sha256`` field."""
    return hashlib.sha256(_canonical({k: v for k, v in record.items() if k != "sha256"})).hexdigest()


def results_path(preset_name: str, directory=None) -> pathlib.Path:
    """Default results file ``data/lab/<preset>.jsonl``."""
    return pathlib.Path(directory or RESULTS_DIR) / f"{preset_name}.jsonl"


def _git_commit() -> str:
    root = pathlib.Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        commit = out.stdout.strip() if out.returncode == 0 else "unknown"
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
        if commit != "unknown" and dirty.returncode == 0 and dirty.stdout.strip():
            commit += "+dirty"
        return commit
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance() -> dict:
    """Where and with what a run was made (git commit, versions, platform)."""
    import torch

    return {"git_commit": _git_commit(), "torch": torch.__version__, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "machine": platform.machine()}


def run_one(spec_dict: dict, device: str = "auto", threads: int | None = 1, preset: str = "") -> dict:
    """Train the run described by ``spec_dict`` and return its record (without checksum)."""
    from scalinglaws.lab.train import train

    spec = RunSpec.from_dict(spec_dict)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result = train(spec.model, spec.train, device=device, threads=threads, progress=False)
    timing = result.pop("timing")
    prov = provenance()
    prov.update(timing)
    prov.update({"seed": spec.train.seed, "started_utc": started})
    return {"schema": SCHEMA, "key": spec.key, "preset": preset, **spec.to_dict(), "result": result,
            "provenance": prov}


def append_record(path, record: dict) -> dict:
    """Append one record atomically (one ``write`` of a whole line, then ``fsync``); returns it with its checksum."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = dict(record)
    record["sha256"] = record_checksum(record)
    line = json.dumps(record, sort_keys=True, allow_nan=False).encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:  # remove a torn last line left by a crash
            with open(path, "rb") as fh:
                fh.seek(max(0, size - 1))
                if fh.read(1) != b"\n":
                    fh.seek(0)
                    good = fh.read().rsplit(b"\n", 1)[0]
                    os.ftruncate(fd, len(good) + 1 if good else 0)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return record


def load_results(path, *, verify: bool = True) -> list[dict]:
    """Read a results file, checking every record's SHA-256 (``ValueError`` on a mismatch).

    A last line without its newline (a write torn by a crash) is ignored.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"results file {str(path)!r} does not exist")
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    if lines and lines[-1] != b"":  # torn final line
        lines = lines[:-1]
    records = []
    for i, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"{path.name} line {i} is not valid JSON") from None
        if verify and (not isinstance(rec, dict) or rec.get("sha256") != record_checksum(rec)):
            raise ValueError(f"{path.name} line {i}: checksum mismatch (the record was modified)")
        records.append(rec)
    return records


def verify_records(records: list[dict], *, runs: int = 3, seed: int = 0, device: str = "cpu") -> list[dict]:
    """Retrain ``runs`` records picked at random (``seed``) and compare their loss curves with the cached ones.

    Each retraining uses one CPU thread, as the sweep workers do. Returns one
    dict per record: ``key``, ``identical`` (every validation loss equal bit
    for bit) and ``max_abs_diff`` (nats/byte). Records made on another machine
    or torch version can differ in the last bits; the difference says by how much.
    """
    import random

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
    import torch

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
    from tqdm.auto import tqdm

    bar = tqdm(total=len(todo), disable=not progress, desc=f"lab {preset.name}", unit="run")
    jobs = [(s.to_dict(), preset.name) for s in todo]
    if backend == "submitit":
        _run_submitit(jobs, path, executor_kwargs or {}, bar)
    else:
        from scalinglaws.lab.train import pick_device

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
