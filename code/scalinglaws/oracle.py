"""A local, deterministic "training API" for the scaling-law assignment, and its grader.

The student asks :class:`TrainingOracle` to "train" a model of ``N``
parameters on ``D`` tokens with a peak learning rate ``lr`` and a batch of
``batch_size`` tokens. The oracle returns the final loss (nats/token) from a
hidden ground-truth law and charges the run's C = 6ND FLOPs against a fixed
budget, which it refuses to exceed. With the budget spent on small runs, the
student fits a law and predicts the compute-optimal model size and its loss at
a much larger budget; :func:`grade_prediction` scores the prediction against
the hidden law.

The hidden law (:class:`HiddenLaw`, drawn by :func:`draw_law` from the seed)
is

    L = E + A/N^alpha + B/D^beta                       (Chinchilla form)
        + s_lr (ln(lr / lr_opt(N)))^2                  (learning-rate basin)
        + s_B (ln(batch / B_opt(C)))^2                 (batch-size basin)
        + instability penalty near the divergence edge,

times log-normal noise exp(sigma z), with rare upward outliers (a loss spike
the run never recovered from). ``lr_opt(N) = lr_0 (N/1e8)^-p_lr`` falls with
size, ``B_opt(C) = B_0 (C/1e18)^p_B`` grows with compute (the direction of
DeepSeek LLM's Eq. 1), and a run with ``lr > r_div lr_opt(N)`` diverges: its
loss is NaN and it is flagged as failed (its FLOPs are still charged: the
oracle only reports final losses). Every coefficient is drawn from
:data:`LAW_RANGES`, which bracket the published Chinchilla and Epoch fits;
an instructor can pass other ranges.

Determinism: the law is a function of the seed; each run's noise is a
function of the seed, the configuration and how many times that exact
configuration has been run before (a repeat is a new data-order seed), so
results do not depend on the order of the runs.

What a local oracle can and cannot enforce, stated plainly: the ledger (a
JSON file, written after every run) survives a kernel restart, and
:func:`verify_ledger` re-simulates every recorded run, so an edited loss or a
total above the budget is detected (no signature is needed: a run that is not
exactly what the oracle returns for that seed does not reproduce). A grader
that re-runs a notebook can check, with :attr:`TrainingOracle.loaded_runs`
and :attr:`TrainingOracle.new_runs`, that every run was replayed from the
submitted ledger. What no local library can stop is a student reading the
hidden law of their own seed (:func:`draw_law`, :func:`true_answer`) or
deleting the ledger and starting again: the course's autograder scans the
submitted code for those calls and binds the seed to the submitter.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from scalinglaws._validation import check_instance, check_scalar
from scalinglaws.chinchilla import compute_optimal
from scalinglaws.constants import ParametricLoss

__all__ = [
    "LAW_RANGES", "DEFAULT_BUDGET_FLOPS", "DEFAULT_TARGET_FLOPS", "HiddenLaw", "draw_law",
    "RunResult", "BudgetExceededError", "TrainingOracle", "verify_ledger",
    "Grade", "true_answer", "grade_prediction", "student_seed",
]

#: Ranges of the hidden coefficients: (low, high, scale). "log" draws log-uniformly.
#: E, A, B, alpha, beta bracket Hoffmann et al.'s Approach 3 and Epoch AI's refit.
LAW_RANGES: dict[str, tuple[float, float, str]] = {
    "E": (1.6, 2.0, "linear"),
    "A": (250.0, 700.0, "log"),
    "B": (400.0, 2500.0, "log"),
    "alpha": (0.28, 0.40, "linear"),
    "beta": (0.26, 0.38, "linear"),
    # learning rate: optimum lr_0 (N/1e8)^-p_lr, divergence above r_div x optimum
    "lr_0": (1e-3, 4e-3, "log"),
    "p_lr": (0.15, 0.35, "linear"),
    "s_lr": (0.02, 0.06, "linear"),  # nats per (ln lr/lr_opt)^2
    "r_div": (3.0, 8.0, "linear"),
    # batch (tokens): optimum B_0 (C/1e18)^p_B
    "B_0": (1.2e5, 3.5e5, "log"),
    "p_B": (0.25, 0.35, "linear"),
    "s_B": (0.004, 0.012, "linear"),
    # noise: log-normal sigma, and the rate of unrecovered loss spikes
    "sigma": (0.003, 0.008, "linear"),
    "outlier_rate": (0.01, 0.04, "linear"),
}
#: Tokens per parameter at the target budget must fall in this range (else the draw is repeated).
TOKENS_PER_PARAM_RANGE = (8.0, 80.0)
#: The student's budget and the budget at which they predict (FLOPs).
DEFAULT_BUDGET_FLOPS = 1e19
DEFAULT_TARGET_FLOPS = 1e23
#: Grader: full marks within the first tolerance, none beyond the second (linear in between).
N_TOLERANCE_DEX = (0.1, 0.5)  # |log10(N_pred / N_true)|
LOSS_TOLERANCE_NATS = (0.02, 0.15)  # |L_pred - L_true|
POINTS = {"N_opt": 5.0, "loss": 5.0}
_MAX_DRAWS = 1000


@dataclass(frozen=True)
class HiddenLaw:
    """The ground truth behind one seed. Units: N parameters, D and batch tokens, C FLOPs, loss nats/token."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    lr_0: float
    p_lr: float
    s_lr: float
    r_div: float
    B_0: float
    p_B: float
    s_B: float
    sigma: float
    outlier_rate: float
    seed: int

    @property
    def parametric(self) -> ParametricLoss:
        """The Chinchilla part as a :class:`~scalinglaws.constants.ParametricLoss` (for :mod:`scalinglaws.chinchilla`)."""
        return ParametricLoss(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta,
                              source=f"scalinglaws.oracle hidden law, seed {self.seed}")

    def lr_opt(self, N):
        """Loss-minimising peak learning rate of an N-parameter model."""
        return self.lr_0 * (np.asarray(N, float) / 1e8) ** (-self.p_lr)

    def lr_max(self, N):
        """Learning rate above which a run diverges."""
        return self.r_div * self.lr_opt(N)

    def batch_opt(self, N, D):
        """Loss-minimising batch size (tokens) for a run of C = 6ND FLOPs."""
        return self.B_0 * (6.0 * np.asarray(N, float) * np.asarray(D, float) / 1e18) ** self.p_B

    def expected_loss(self, N, D, lr, batch_size):
        """Noise-free final loss (NaN where the run diverges). Inputs broadcast."""
        N, D, lr, bs = (np.asarray(v, float) for v in (N, D, lr, batch_size))
        base = self.E + self.A / N**self.alpha + self.B / D**self.beta
        x = lr / self.lr_max(N)
        instability = 0.05 * np.clip((x - 0.7) / 0.3, 0.0, None) ** 2
        out = base + self.s_lr * np.log(lr / self.lr_opt(N)) ** 2 \
            + self.s_B * np.log(bs / self.batch_opt(N, D)) ** 2 + instability
        out = np.where(x > 1.0, np.nan, out)
        return out if out.ndim else float(out)


