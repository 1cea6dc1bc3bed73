"""The ``fit`` and ``optimal`` sub-commands of ``python -m scalinglaws``.

* ``fit FILE.csv --form chinchilla|kaplan|powerlaw``: fit a law to your own
  runs (one row per run) and print JSON: coefficients, objective, exponents,
  bootstrap intervals when asked (``--bootstrap K``), number of points.
* ``optimal --compute C --law chinchilla|chinchilla-rounded|epoch|kaplan``:
  the compute-optimal N, D, tokens per parameter and predicted loss for a
  budget of C FLOPs.

Bad input raises ``ValueError`` / ``FileNotFoundError`` with a one-line
message; :func:`scalinglaws.cli.main` prints it and exits with status 2.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize

from scalinglaws import chinchilla
from scalinglaws._validation import as_float_array, check_in, check_same_length, check_scalar
from scalinglaws.constants import KAPLAN_LND

__all__ = ["register", "read_runs", "KaplanFit", "fit_kaplan_nd", "run_fit", "run_optimal", "FORMS"]

FORMS = ("chinchilla", "kaplan", "powerlaw")


def read_runs(path, columns) -> dict[str, np.ndarray]:
    """Read the named ``columns`` of a CSV file as positive finite float arrays.

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError``
    for a missing column, an empty file, or a value that is not a positive number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        rows = list(reader)
    for col in columns:
        if col not in header:
            raise ValueError(f"column {col!r} not in {path.name} (columns: {', '.join(header) or 'none'})")
    out = {}
    for col in columns:
        values = []
        for i, row in enumerate(rows, start=2):
            text = (row.get(col) or "").strip()
            try:
                v = float(text)
            except ValueError:
                raise ValueError(f"column {col!r}, line {i}: {text!r} is not a number") from None
            if not math.isfinite(v) or v <= 0:
                raise ValueError(f"column {col!r}, line {i}: {text!r} must be a positive finite number")
            values.append(v)
        out[col] = np.array(values)
    return out


# ---------------------------------------------------------------------------
# Kaplan et al.'s joint law L(N, D) (Eq. 1.5), fitted with scipy
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanFit:
    """L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D fitted by least squares on log L.

    ``a`` and ``b`` are the exponents of N_opt ~ C^a, D_opt ~ C^b implied by
    minimising this law at fixed C = 6ND: a = alpha_D/(alpha_N + alpha_D).
    """

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float
    objective: float
    n_points: int
    bootstrap_params: np.ndarray = field(default_factory=lambda: np.empty((0, 6)))
    level: float = 0.95
    intervals: dict = field(default_factory=dict)

    @property
    def a(self) -> float:
        return self.alpha_D / (self.alpha_N + self.alpha_D)

    @property
    def b(self) -> float:
        return self.alpha_N / (self.alpha_N + self.alpha_D)

    def predict(self, N, D):
        """Fitted loss at N parameters and D tokens."""
        N = as_float_array("N", N, positive=True)
        D = as_float_array("D", D, positive=True)
        out = np.exp(_kaplan_log_loss(self._theta(), np.log(N), np.log(D)))
        return out if out.ndim else float(out)

    def _theta(self):
        return np.array([math.log(self.N_c), math.log(self.D_c), self.alpha_N, self.alpha_D])

    def to_dict(self) -> dict:
        return {
            "form": "kaplan: ((N_c/N)**(alpha_N/alpha_D) + D_c/D)**alpha_D",
            "coefficients": {"N_c": self.N_c, "D_c": self.D_c, "alpha_N": self.alpha_N, "alpha_D": self.alpha_D},
            "exponents": {"a": self.a, "b": self.b},
            "objective": self.objective,
            "loss": "0.5 * sum of squared log-loss residuals",
            "n_points": self.n_points,
            "bootstrap": int(self.bootstrap_params.shape[0]),
            "level": self.level,
            "intervals": {k: [float(v[0]), float(v[1])] for k, v in self.intervals.items()},
        }


def _kaplan_log_loss(theta, logN, logD):
    """log L = alpha_D * log(exp((alpha_N/alpha_D)(log N_c - log N)) + exp(log D_c - log D))."""
    lNc, lDc, aN, aD = theta
    return aD * np.logaddexp((aN / aD) * (lNc - logN), lDc - logD)


