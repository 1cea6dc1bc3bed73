"""Lab runs as records: run specifications, presets, and the results file (JSON Lines).

Torch-free, so that reports, explorers and ``scalinglaws lab report`` read
cached results where torch is not installed; training lives in
:mod:`scalinglaws.lab.sweep`.

A sweep is a list of :class:`RunSpec` (experiment name, model config, train
config, tags). Each spec has a stable ``key`` (a hash of its content), so a
restarted sweep skips every run already in the results file and loses nothing.

Results file (JSON Lines, one finished run per line)
    Only one process writes, one whole line per ``os.write`` on a file
    opened with ``O_APPEND``, followed by ``fsync``: a run is either recorded
    whole or not at all. A torn last line (a crash mid-write) lacks its final
    newline; the loader ignores it and the next append removes it. Every
    record carries ``sha256``, the SHA-256 of its canonical JSON without that
    field; :func:`load_results` rejects a record whose checksum does not match.

Cached results ship with the package (``scalinglaws.data``, the repository's
``data/lab/``), so an installed copy reports on them from any directory.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import pathlib
import subprocess
from dataclasses import dataclass, field

from scalinglaws.lab.config import GPTConfig, TrainConfig

__all__ = ["RunSpec", "Preset", "run_key", "record_checksum", "results_path", "append_record", "load_results",
           "git_commit", "plan_groups", "RESULTS_DIR", "SCHEMA", "GROUP_FIELDS"]

#: Where presets' results live: ``lab/`` inside the package data (the repository's ``data/lab/``).
RESULTS_DIR = pathlib.Path(str(importlib.resources.files("scalinglaws.data") / "lab"))
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
    def group_key(self) -> str | None:
        """Runs with equal keys can train together in one batched model; ``None``: this run trains alone.

        They must share the model's shape and every setting that fixes a
        step's tensors (:data:`GROUP_FIELDS`); everything else may differ per
        run: learning rate and schedule, seed (initialisation and data order),
        token budget (length), evaluations, weight decay, clipping, finite
        data. Runs measuring the gradient noise scale train alone (their extra
        gradient evaluations are per run).
        """
        if self.train.noise_scale:
            return None
        fields = {f: getattr(self.train, f) for f in GROUP_FIELDS}
        return _canonical({"model": self.model.to_dict(), **fields}).decode()

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
    expected_minutes: float = 0.0  # on the book's 2-core machine (cpu presets) or one H100-class GPU (gpu)
    max_group: int | None = None  # runs trained together at most; None: the device's default (sweep.DEFAULT_GROUP)

    @property
    def total_flops(self) -> float:
        return sum(r.cost_flops for r in self.runs)

    def projected_seconds(self, flops_per_s: float, step_overhead_s: tuple = (0.0, 0.0), max_group: int = 1) -> float:
        """Wall time of the whole preset on one device, trained in groups as ``lab run`` trains them.

        A model of a training step: each step of a group takes the longer of
        its arithmetic, ``(members still training) x (FLOPs per member step)
        / flops_per_s``, and a fixed cost per step, ``a + b n_layer`` seconds
        for ``step_overhead_s = (a, b)`` (launching kernels, the Python
        loop): what sets the pace of tiny models on a GPU. Evaluations are
        counted as forward passes (a third of a training token's FLOPs).
        ``benchmarks/gpu_check.py`` measures ``flops_per_s`` and the overhead
        and projects the ``gpu`` preset with them.
        """
        if not (isinstance(flops_per_s, (int, float)) and flops_per_s > 0):
            raise ValueError(f"flops_per_s must be positive, got {flops_per_s!r}")
        a, b = step_overhead_s
        total = 0.0
        for group in plan_groups(self.runs, max_group):
            m = group[0].model
            fixed = a + b * m.n_layer
            per_step = group[0].train.batch_size * m.n_ctx * m.flops_per_token / flops_per_s
            steps = sorted(s.train.steps(m.n_ctx) for s in group)
            done = 0
            for i, n in enumerate(steps):  # members leave the group as their last step is done
                total += (n - done) * max(fixed, (len(steps) - i) * per_step)
                done = n
            evals = sum(s.train.n_evals * s.train.eval_tokens for s in group)
            total += evals * m.flops_per_token / 3 / flops_per_s
        return total


#: TrainConfig fields that runs trained together must share (see :attr:`RunSpec.group_key`).
GROUP_FIELDS = ("batch_size", "eval_tokens", "corpus", "beta1", "beta2")


def plan_groups(specs, max_group: int, max_d_model: int | None = None) -> list[list]:
    """Split ``specs`` into groups of at most ``max_group`` runs that can train together.

    Runs of one :attr:`RunSpec.group_key` are sorted by length (optimiser
    steps, longest first) and cut into consecutive groups, so that a group's
    members finish close together (a finished member leaves the group, and a
    shrinking group runs less efficiently). Groups come out in the order of
    their first member in ``specs``; runs that train alone form groups of one.
    ``max_group=1`` gives one group per run, in order; runs of models wider
    than ``max_d_model`` (if given) train alone.
    """
    if isinstance(max_group, bool) or not isinstance(max_group, int) or max_group < 1:
        raise ValueError(f"max_group must be a positive integer, got {max_group!r}")
    specs = list(specs)
    buckets: dict = {}
    order = []
    for i, s in enumerate(specs):
        key = s.group_key if max_group > 1 and (max_d_model is None or s.model.d_model <= max_d_model) else None
        if key is None:
            key = ("alone", i)
        if key not in buckets:
            buckets[key] = []
            order.append(key)
        buckets[key].append(s)
    groups = []
    for key in order:
        members = sorted(buckets[key], key=lambda s: -s.train.steps(s.model.n_ctx))  # stable: ties keep order
        groups += [members[i:i + max_group] for i in range(0, len(members), max_group)]
    return groups


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


def git_commit() -> str:
    """The checked-out commit of the source tree this package runs from (``+dirty`` if modified), or
    ``"unknown"`` for an installed copy."""
    root = pathlib.Path(__file__).resolve().parents[3]
    if not (root / "code" / "scalinglaws").is_dir():  # an installed copy, not a checkout
        return "unknown"
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