def _draw(rng, low, high, scale):
    if scale == "log":
        return float(math.exp(rng.uniform(math.log(low), math.log(high))))
    return float(rng.uniform(low, high))


def _check_ranges(ranges) -> dict:
    if ranges is None:
        return dict(LAW_RANGES)
    if not isinstance(ranges, dict):
        raise ValueError("ranges must be a dict like LAW_RANGES")
    merged = dict(LAW_RANGES)
    for key, value in ranges.items():
        if key not in LAW_RANGES:
            raise ValueError(f"ranges: unknown coefficient {key!r}; known: {sorted(LAW_RANGES)}")
        try:
            low, high, scale = value
        except (TypeError, ValueError):
            raise ValueError(f"ranges[{key!r}] must be (low, high, 'linear' or 'log')") from None
        low = check_scalar(f"ranges[{key!r}] low", low)
        high = check_scalar(f"ranges[{key!r}] high", high)
        if scale not in ("linear", "log") or high < low or (scale == "log" and low <= 0):
            raise ValueError(f"ranges[{key!r}] must be (low, high, 'linear' or 'log') with low <= high (> 0 for log)")
        if key in ("A", "B", "E", "lr_0", "B_0", "s_lr", "s_B", "alpha", "beta", "p_lr", "p_B") and low <= 0:
            raise ValueError(f"ranges[{key!r}] must be positive")
        if key == "r_div" and low <= 1:
            raise ValueError("ranges['r_div'] must exceed 1 (divergence above the optimal learning rate)")
        if key in ("sigma", "outlier_rate") and (low < 0 or high > 1):
            raise ValueError(f"ranges[{key!r}] must lie in [0, 1]")
        merged[key] = (low, high, scale)
    return merged


