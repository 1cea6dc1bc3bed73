"""Flatten the 182 runs of Muennighoff et al. (2023)'s data-constrained fit into
data/muennighoff2023.csv (+ .json).

Source: github.com/huggingface/datablations, ``utils/parametric_fit.ipynb``.
The runs are not in a data file: they are a dict literal in the notebook, the
cell headed "Custom data loading with outliers removed" (the one under "Fit
default"), mapping a run name such as ``"146m5b9100m"`` (146M parameters,
5.9B tokens seen, 100M unique tokens) to its final validation loss, together
with ``PARAMS_MAP`` (name prefix -> parameter count) and ``TOKENS_MAP`` (a few
token spellings -> billions). The next cell parses the names and keeps every
run whose loss is not 0 (unfinished) and whose name does not end in
``dedup``; that gives the 182 runs the fit of R_D* = 15.39 and R_N* = 5.31
uses. This script reads those literals with ``ast`` (the notebook is never
executed), parses the names by the same rule, and checks the result against
that cell's printed output, row by row.

Run::

    .venv/bin/python data/flatten/muennighoff2023.py /path/to/datablations[.git]
"""

from __future__ import annotations

import ast
import json
import math

from _common import GitSource, assignments, parse_args, sha256, write_outputs

NAME = "muennighoff2023"
REPO_URL = "https://github.com/huggingface/datablations"
COMMIT = "13701315b163f1c54642b94ad237b2699187c3ee"
NOTEBOOK = "utils/parametric_fit.ipynb"
LICENCE = "LICENSE.md"
DATA_MARKDOWN = "##### Custom data loading with outliers removed"
EXPECTED_RUNS = 182


def find_cells(nb: dict) -> tuple[str, dict, list[str]]:
    """The data cell after the heading, and the parsing cell's source and printed lines."""
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and "".join(cell["source"]).strip() == DATA_MARKDOWN:
            data_cell, parse_cell = cells[i + 1], cells[i + 2]
            break
    else:
        raise SystemExit(f"error: no cell headed {DATA_MARKDOWN!r} in {NOTEBOOK}")
    printed = []
    for out in parse_cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stdout":
            printed.extend("".join(out["text"]).splitlines())
    return "".join(data_cell["source"]), "".join(parse_cell["source"]), printed