def _kaplan_fit_once(logN, logD, logL, starts):
    best = None
    for s in starts:
        res = optimize.least_squares(lambda t: _kaplan_log_loss(t, logN, logD) - logL, s,
                                     bounds=([-np.inf, -np.inf, 1e-4, 1e-4], [np.inf, np.inf, 5.0, 5.0]),
                                     method="trf", x_scale="jac")
        if best is None or res.cost < best.cost:
            best = res
    return best


def fit_kaplan_nd(N, D, L, *, bootstrap: int = 0, seed: int = 0, level: float = 0.95) -> KaplanFit:
    """Fit Kaplan et al.'s Eq. 1.5 to runs (N parameters, D tokens, L nats/token).

    ``scipy.optimize.least_squares`` on log-loss residuals from a small grid of
    starts (including Kaplan's Table 2 values); bootstrap percentile intervals
    for alpha_N, alpha_D, a, b (and N_c, D_c) with ``bootstrap=K`` resamples.
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    N = as_float_array("N", N, positive=True).ravel()
    D = as_float_array("D", D, positive=True).ravel()
    L = as_float_array("L", L, positive=True).ravel()
    check_same_length(N=N, D=D, L=L)
    if N.size < 5:
        raise ValueError(f"N needs at least 5 runs, got {N.size}")
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    p = KAPLAN_LND
    starts = [np.array([math.log(p.N_c), math.log(p.D_c), p.alpha_N, p.alpha_D])]
    starts += [np.array([lnc, lnd, an, ad]) for lnc in (20.0, 35.0) for lnd in (20.0, 35.0)
               for an in (0.1, 0.4) for ad in (0.1, 0.4)]
    best = _kaplan_fit_once(logN, logD, logL, starts)
    draws = []
    if bootstrap:
        rng = np.random.default_rng(seed)
        for _ in range(bootstrap):
            idx = rng.integers(0, N.size, size=N.size)
            r = _kaplan_fit_once(logN[idx], logD[idx], logL[idx], [best.x])
            lNc, lDc, aN, aD = r.x
            draws.append([math.exp(lNc), math.exp(lDc), aN, aD, aD / (aN + aD), aN / (aN + aD)])
    draws = np.array(draws, dtype=float).reshape(-1, 6)
    draws = draws[np.all(np.isfinite(draws), axis=1)]
    intervals = {}
    if draws.shape[0]:
        lo, hi = np.percentile(draws, [50 * (1 - level), 50 * (1 + level)], axis=0)
        intervals = {k: (float(lo[i]), float(hi[i])) for i, k in enumerate(("N_c", "D_c", "alpha_N", "alpha_D", "a", "b"))}
    lNc, lDc, aN, aD = best.x
    return KaplanFit(N_c=math.exp(lNc), D_c=math.exp(lDc), alpha_N=float(aN), alpha_D=float(aD),
                     objective=float(best.cost), n_points=int(N.size), bootstrap_params=draws,
                     level=float(level), intervals=intervals)


# ---------------------------------------------------------------------------
# The sub-commands
# ---------------------------------------------------------------------------


def run_fit(path, form: str = "chinchilla", n_col: str = "N", d_col: str = "D", loss_col: str = "loss",
            flops_col: str | None = None, x_col: str | None = None, bootstrap: int = 0, seed: int = 0) -> dict:
    """What ``fit`` prints: fit ``form`` to the runs in the CSV at ``path`` and return a JSON-ready dict.

    Tokens come from ``d_col``, or, when ``flops_col`` is given, from D = C/(6N).
    ``--form powerlaw`` fits loss = E + A x^-alpha with x from ``x_col``
    (default ``n_col``).
    """
    check_in("form", form, FORMS)
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    if form == "powerlaw":
        from scalinglaws.powerlaw import fit_power_law

        x_name = x_col or n_col
        data = read_runs(path, [x_name, loss_col])
        if data[loss_col].size < 4:
            raise ValueError(f"need at least 4 rows for --form powerlaw, got {data[loss_col].size}")
        result = fit_power_law(data[x_name], data[loss_col], bootstrap=bootstrap, seed=seed).to_dict()
    else:
        cols = [n_col, flops_col if flops_col else d_col, loss_col]
        data = read_runs(path, cols)
        N, L = data[n_col], data[loss_col]
        D = data[flops_col] / (6.0 * N) if flops_col else data[d_col]
        need = 6 if form == "chinchilla" else 5
        if N.size < need:
            raise ValueError(f"need at least {need} rows for --form {form}, got {N.size}")
        if form == "chinchilla":
            result = chinchilla.fit_parametric(N, D, L, bootstrap=bootstrap, seed=seed).to_dict()
        else:
            result = fit_kaplan_nd(N, D, L, bootstrap=bootstrap, seed=seed).to_dict()
    result["file"] = str(path)
    return result


def run_optimal(compute, law: str = "chinchilla") -> dict:
    """What ``optimal`` prints: the compute-optimal allocation of ``compute`` FLOPs under ``law``."""
    check_in("law", law, chinchilla.LAW_NAMES)
    C = check_scalar("compute", compute, low=0.0, low_inclusive=False)
    opt = chinchilla.optimal_allocation(C, law)
    out = {
        "law": law,
        "compute_flops": C,
        "N_opt": opt.N_opt,
        "D_opt": opt.D_opt,
        "tokens_per_param": opt.tokens_per_param,
        "loss": opt.loss,
    }
    if law == "kaplan":
        out["note"] = ("Kaplan et al. Table 6 frontier with C_min in PF-days: N_opt counts non-embedding "
                       "parameters; loss is L(C_min) of Eq. 1.3")
    return out


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"--compute must be a number of FLOPs, got {text!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"--compute must be a positive finite number of FLOPs, got {text!r}")
    return v


def _fit_command(args) -> int:
    result = run_fit(args.file, args.form, n_col=args.n_col, d_col=args.d_col, loss_col=args.loss_col,
                     flops_col=args.flops_col, x_col=args.x_col, bootstrap=args.bootstrap, seed=args.seed)
    print(json.dumps(result, indent=2))
    return 0


def _optimal_command(args) -> int:
    print(json.dumps(run_optimal(_positive_float(args.compute), args.law), indent=2))
    return 0


def _nonnegative_int(name):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise ValueError(f"{name} must be a non-negative integer, got {text!r}") from None
        if v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {text!r}")
        return v
    return parse


def register(subparsers) -> None:
    """Add the ``fit`` and ``optimal`` sub-commands to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("fit", help="fit a scaling law to runs in a CSV file and print JSON",
                              description="Fit a scaling law to runs in a CSV file (one row per run) and print JSON.")
    p.add_argument("file", help="CSV file with a header row")
    p.add_argument("--form", default="chinchilla",
                   help="one of chinchilla, kaplan, powerlaw (default chinchilla). chinchilla: E + A/N^alpha + B/D^beta (Huber on log L); kaplan: Eq. 1.5; "
                        "powerlaw: loss = E + A x^-alpha")
    p.add_argument("--n-col", default="N", help="column of parameters (default N)")
    p.add_argument("--d-col", default="D", help="column of training tokens (default D)")
    p.add_argument("--flops-col", default=None, help="column of training FLOPs; if given, D = C/(6N)")
    p.add_argument("--loss-col", default="loss", help="column of losses, nats/token (default loss)")
    p.add_argument("--x-col", default=None, help="x column for --form powerlaw (default: --n-col)")
    p.add_argument("--bootstrap", type=str, default="0", help="bootstrap resamples K for intervals (default 0)")
    p.add_argument("--seed", type=str, default="0", help="seed of the bootstrap (default 0)")
    p.set_defaults(func=lambda args: _fit_command(_parse_ints(args)))

    q = subparsers.add_parser("optimal", help="compute-optimal N, D, tokens/param and loss for a FLOP budget",
                              description="Compute-optimal model size and data for a training budget in FLOPs.")
    q.add_argument("--compute", required=True, help="training budget C in FLOPs, e.g. 5.76e23")
    q.add_argument("--law", default="chinchilla",
                   help="one of: " + ", ".join(chinchilla.LAW_NAMES) + " (default chinchilla)")
    q.set_defaults(func=_optimal_command)


def _parse_ints(args):
    args.bootstrap = _nonnegative_int("--bootstrap")(args.bootstrap)
    args.seed = _nonnegative_int("--seed")(args.seed)
    return args
