"""``python -m scalinglaws fit FILE.csv --form chinchilla|kaplan|powerlaw``: fit a law to your own runs.

One row per run; prints JSON: coefficients, objective, exponents, bootstrap
intervals when asked (``--bootstrap K``), number of points.

Bad input raises ``ValueError`` / ``FileNotFoundError`` with a one-line
message; :func:`scalinglaws.cli.main` prints it and exits with status 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from scalinglaws._validation import check_in, check_scalar, parse_number
from scalinglaws.fitting.kaplan import fit_kaplan_nd
from scalinglaws.fitting.parametric import fit_parametric
from scalinglaws.fitting.powerlaw import fit_power_law

__all__ = ["register", "read_runs", "run_fit", "FORMS"]

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
        out[col] = np.array([parse_number(row.get(col) or "", f"column {col!r}, line {i}", positive=True)
                             for i, row in enumerate(rows, start=2)])
    return out


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
            result = fit_parametric(N, D, L, bootstrap=bootstrap, seed=seed).to_dict()
        else:
            result = fit_kaplan_nd(N, D, L, bootstrap=bootstrap, seed=seed).to_dict()
    result["file"] = str(path)
    return result


def _fit_command(args) -> int:
    result = run_fit(args.file, args.form, n_col=args.n_col, d_col=args.d_col, loss_col=args.loss_col,
                     flops_col=args.flops_col, x_col=args.x_col, bootstrap=args.bootstrap, seed=args.seed)
    print(json.dumps(result, indent=2))
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
    """Add the ``fit`` sub-command to an argparse ``subparsers`` object."""
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


def _parse_ints(args):
    args.bootstrap = _nonnegative_int("--bootstrap")(args.bootstrap)
    args.seed = _nonnegative_int("--seed")(args.seed)
    return args