def printed_fit(nb: dict) -> tuple[list[float], int]:
    """The authors' printed result of the default fit: [a, b, e, alpha, beta, R_D*, R_N*] and its sample count.

    It is the first cell after the data cells whose output has the line
    'a, b, e, alpha, beta, ep_star, n_star:  [...]' (the fitting cell under
    "Fit default"); a, b, e, alpha and beta in it are the fixed coefficients.
    """
    cells = nb["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "".join(c["source"]).strip() == DATA_MARKDOWN)
    for cell in cells[start + 3 :]:
        text = "".join("".join(o.get("text", [])) for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        for line in text.splitlines():
            if line.startswith("a, b, e, alpha, beta, ep_star, n_star:"):
                samples = [int(x.split()[-1]) for x in text.splitlines() if x.startswith("Samples:")]
                return [float(v) for v in ast.literal_eval(line.split(":", 1)[1].strip())], samples[0]
    raise SystemExit(f"error: no printed default fit after the data cell of {NOTEBOOK}")


def dict_literals(source: str) -> tuple[dict, dict]:
    """NAMES_TO_VAL_LOSSES as Python evaluates it (a repeated key keeps its last value), plus the two maps.

    Also returns the keys that occur more than once, so the sidecar can say so.
    """
    nodes = assignments(source, ["NAMES_TO_VAL_LOSSES", "TOKENS_MAP", "PARAMS_MAP"], f"the data cell of {NOTEBOOK}")
    values, repeated = {}, {}
    for name, node in nodes.items():
        keys = [ast.literal_eval(k) for k in node.keys]
        repeated[name] = sorted({k for k in keys if keys.count(k) > 1})
        values[name] = ast.literal_eval(node)
    return values, repeated


def parse_name(name: str, params_map: dict, tokens_map: dict) -> tuple[float, float, float]:
    """(parameters, tokens seen, unique tokens) from a run name, by the notebook's rule.

    The name is <params><tokens><unique>; params is the shortest prefix found
    in PARAMS_MAP; unique tokens are the last 4 characters (3 when the name
    ends in a digit preceded by b/m, as in '1b5'), shortened until they hold
    at most one 'b' and one 'm'; tokens are what lies between. A token string
    is looked up in TOKENS_MAP, otherwise 'b' is read as a decimal point, in
    billions ('5b9' -> 5.9e9, '55b' -> 55e9).
    """
    idx = 2
    while name[:idx] not in params_map:
        idx += 1
        if idx > len(name):
            raise SystemExit(f"error: no parameter prefix for run {name}")
    params, start = params_map[name[:idx]], idx

    end = -4 if (name[-1] in ("b", "m")) or (name[-2] not in ("b", "m")) else -3
    unique = name[end:]
    while unique.count("b") > 1 or unique.count("m") > 1:
        end += 1
        unique = name[end:]

    def billions(s: str) -> float:
        return (tokens_map[s] if s in tokens_map else float(s.replace("b", ".").strip("."))) * 1e9

    return float(params), billions(name[start:end]), billions(unique)


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], COMMIT)
    src = GitSource(args.source, args.commit)
    raw = src.read(NOTEBOOK)
    nb = json.loads(raw)
    data_src, parse_src, printed = find_cells(nb)
    values, repeated = dict_literals(data_src)
    losses, tokens_map, params_map = values["NAMES_TO_VAL_LOSSES"], values["TOKENS_MAP"], values["PARAMS_MAP"]
    if "loss != 0 and not(name.endswith(\"dedup\"))" not in parse_src:
        raise SystemExit("error: the parsing cell no longer filters as this script assumes")

    fit, fit_samples = printed_fit(nb)
    rows = []
    skipped_unfinished, skipped_dedup = [], []
    for name, loss in losses.items():
        if loss == 0:
            skipped_unfinished.append(name)
            continue
        if name.endswith("dedup"):
            skipped_dedup.append(name)
            continue
        n, d, u = parse_name(name, params_map, tokens_map)
        if u > d:
            raise SystemExit(f"error: {name}: more unique tokens than tokens")
        rows.append({"run": name, "N": n, "D": d, "U": u, "epochs": d / u, "loss": float(loss)})

    # The parsing cell printed "name N/1e9 D/1e9 U/1e9 loss" for every run it kept, in order.
    if not len(rows) == len(printed) == fit_samples == EXPECTED_RUNS:
        raise SystemExit(f"error: {len(rows)} runs parsed, {len(printed)} printed, {fit_samples} fitted; expected {EXPECTED_RUNS}")
    for row, line in zip(rows, printed):
        name, *nums = line.split()
        ours = [row["N"] / 1e9, row["D"] / 1e9, row["U"] / 1e9, row["loss"]]
        if name != row["run"] or not all(math.isclose(a, float(b), rel_tol=1e-12) for a, b in zip(ours, nums)):
            raise SystemExit(f"error: parsed {row} but the notebook printed {line!r}")

    columns = {
        "run": "the authors' run name: <parameters><tokens seen><unique tokens>, e.g. 146m5b9100m",
        "N": "parameters (the notebook's PARAMS_MAP value for the name's prefix; total parameters of the GPT-2-style model)",
        "D": "training tokens seen, GPT-2 tokenizer (the name's middle part, in billions)",
        "U": "unique tokens in the training subset (C4), GPT-2 tokenizer (the name's last part); D / U epochs",
        "epochs": "D / U, passes over the unique data (1 = no repetition)",
        "loss": "final validation loss on C4's validation set, nats per token (GPT-2 tokenizer), as typed into the notebook from each run's logs",
    }
    meta = {
        "name": NAME,
        "description": (
            "The 182 training runs that Muennighoff et al. (2023), 'Scaling Data-Constrained Language Models', fit "
            "their data-constrained scaling law to (R_D* = 15.39, R_N* = 5.31): GPT-2-style models of 7M-8.7B "
            "parameters trained on 100M-178B unique tokens of C4 for 1 to 9000 epochs (0.1B-900B tokens seen)."
        ),
        "source_repo": REPO_URL,
        "source_commit": src.commit,
        "source_paths": {NOTEBOOK: sha256(raw), LICENCE: sha256(src.read(LICENCE))},
        "licence": "Apache-2.0 (LICENSE.md; README: 'All models & code are licensed under Apache 2.0')",
        "derivation": [
            f"Runs are the dict NAMES_TO_VAL_LOSSES in the code cell after the markdown cell {DATA_MARKDOWN!r} of "
            f"{NOTEBOOK}, read with ast.literal_eval (so a repeated key keeps its last value, as in Python).",
            f"Dropped as the notebook's next cell drops them: {len(skipped_unfinished)} runs with loss 0 (unfinished: "
            f"{', '.join(skipped_unfinished)}) and {len(skipped_dedup)} runs on deduplicated data (names ending in "
            "'dedup'). Runs commented out in the cell (outliers removed by the authors) are not in the dict at all.",
            "N, D and U are parsed from the run name by the notebook's rule (PARAMS_MAP prefix; TOKENS_MAP or 'b' as "
            "a decimal point, in billions); every row was checked against the notebook's printed output "
            "(name N/1e9 D/1e9 U/1e9 loss, 182 lines).",
            "epochs = D / U is derived. The fit's inputs U_N, R_N and R_D are not stored: they depend on the fixed "
            "Chinchilla-C4 coefficients (authors_fit.fixed).",
        ],
        "repeated_keys_in_source": repeated["NAMES_TO_VAL_LOSSES"],
        "authors_fit": {
            "form": "L = E + A / (U_N + U_N R_N* (1 - exp(-R_N / R_N*)))^alpha + B / (U_D + U_D R_D* (1 - exp(-R_D / R_D*)))^beta",
            "definitions": "U_D = U; R_D = max(D / U - 1, 0); U_N = min(N, N_opt(U)) with N_opt(U) the compute-optimal N for D_opt = U under the fixed coefficients; R_N = max(N / U_N - 1, 0)",
            "fixed": {
                **dict(zip(["a", "b", "e", "alpha", "beta"], fit[:5])),
                "note": "A = exp(a), B = exp(b), E = exp(e): the notebook's fit of Chinchilla's C4 IsoFLOP points with alpha = beta",
            },
            "R_D_star": fit[5],
            "R_N_star": fit[6],
            "objective": "sum over the runs of Huber(delta = 1e-3) of log(predicted L) - log(L); torch L-BFGS from R_D*, R_N* in linspace(0, 20, 4)^2 with the five coefficients frozen",
            "source": f"{NOTEBOOK}, printed output of the fitting cell under 'Fit default' (a, b, e, alpha, beta, ep_star, n_star; {fit_samples} samples)",
        },
        "regenerate": f"python data/flatten/{NAME}.py <git dir or checkout of {REPO_URL}> --commit {COMMIT}",
        "cite": ["muennighoff2023scaling"],
    }
    write_outputs(args.out_dir, NAME, columns, rows, meta)


if __name__ == "__main__":
    main()