def draw_law(seed: int, ranges: dict | None = None) -> HiddenLaw:
    """The hidden law of ``seed``: every coefficient drawn from ``ranges`` (default :data:`LAW_RANGES`).

    Draws are repeated (deterministically) until the compute-optimal tokens
    per parameter at :data:`DEFAULT_TARGET_FLOPS` lies in :data:`TOKENS_PER_PARAM_RANGE`.
    """
    seed = check_scalar("seed", seed, low=0, integer=True)
    ranges = _check_ranges(ranges)
    rng = np.random.default_rng([seed, 0x5CA1E])
    for _ in range(_MAX_DRAWS):
        values = {k: _draw(rng, *ranges[k]) for k in LAW_RANGES}
        law = HiddenLaw(**values, seed=seed)
        tpp = compute_optimal(DEFAULT_TARGET_FLOPS, law.parametric).tokens_per_param
        if TOKENS_PER_PARAM_RANGE[0] <= tpp <= TOKENS_PER_PARAM_RANGE[1]:
            return law
    raise ValueError(f"ranges: no draw in {_MAX_DRAWS} gives {TOKENS_PER_PARAM_RANGE} tokens per parameter")


def student_seed(course_secret: str, student_id: str) -> int:
    """A per-student seed from a secret the instructor keeps and the student's id (SHA-256, 32 bits)."""
    if not isinstance(course_secret, str) or not course_secret:
        raise ValueError("course_secret must be a non-empty string")
    if not isinstance(student_id, str) or not student_id:
        raise ValueError("student_id must be a non-empty string")
    digest = hashlib.sha256(f"{course_secret}\x00{student_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


class RunResult(NamedTuple):
    """One training run: configuration, FLOPs charged, final loss (NaN if it diverged)."""

    N: float  # parameters
    D: float  # tokens
    lr: float
    batch_size: float  # tokens per step
    flops: float  # 6 N D
    loss: float  # nats/token; NaN when diverged
    diverged: bool


class BudgetExceededError(ValueError):
    """A run would take the total past the budget; nothing was charged."""


def _run_rng(seed: int, N: float, D: float, lr: float, bs: float, repeat: int) -> np.random.Generator:
    key = f"{seed}|{N!r}|{D!r}|{lr!r}|{bs!r}|{repeat}".encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _simulate(law: HiddenLaw, N: float, D: float, lr: float, bs: float, repeat: int) -> RunResult:
    flops = 6.0 * N * D
    mean = law.expected_loss(N, D, lr, bs)
    if math.isnan(mean):
        return RunResult(N, D, lr, bs, flops, float("nan"), True)
    rng = _run_rng(law.seed, N, D, lr, bs, repeat)
    z, u, spike = rng.standard_normal(), rng.random(), abs(rng.normal(0.0, 0.03))
    L = mean * math.exp(law.sigma * z)
    if u < law.outlier_rate:
        L *= math.exp(spike)
    return RunResult(N, D, lr, bs, flops, float(L), False)


def _check_config(N, D, lr, batch_size):
    N = check_scalar("N", N, low=1e5, high=1e13)
    D = check_scalar("D", D, low=1e6, high=1e15)
    lr = check_scalar("lr", lr, low=0.0, high=1.0, low_inclusive=False)
    batch_size = check_scalar("batch_size", batch_size, low=1.0)
    if batch_size > D:
        raise ValueError(f"batch_size ({batch_size:g} tokens) must not exceed D ({D:g} tokens): a run needs one step")
    return N, D, lr, batch_size


def _digest(seed, budget, runs) -> str:
    payload = json.dumps({"seed": seed, "budget": budget, "runs": runs}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _run_to_json(r: RunResult) -> dict:
    d = r._asdict()
    d["loss"] = None if r.diverged else r.loss
    return d


def _run_from_json(d: dict) -> RunResult:
    return RunResult(float(d["N"]), float(d["D"]), float(d["lr"]), float(d["batch_size"]), float(d["flops"]),
                     float("nan") if d["loss"] is None else float(d["loss"]), bool(d["diverged"]))


class TrainingOracle:
    """The training API: ``oracle.train(N, D, lr, batch_size)`` returns a :class:`RunResult`.

    ``ledger`` is the JSON file that records the budget and every run; it is
    written after each run and read back when an oracle is created with the
    same path, so restarting the kernel does not restore the budget. An
    existing ledger must match ``seed`` and ``budget_flops`` (``ValueError``
    otherwise). ``ledger=None`` keeps the ledger in memory only (for
    instructors and tests). ``law`` replaces the seed's hidden law (an
    instructor's variant; see :func:`draw_law`).
    """

    def __init__(self, seed: int, budget_flops: float = DEFAULT_BUDGET_FLOPS,
                 ledger: str | os.PathLike | None = "oracle_ledger.json", law: HiddenLaw | None = None):
        self.seed = check_scalar("seed", seed, low=0, integer=True)
        self.budget_flops = check_scalar("budget_flops", budget_flops, low=0.0, low_inclusive=False)
        self._law = draw_law(self.seed) if law is None else check_instance("law", law, HiddenLaw)
        if law is not None and law.seed != self.seed:
            raise ValueError(f"law: drawn for seed {law.seed}, not {self.seed}")
        if ledger is not None and not isinstance(ledger, (str, os.PathLike)):
            raise ValueError(f"ledger must be a file path or None, got {type(ledger).__name__}")
        self.ledger = None if ledger is None else Path(ledger)
        self._runs: list[RunResult] = []
        self._replayed: dict = {}
        if self.ledger is not None and self.ledger.exists():
            self._load()
        # what the ledger held when this oracle started: a grader re-running a
        # notebook checks that every run came from the submitted ledger
        self._n_loaded = len(self._runs)

    # -- persistence ---------------------------------------------------------
    def _load(self):
        try:
            data = json.loads(self.ledger.read_text())
            runs = [_run_from_json(r) for r in data["runs"]]
            seed, budget = int(data["seed"]), float(data["budget_flops"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"ledger: {self.ledger} is not a readable oracle ledger ({exc})") from None
        if seed != self.seed:
            raise ValueError(f"seed: the ledger {self.ledger} belongs to seed {seed}, not {self.seed}")
        if budget != self.budget_flops:
            raise ValueError(f"budget_flops: the ledger {self.ledger} was opened with a budget of {budget:.4g} FLOPs")
        self._runs = runs

    def _save(self):
        runs = [_run_to_json(r) for r in self._runs]
        data = {"seed": self.seed, "budget_flops": self.budget_flops, "spent_flops": self.spent,
                "runs": runs, "digest": _digest(self.seed, self.budget_flops, runs)}
        self.ledger.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.ledger.parent, prefix=".oracle-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, self.ledger)

    # -- the API ---------------------------------------------------------------
    @property
    def spent(self) -> float:
        """FLOPs charged so far."""
        return float(math.fsum(r.flops for r in self._runs))

    @property
    def remaining(self) -> float:
        """FLOPs left in the budget."""
        return max(0.0, self.budget_flops - self.spent)

    @property
    def loaded_runs(self) -> int:
        """How many runs the ledger file held when this oracle was created."""
        return self._n_loaded

    @property
    def new_runs(self) -> int:
        """How many runs this oracle has charged since it was created (replays of the ledger are free)."""
        return len(self._runs) - self._n_loaded

    @property
    def runs(self) -> list[RunResult]:
        """Every run so far, in order (a copy)."""
        return list(self._runs)

    def cost(self, N, D) -> float:
        """FLOPs a run of ``N`` parameters on ``D`` tokens would be charged: 6ND."""
        N = check_scalar("N", N, low=0.0, low_inclusive=False)
        D = check_scalar("D", D, low=0.0, low_inclusive=False)
        return 6.0 * N * D

    def train(self, N, D, lr, batch_size, replay: bool = True) -> RunResult:
        """Train ``N`` parameters on ``D`` tokens at peak learning rate ``lr`` and ``batch_size`` tokens per step.

        Charges 6ND FLOPs, or raises :class:`BudgetExceededError` (charging
        nothing) if that would exceed the budget. A diverged run has
        ``loss = nan`` and ``diverged = True``; it is charged in full.

        ``replay=True`` makes a notebook safe to re-run: the k-th call with a
        configuration in this oracle's lifetime returns, free, the k-th run of
        that configuration already in the ledger, if there is one. A call
        beyond the recorded ones is a new run (a new data-order seed).
        """
        N, D, lr, batch_size = _check_config(N, D, lr, batch_size)
        if not isinstance(replay, bool):
            raise ValueError(f"replay must be True or False, got {replay!r}")
        key = (N, D, lr, batch_size)
        recorded = [r for r in self._runs if (r.N, r.D, r.lr, r.batch_size) == key]
        k = self._replayed.get(key, 0)
        if replay and k < len(recorded):
            self._replayed[key] = k + 1
            return recorded[k]
        flops = 6.0 * N * D
        if self.spent + flops > self.budget_flops * (1 + 1e-12):
            raise BudgetExceededError(
                f"this run needs {flops:.4g} FLOPs but only {self.remaining:.4g} of the "
                f"{self.budget_flops:.4g}-FLOP budget remain; the run was refused and nothing was charged")
        result = _simulate(self._law, N, D, lr, batch_size, len(recorded))
        self._runs.append(result)
        self._replayed[key] = len(recorded) + 1
        if self.ledger is not None:
            self._save()
        return result

    def table(self):
        """The runs as a pandas DataFrame (columns of :class:`RunResult`)."""
        import pandas as pd

        return pd.DataFrame(self._runs, columns=RunResult._fields)


def verify_ledger(path, seed: int, budget_flops: float = DEFAULT_BUDGET_FLOPS, law: HiddenLaw | None = None) -> dict:
    """Check a student's ledger: every loss reproduces from the hidden law and the total is within budget.

    Returns ``{"ok": bool, "n_runs": int, "spent_flops": float, "problems": [str, ...]}``.
    It cannot detect a ledger that was deleted and started afresh.
    """
    seed = check_scalar("seed", seed, low=0, integer=True)
    budget_flops = check_scalar("budget_flops", budget_flops, low=0.0, low_inclusive=False)
    law = draw_law(seed) if law is None else check_instance("law", law, HiddenLaw)
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no ledger at {path}")
    try:
        data = json.loads(path.read_text())
        runs = [_run_from_json(r) for r in data["runs"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"path: {path} is not an oracle ledger ({exc})") from None
    problems = []
    if int(data.get("seed", -1)) != seed:
        problems.append(f"ledger seed {data.get('seed')} is not {seed}")
    if float(data.get("budget_flops", -1)) != budget_flops:
        problems.append(f"ledger budget {data.get('budget_flops')} is not {budget_flops:g}")
    seen: dict = {}
    for i, r in enumerate(runs):
        key = (r.N, r.D, r.lr, r.batch_size)
        expected = _simulate(law, r.N, r.D, r.lr, r.batch_size, seen.get(key, 0))
        seen[key] = seen.get(key, 0) + 1
        same_loss = (expected.diverged and r.diverged) or (not r.diverged and math.isclose(expected.loss, r.loss, rel_tol=1e-12))
        if not same_loss or not math.isclose(r.flops, expected.flops, rel_tol=1e-12):
            problems.append(f"run {i} (N={r.N:.3g}, D={r.D:.3g}) does not reproduce")
    spent = math.fsum(r.flops for r in runs)
    if spent > budget_flops * (1 + 1e-12):
        problems.append(f"spent {spent:.4g} FLOPs, over the budget of {budget_flops:.4g}")
    if data.get("digest") != _digest(data.get("seed"), data.get("budget_flops"), data["runs"]):
        problems.append("digest does not match the runs (the file was edited)")
    return {"ok": not problems, "n_runs": len(runs), "spent_flops": spent, "problems": problems}


class Grade(NamedTuple):
    """Score of a prediction against the hidden law at ``target_flops``."""

    score: float
    max_score: float
    N_true: float
    loss_true: float
    N_error_dex: float  # |log10(N_pred / N_true)|
    loss_error: float  # |L_pred - L_true|, nats/token


def true_answer(seed: int | None = None, target_flops: float = DEFAULT_TARGET_FLOPS, law: HiddenLaw | None = None):
    """The hidden law's compute-optimal ``(N_opt, loss)`` at ``target_flops`` (optimal learning rate and batch)."""
    if (seed is None) == (law is None):
        raise ValueError("seed: give exactly one of seed or law")
    target_flops = check_scalar("target_flops", target_flops, low=0.0, low_inclusive=False)
    law = draw_law(seed) if law is None else check_instance("law", law, HiddenLaw)
    opt = compute_optimal(target_flops, law.parametric)
    return float(opt.N_opt), float(opt.loss)


def _partial(err: float, tol: tuple[float, float]) -> float:
    full, zero = tol
    return float(np.clip((zero - err) / (zero - full), 0.0, 1.0))


def grade_prediction(N_opt, loss, *, seed: int | None = None, target_flops: float = DEFAULT_TARGET_FLOPS,
                     law: HiddenLaw | None = None) -> Grade:
    """Score a predicted compute-optimal size ``N_opt`` and its ``loss`` at ``target_flops``.

    ``POINTS["N_opt"]`` for the size: full marks within :data:`N_TOLERANCE_DEX`'s
    first value of the true optimum (in |log10| units), none beyond the second,
    linear in between; likewise ``POINTS["loss"]`` with :data:`LOSS_TOLERANCE_NATS`.
    """
    N_opt = check_scalar("N_opt", N_opt, low=0.0, low_inclusive=False)
    loss = check_scalar("loss", loss, low=0.0, low_inclusive=False)
    N_true, L_true = true_answer(seed, target_flops, law)
    e_N = abs(math.log10(N_opt / N_true))
    e_L = abs(loss - L_true)
    score = POINTS["N_opt"] * _partial(e_N, N_TOLERANCE_DEX) + POINTS["loss"] * _partial(e_L, LOSS_TOLERANCE_NATS)
    return Grade(score, sum(POINTS.values()), N_true, L_true, e_N, e_L)
