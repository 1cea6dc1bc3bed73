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

from scalinglaws.lab.config import GPTConfig, LSTMConfig, TrainConfig, model_config_from_dict

__all__ = ["RunSpec", "Preset", "run_key", "record_checksum", "results_path", "append_record", "load_results",
           "git_commit", "plan_groups", "group_seconds", "RESULTS_DIR", "SCHEMA", "GROUP_FIELDS"]

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
        if not isinstance(self.model, (GPTConfig, LSTMConfig)):
            raise ValueError(f"model must be a GPTConfig or LSTMConfig, got {type(self.model).__name__}")
        if not isinstance(self.train, TrainConfig):
            raise ValueError(f"train must be a TrainConfig, got {type(self.train).__name__}")

    def to_dict(self) -> dict:
        return {"experiment": self.experiment, "model": self.model.to_dict(), "train": self.train.to_dict(),
                "tags": dict(self.tags)}

    @classmethod
    def from_dict(cls, d: dict) -> "RunSpec":
        return cls(d["experiment"], model_config_from_dict(d["model"]), TrainConfig(**d["train"]),
                   dict(d.get("tags", {})))

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
        data, WSD cool-down branches. Runs measuring the gradient noise scale
        or the loss by context position train alone (their extra measurements
        are per run), and so do LSTMs (no batched implementation).
        """
        if self.train.noise_scale or self.train.position_loss or not isinstance(self.model, GPTConfig):
            return None
        fields = {f: getattr(self.train, f) for f in GROUP_FIELDS}
        return _canonical({"model": self.model.to_dict(), **fields}).decode()

    @property
    def cost_flops(self) -> float:
        """Training FLOPs of the run, cool-down branches included (for scheduling and time estimates)."""
        return float(self.model.flops_per_token) * self.train.batch_size * self.model.n_ctx * self.cost_steps

    @property
    def cost_steps(self) -> int:
        """Optimiser steps of one member of the run: the main run's, plus each cool-down branch's decay."""
        n_ctx = self.model.n_ctx
        steps = self.train.cooldown_steps(n_ctx)
        return steps[-1] + sum(n - self.train.decay_start(n) for n in steps[:-1])


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

    def projected_seconds(self, flops_per_s: float, step_overhead_s: tuple = (0.0, 0.0), max_group: int = 1, *,
                          per_token_s: float = 0.0, overlap: bool = True, workers: int = 1,
                          max_grouped_d_model: int | None = None) -> float:
        """Wall time of the whole preset, trained in groups as ``lab run`` trains them.

        A model of a training step of a group with ``r`` rows (members still
        training, and cool-down branches while they run): arithmetic of
        ``r x tokens x (per_token_s + FLOPs per token / flops_per_s)`` and a
        fixed cost of ``a + b n_layer`` seconds for ``step_overhead_s = (a,
        b)`` (launching kernels, the Python loop). On a GPU (``overlap=True``)
        the step takes the longer of the two, since the host queues work
        while the device computes; on a CPU (``overlap=False``) one thread
        does both, one after the other, and ``per_token_s`` is the per-token
        work the FLOP count misses (layer norms, softmax, attention's
        kernel). Evaluations are forward passes (a third of a training
        token's cost); runs measuring the noise scale pay its extra gradients.
        ``workers``: groups are handed to that many devices longest first, as
        ``lab run`` does, and the time is the last one's finish.
        ``benchmarks/gpu_check.py`` measures the GPU's figures and projects
        the ``gpu`` preset with them; :data:`~scalinglaws.lab.presets.CPU_ASSUMED`
        holds the book's CPU's.
        """
        if not (isinstance(flops_per_s, (int, float)) and flops_per_s > 0):
            raise ValueError(f"flops_per_s must be positive, got {flops_per_s!r}")
        workers = _positive_int("workers", workers)
        times = sorted((group_seconds(g, flops_per_s, step_overhead_s, per_token_s=per_token_s, overlap=overlap)
                        for g in plan_groups(self.runs, max_group, max_grouped_d_model)), reverse=True)
        finish = [0.0] * workers
        for t in times:  # longest first, each to the worker that is free first
            k = finish.index(min(finish))
            finish[k] += t
        return max(finish)


def _positive_int(name, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def group_seconds(group, flops_per_s: float, step_overhead_s: tuple = (0.0, 0.0), *, per_token_s: float = 0.0,
                  overlap: bool = True) -> float:
    """Projected time of one group of runs trained together (see :meth:`Preset.projected_seconds`)."""
    m = group[0].model
    a, b = step_overhead_s
    fixed = a + b * m.n_layer
    tokens = group[0].train.batch_size * m.n_ctx
    per_row = tokens * (per_token_s + m.flops_per_token / flops_per_s)
    # rows of the stacked model over the steps: +1 at each main line's or branch's start, -1 at its end
    events: dict = {}
    evals = 0.0
    for s in group:
        lengths = s.train.cooldown_steps(m.n_ctx)
        for n in lengths[:-1]:
            f = s.train.decay_start(n)
            events[f] = events.get(f, 0) + 1
            events[n] = events.get(n, 0) - 1
        events[0] = events.get(0, 0) + 1
        events[lengths[-1]] = events.get(lengths[-1], 0) - 1
        n_evals = s.train.n_evals + len(lengths) * (2 if s.train.schedule == "wsd" else 0)
        evals += n_evals * s.train.eval_tokens
        if s.train.noise_scale:  # 4 pairs of gradients over B/8 and 2B sequences at every evaluation
            B = s.train.batch_size
            evals += 3 * s.train.n_evals * 4 * (max(1, B // 8) + 2 * B) * m.n_ctx
    total, rows, last = 0.0, 0, 0
    for step in sorted(events):
        steps = step - last
        if rows:
            total += steps * (max(fixed, rows * per_row) if overlap else fixed + rows * per_row)
        rows += events[step]
        last = step
    return total + evals * (per_token_s + m.flops_per_token / flops_per_s) / 3


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
    ``"unknown"`` for an installed copy.

    A copy of a checkout without its ``.git`` (a tree sent to a GPU machine, say) can name the commit it
    was copied from in the environment variable ``SCALINGLAWS_COMMIT``; it is used only where git cannot
    answer, and marked as told (``+told``) rather than read.
    """
    root = pathlib.Path(__file__).resolve().parents[3]
    told = os.environ.get("SCALINGLAWS_COMMIT", "").strip()
    fallback = f"{told}+told" if told else "unknown"
    if not (root / "code" / "scalinglaws").is_dir():  # an installed copy, not a checkout
        return fallback
    if not (root / ".git").exists():
        return fallback
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10)
        commit = out.stdout.strip() if out.returncode == 0 else fallback
        # the results files are not source: a sweep appending to data/lab/*.jsonl must not mark its own runs dirty
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--",
                                ".", ":(exclude)data/lab/*.jsonl"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and dirty.returncode == 0 and dirty.stdout.strip():
            commit += "+dirty"
        return commit
    except (OSError, subprocess.SubprocessError):
        return fallback


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
