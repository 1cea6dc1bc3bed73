"""``python -m scalinglaws fit RUNS.csv --form F``: fit a scaling law to your own runs and print JSON.

One row per run. Forms (:mod:`scalinglaws.fitting.forms`): ``chinchilla``,
``kaplan``, ``gadre``, ``data-constrained``, ``powerlaw`` (loss against one
column) and ``isoflop`` (Approach 2: the exponents a, b of N_opt ~ C^a from
each budget's minimum, with the budgets used and excluded and why).

* ``--predict TARGETS.csv`` adds ``"predictions"``, one per row of TARGETS in
  its order, with prediction intervals for one new run at ``--level``.
* ``--holdout [K]`` fits every form the columns allow (or those listed in
  ``--form a,b``) on all but the runs of the K largest model sizes
  (``--holdout-above N``: all but the runs larger than N) and reports each
  form's error on the held-out runs, best first.

Column names are options (``--n-col`` etc.). Bad input of any kind raises
``ValueError`` / ``FileNotFoundError`` with a one-line message saying what is
wrong and where; :func:`scalinglaws.cli.main` prints it and exits with status 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from scalinglaws._validation import check_in, check_scalar, parse_number
from scalinglaws.fitting.forms import FORMS, LOSS_FORMS, fit_form, holdout, holdout_split, predict_form

__all__ = ["register", "read_runs", "run_fit", "FORMS", "DEFAULT_BOOTSTRAP", "DEFAULT_LEVEL"]

#: Resamples behind every interval the command prints (0 turns them off).
DEFAULT_BOOTSTRAP = 200
#: Level of the intervals it prints; ``benchmarks/coverage.py`` measures how often 90% intervals cover the truth.
DEFAULT_LEVEL = 0.9


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ValueError(f"{path.name} is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); save it as "
                         f"UTF-8 CSV") from None


def read_runs(path, columns, optional=(), text=()) -> dict[str, np.ndarray]:
    """Read the named ``columns`` of a CSV file as positive finite float arrays (``optional`` ones if present).

    ``text`` columns (e.g. budget labels) are read as stripped strings.

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError``
    (one line, naming the file, column and line) for text that is not UTF-8,
    an empty file, a header with no rows, a missing column, a row with the
    wrong number of fields, or a value that is not a positive finite number.
    Blank lines are skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    content = _decode(path)
    reader = csv.reader(content.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValueError(f"{path.name} is empty: expected a header row naming the columns") from None
    except csv.Error as exc:
        raise ValueError(f"{path.name}, line 1: {exc}") from None
    for col in list(columns) + list(text):
        if col not in header:
            raise ValueError(f"column {col!r} not in {path.name} (columns: {', '.join(h for h in header if h) or 'none'})")
    wanted = list(dict.fromkeys(list(columns) + [c for c in optional if c in header] + list(text)))
    index = {c: header.index(c) for c in wanted}
    cells = {c: [] for c in wanted}
    lines = []
    try:
        for row in reader:
            if not row or all(not f.strip() for f in row):
                continue
            if len(row) != len(header):
                raise ValueError(f"{path.name}, line {reader.line_num}: {len(row)} fields, the header has {len(header)}")
            lines.append(reader.line_num)
            for c, i in index.items():
                cells[c].append(row[i])
    except csv.Error as exc:
        raise ValueError(f"{path.name}, line {reader.line_num}: {exc}") from None
    if not lines:
        raise ValueError(f"{path.name} has a header but no rows")
    out = {c: np.array([v.strip() for v in cells[c]]) for c in text}
    for c, values in cells.items():
        if c in text:
            continue
        try:
            arr = np.array(values, dtype=float)
        except ValueError:
            arr = None
        if arr is None or not np.all(np.isfinite(arr)) or not np.all(arr > 0):
            # the slow path only to say where: the first bad cell, with its line
            for text_value, line in zip(values, lines):
                parse_number(text_value, f"{path.name}, column {c!r}, line {line}", positive=True)
        out[c] = arr
    return out


def _role_columns(form, args_cols, flops_for_tokens):
    """The user's column name of each role, and the roles (loss included) that ``form`` reads from the file."""
    cols = {"N": args_cols["n"], "D": args_cols["d"], "U": args_cols["u"], "C": args_cols["flops"],
            "x": args_cols["x"] or args_cols["n"], "loss": args_cols["loss"], "budget": args_cols["budget"]}
    needed = list(FORMS[form].roles) + ["loss"]
    if flops_for_tokens and "D" in needed:
        needed[needed.index("D")] = "C"  # D = C/(6N)
    return cols, needed


def _load(path, form, cols, needed, flops_for_tokens, text=()):
    """The roles ``needed`` (and ``text`` roles as labels) from the CSV at ``path``; D from C if asked."""
    data = read_runs(path, [cols[r] for r in needed], text=[cols[r] for r in text])
    out = {r: data[cols[r]] for r in list(needed) + list(text)}
    if flops_for_tokens and "D" in FORMS[form].roles:
        out["D"] = out["C"] / (6.0 * out["N"])
    return out


def run_fit(path, form: str = "chinchilla", n_col: str = "N", d_col: str = "D", loss_col: str = "loss",
            flops_col: str | None = None, x_col: str | None = None, u_col: str = "U", budget_col: str | None = None,
            bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0, level: float = DEFAULT_LEVEL, predict=None,
            minimum: str = "akima", free=("R_D_star", "R_N_star"), holdout_largest: int | None = None,
            holdout_above: float | None = None) -> dict:
    """What ``fit`` prints: fit ``form`` to the runs in the CSV at ``path`` and return a JSON-ready dict.

    Tokens come from ``d_col``, or, when ``flops_col`` is given (and the form
    reads tokens), from D = C/(6N). ``--form isoflop`` reads N, C (``flops_col``,
    default ``C``) and loss; ``budget_col`` labels the budgets (default: C
    rounded to 3 significant figures). ``predict`` is a CSV of targets with
    the same columns but loss. ``holdout_largest``/``holdout_above`` switch
    to the hold-out comparison (``form`` may then list several forms,
    separated by commas, or be ``"all"``).
    """
    bootstrap = check_scalar("bootstrap", bootstrap, low=0, integer=True)
    seed = check_scalar("seed", seed, low=0, integer=True)
    level = check_scalar("level", level, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    args_cols = {"n": n_col, "d": d_col, "u": u_col, "flops": flops_col or "C", "x": x_col, "loss": loss_col,
                 "budget": budget_col}
    if holdout_largest is not None or holdout_above is not None:
        return _run_holdout(path, form, args_cols, flops_col is not None, bootstrap, seed, level, free,
                            holdout_largest, holdout_above)
    check_in("form", form, tuple(FORMS))
    flops_for_tokens = flops_col is not None and form != "isoflop"
    cols, needed = _role_columns(form, args_cols, flops_for_tokens)
    text = ("budget",) if form == "isoflop" and budget_col else ()
    data = _load(path, form, cols, needed, flops_for_tokens, text)
    labels = {r: cols[r] for r in cols if cols[r]}
    if flops_for_tokens:
        labels["D"] = f"{cols['C']}/(6*{cols['N']})"
    fit = fit_form(form, data, bootstrap=bootstrap, seed=seed, level=level, minimum=minimum, free=free,
                   labels=labels)
    result = fit.to_dict()
    result["form"] = result.get("form", form) if form != "isoflop" else "isoflop"
    result["file"] = str(path)
    if predict is not None:
        wanted = [r for r in needed if r != "loss"] if form != "isoflop" else ["C"]
        targets = _load(predict, form, cols, wanted, flops_for_tokens)
        result["predictions"] = predict_form(form, fit, targets, level=level)
    return result


def _run_holdout(path, form, args_cols, flops_given, bootstrap, seed, level, free, largest, above):
    names = LOSS_FORMS if form in ("all", None) else tuple(f.strip() for f in str(form).split(","))
    for name in names:
        check_in("form", name, LOSS_FORMS)
    # Read every column any of the forms needs; forms whose columns are missing are skipped with the reason.
    first = path if isinstance(path, Path) else Path(path)
    header_probe = read_header(first)
    data, labels, skipped = {}, {}, []
    usable = []
    for name in names:
        cols, needed = _role_columns(name, args_cols, flops_given)
        missing = [cols[r] for r in needed if cols[r] not in header_probe]
        if missing:
            skipped.append({"form": name, "error": f"column {missing[0]!r} not in {first.name}"})
            continue
        usable.append(name)
        for r in needed:
            labels[r] = cols[r]
    if not usable:
        raise ValueError(f"form: none of {', '.join(names)} can be fitted: {skipped[0]['error']}")
    read = sorted({labels[r] for r in labels})
    raw = read_runs(first, read)
    for r, c in labels.items():
        data[r] = raw[c]
    if flops_given and "C" in data and "N" in data:
        data["D"] = data["C"] / (6.0 * data["N"])
    size = data["N"] if "N" in data else data["x"]
    test = holdout_split(size, largest=largest, above=above)
    scores = holdout(usable, data, test, bootstrap=bootstrap, seed=seed, level=level, free=free, labels=labels)
    column = labels.get("N", labels.get("x"))
    rule = f"held out: runs with {column} > {above:g}" if above is not None else \
        f"held out: runs with {column} >= {float(np.min(size[test])):g} (the {largest or 1} largest)"
    return {"holdout": {"rule": rule, "train_runs": int((~test).sum()), "test_runs": int(test.sum()),
                        "level": level, "bootstrap": bootstrap, "forms": scores + skipped,
                        "best": scores[0]["form"] if scores and "error" not in scores[0] else None},
            "file": str(path)}


def read_header(path) -> list[str]:
    """The column names of a CSV file (first row), for checking which forms it can feed."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    text = _decode(path)
    first = next(csv.reader(text.splitlines()), None)
    if first is None:
        raise ValueError(f"{path.name} is empty: expected a header row naming the columns")
    return [h.strip() for h in first]


def _fit_command(args) -> int:
    result = run_fit(args.file, args.form, n_col=args.n_col, d_col=args.d_col, loss_col=args.loss_col,
                     flops_col=args.flops_col, x_col=args.x_col, u_col=args.u_col, budget_col=args.budget_col,
                     bootstrap=args.bootstrap, seed=args.seed, level=args.level, predict=args.predict,
                     minimum=args.minimum, free=args.free, holdout_largest=args.holdout,
                     holdout_above=args.holdout_above)
    # allow_nan=False: a NaN anywhere is a bug to report, never a number to print
    try:
        text = json.dumps(result, indent=2, allow_nan=False)
    except ValueError:
        raise ValueError("the fit produced a non-finite number; check the runs for outliers") from None
    print(text)
    return 0


def _int_at_least(name, low):
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise ValueError(f"{name} must be an integer >= {low}, got {text!r}") from None
        if v < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {text!r}")
        return v
    return parse


def _level(text):
    v = parse_number(text, "--level")
    if not 0 < v < 1:
        raise ValueError(f"--level must be between 0 and 1, got {text!r}")
    return v


def register(subparsers) -> None:
    """Add the ``fit`` sub-command to an argparse ``subparsers`` object."""
    p = subparsers.add_parser("fit", help="fit a scaling law to runs in a CSV file and print JSON",
                              description="Fit a scaling law to runs in a CSV file (one row per run) and print JSON.")
    p.add_argument("file", help="CSV file with a header row (UTF-8)")
    p.add_argument("--form", default="chinchilla",
                   help="one of " + ", ".join(FORMS) + " (default chinchilla). chinchilla: E + A/N^alpha + "
                        "B/D^beta (Huber on log L); kaplan: Eq. 1.5; gadre: E + A/N^alpha + B/D^alpha; "
                        "data-constrained: Muennighoff et al. (needs --u-col); powerlaw: loss = E + A x^-alpha; "
                        "isoflop: N_opt ~ C^a from IsoFLOP profiles (needs --flops-col). With --holdout, a "
                        "comma-separated list or 'all'")
    p.add_argument("--n-col", default="N", help="column of parameters (default N)")
    p.add_argument("--d-col", default="D", help="column of training tokens (default D)")
    p.add_argument("--flops-col", default=None, help="column of training FLOPs: isoflop's budgets; for other "
                   "forms D = C/(6N) (default: use --d-col; isoflop reads C)")
    p.add_argument("--u-col", default="U", help="column of unique tokens for data-constrained (default U)")
    p.add_argument("--loss-col", default="loss", help="column of losses, nats/token (default loss)")
    p.add_argument("--x-col", default=None, help="x column for --form powerlaw (default: --n-col)")
    p.add_argument("--budget-col", default=None, help="column labelling isoflop budgets (default: C to 3 digits)")
    p.add_argument("--minimum", default="akima", help="how isoflop locates each budget's minimum: akima "
                   "(default; Porian et al.'s interpolation), local (a weighted quadratic near the minimum, "
                   "steadier on noisy runs) or parabola (for comparison)")
    p.add_argument("--free", default="R_D_star,R_N_star", help="data-constrained coefficients to fit "
                   "(default R_D_star,R_N_star; others: E,A,B,alpha,beta, fixed at Muennighoff et al.'s fit)")
    p.add_argument("--predict", default=None, metavar="TARGETS.csv",
                   help="CSV of runs to predict (the same columns but loss); adds 'predictions' in its row order")
    p.add_argument("--holdout", nargs="?", const="1", default=None, metavar="K",
                   help="fit on all but the runs of the K largest model sizes (default 1) and report each "
                        "form's error on them")
    p.add_argument("--holdout-above", default=None, metavar="N",
                   help="hold out the runs with more than N parameters instead")
    p.add_argument("--bootstrap", type=str, default=str(DEFAULT_BOOTSTRAP),
                   help=f"resamples behind the intervals (default {DEFAULT_BOOTSTRAP}; 0: no intervals)")
    p.add_argument("--level", type=str, default=str(DEFAULT_LEVEL),
                   help=f"level of the intervals (default {DEFAULT_LEVEL})")
    p.add_argument("--seed", type=str, default="0", help="seed of the resampling (default 0)")
    p.set_defaults(func=lambda args: _fit_command(_parse(args)))


def _parse(args):
    args.bootstrap = _int_at_least("--bootstrap", 0)(args.bootstrap)
    args.seed = _int_at_least("--seed", 0)(args.seed)
    args.level = _level(args.level)
    args.free = tuple(f.strip() for f in args.free.split(",") if f.strip())
    if args.holdout is not None:
        args.holdout = _int_at_least("--holdout", 1)(args.holdout)
    if args.holdout_above is not None:
        args.holdout_above = parse_number(args.holdout_above, "--holdout-above", positive=True)
        args.holdout = None
    if args.holdout is None and args.holdout_above is None and "," in args.form:
        raise ValueError(f"--form: a list of forms ({args.form}) needs --holdout")
    return args
