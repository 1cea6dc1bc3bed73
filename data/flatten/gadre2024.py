"""Flatten Gadre et al. (2024)'s 104 over-training runs into data/gadre2024.csv (+ .json).

Source: github.com/mlfoundations/scaling. Each run has a model file
``exp_data/models/<run>.json`` (hyper-parameters, parameter and token counts,
and eight next-token loss evaluations) and a downstream file
``exp_data/evals/evaluation_<run>_heavy.json`` (accuracy on 46 in-context
tasks). This script writes one row per run with N, D, the token multiplier M,
the training set, the eight losses and the 46 accuracies, plus the two average
top-1 errors the paper fits (over all 46 tasks and over its 17-task subset),
computed as ``scaling/shared.py parse_model_json`` does.

It also marks the runs the authors' default fits use (``scaling/shared.py
fit_ds``, the defaults of the paper's Table 2): the loss law is fitted on five
runs per training set (the four small models at M = 20 and the 11M model at
M = 320); the loss-to-error law on those five plus the 1.4B model at M = 20.

Run::

    .venv/bin/python data/flatten/gadre2024.py /path/to/mlfoundations-scaling[.git]
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re

from _common import GitSource, assignments, parse_args, sha256, write_outputs

NAME = "gadre2024"
REPO_URL = "https://github.com/mlfoundations/scaling"
COMMIT = "a003c4913793ac2ae7ef87b28ecb562955d026d5"
MODELS_DIR = "exp_data/models"
EVALS_DIR = "exp_data/evals"
CONSTANTS = "scaling/constants.py"
METADATA = "exp_data/eval_metadata.csv"
LICENCE = "LICENSE.txt"
NOTEBOOK = "scaling_explorer.ipynb"

# The eight loss evaluations, keyed by the folder name parse_model_json takes
# from each result's val_data path (the German one by its file stem), with
# the column name they get here (hyphens are awkward in column names).
LOSS_EVALS = {
    "c4_val": ("loss_c4_val", "C4 validation set (the paper's default loss for all fits)"),
    "openlm": ("loss_openlm", "OpenLM evaluation set (a mix of the training sources)"),
    "paloma_c4_en": ("loss_paloma_c4_en", "Paloma's C4 (English) split"),
    "paloma_redpajama": ("loss_paloma_redpajama", "Paloma's RedPajama split"),
    "paloma_falcon-refinedweb": ("loss_paloma_falcon_refinedweb", "Paloma's Falcon RefinedWeb split"),
    "paloma_dolma_100_programing_languages": ("loss_paloma_dolma_100_programming_languages", "Paloma's Dolma 100 programming languages split"),
    "paloma_ptb": ("loss_paloma_ptb", "Paloma's Penn Treebank split"),
    "val_de-en_100": ("loss_val_de_en_100", "German text (the val_de-en_100 shard)"),
}
FIT_MODELS = ["d=96_l=8_h=4", "d=512_l=8_h=4", "d=576_l=24_h=8", "d=1024_l=24_h=8"]  # shared.py fit_ds


def notebook_results(raw: bytes) -> list[dict]:
    """The relative errors scaling_explorer.ipynb prints for its Figure 1 (RedPajama, C4 eval, 17-task split).

    Lines like 'relative error predicting (open_lm_1b, M=640.0) C4 eval loss: 0.7103%'.
    """
    found = []
    for cell in json.loads(raw)["cells"]:
        if 'scaling_law_dict["train=rpj-loss=c4_val-downstream=avg_subset"]' not in "".join(cell["source"]):
            continue  # only the Figure 1 cell, which uses the RedPajama / C4-eval / 17-task fits
        for out in cell.get("outputs", []):
            for line in "".join(out.get("text", [])).splitlines():
                m = re.fullmatch(r"relative error predicting \((\S+), M=([\d.]+)\) (.+): ([\d.]+)%", line.strip())
                if m:
                    found.append(
                        {
                            "train": "rpj",
                            "model": m.group(1),
                            "M": float(m.group(2)),
                            "quantity": m.group(3),
                            "relative_error_percent": float(m.group(4)),
                        }
                    )
    if len(found) != 4:
        raise SystemExit(f"error: expected 4 printed relative errors in {NOTEBOOK}, found {len(found)}")
    return found


def loss_key(result: dict) -> str:
    """The evaluation a result belongs to, named as parse_model_json names it."""
    path = result["val_data"][0]
    if "de-en" in path.split("/")[-2]:
        return path.split("/")[-1].split(".")[0]
    return path.split("/")[-2]


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], COMMIT)
    src = GitSource(args.source, args.commit)
    const = {k: ast.literal_eval(v) for k, v in assignments(src.read(CONSTANTS), ["FRIENDLY_CITATIONS", "SUBSET"], CONSTANTS).items()}
    tasks = list(const["FRIENDLY_CITATIONS"])  # the paper's 46 tasks, in the authors' order
    subset = set(const["SUBSET"])  # its 17-task split
    metadata_raw = src.read(METADATA)
    metadata = {r["Eval Task"]: r for r in csv.DictReader(io.StringIO(metadata_raw.decode("utf-8")))}

    source_sha = {}
    rows = []
    for model_path in src.list(MODELS_DIR):
        run = model_path.rsplit("/", 1)[1].removesuffix(".json")
        model_raw = src.read(model_path)
        eval_path = f"{EVALS_DIR}/evaluation_{run}_heavy.json"
        eval_raw = src.read(eval_path)
        source_sha[model_path] = sha256(model_raw)
        source_sha[eval_path] = sha256(eval_raw)
        model = json.loads(model_raw)
        hp = model["hyperparameters"]
        if model["name"] != run:
            raise SystemExit(f"error: {model_path} names itself {model['name']}")
        n, d = int(hp["params"]), int(hp["tokens"])
        cc_mult = float(hp["chinchilla_multiplier"])
        m = 20.0 * cc_mult  # shared.py: tok_mult = cc_mult * 20
        if d != round(m * n):
            raise SystemExit(f"error: {run}: tokens {d} != M N = {m * n}")
        model_name = hp["model"].split("/")[-1].split(".")[0]
        row = {
            "run": run,
            "dataset": model["dataset_name"],
            "model": model_name,
            "N": n,
            "N_no_embed": int(hp["params_no_embed"]),
            "D": d,
            "M": m,
            "C": 6.0 * n * d,
            "held_out": n > 1e9,
            "in_paper_loss_fit": (model_name in FIT_MODELS and cc_mult == 1.0)
            or (model_name == "d=96_l=8_h=4" and cc_mult == 16.0),
            "in_paper_error_fit": (model_name in FIT_MODELS and cc_mult == 1.0)
            or (model_name == "d=96_l=8_h=4" and cc_mult == 16.0)
            or (model_name == "open_lm_1b" and cc_mult == 1.0),
        }
        seen = {}
        for result in model["results"]:
            key = loss_key(result)
            if key in seen:
                raise SystemExit(f"error: {run}: two results for {key}")
            seen[key] = result
        if set(seen) != set(LOSS_EVALS):
            raise SystemExit(f"error: {run}: loss evaluations {sorted(seen)}")
        for key, (column, _) in LOSS_EVALS.items():
            row[column] = float(seen[key]["loss"])
        row["loss_c4_val_lower95"] = float(seen["c4_val"]["loss_sequences_lower_95"])
        row["loss_c4_val_upper95"] = float(seen["c4_val"]["loss_sequences_upper_95"])

        icl = json.loads(eval_raw)["eval_metrics"]["icl"]
        if set(icl) != set(tasks):
            raise SystemExit(f"error: {run}: downstream tasks differ from the paper's 46")
        errors = {t: 1.0 - float(icl[t]) for t in tasks}
        # Summation in the authors' task order, as parse_model_json does (floating point is not associative).
        total = sub = 0.0
        for t in tasks:
            total += errors[t]
            if t in subset:
                sub += errors[t]
        row["err_avg"] = total / len(tasks)
        row["err_avg_subset"] = sub / len(subset)
        for t in tasks:
            row[f"acc_{t}"] = float(icl[t])
        rows.append(row)

    rows.sort(key=lambda r: (r["dataset"], r["N"], r["M"]))
    notebook_raw = src.read(NOTEBOOK)
    reported = notebook_results(notebook_raw)
    for path, raw in ((CONSTANTS, None), (METADATA, metadata_raw), (LICENCE, None), (NOTEBOOK, notebook_raw)):
        source_sha[path] = sha256(raw if raw is not None else src.read(path))

    columns = {
        "run": "the authors' run name (file exp_data/models/<run>.json): <dataset>-<model>-<chinchilla multiplier>",
        "dataset": "training set: c4_original = C4, rpj = RedPajama, rw_original = RefinedWeb",
        "model": "architecture: d=<width>_l=<layers>_h=<heads> (scaling/open_lm_configs), open_lm_1b or open_lm_7b",
        "N": "parameters as the authors count them (hyperparameters.params): non-embedding parameters plus one vocabulary x width matrix; the N of every fit",
        "N_no_embed": "parameters without the vocabulary matrix (hyperparameters.params_no_embed)",
        "D": "training tokens (hyperparameters.tokens); D = M N exactly",
        "M": "tokens per parameter, M = D / N = 20 x the Chinchilla multiplier (0.25-32 -> M = 5-640)",
        "C": "training compute C = 6 N D (FLOPs), as in shared.py",
        "held_out": "true for the 1.4B and 6.9B runs (N > 1e9): the runs the paper predicts, never used to fit the loss law",
        "in_paper_loss_fit": "true for the five runs per training set that the paper's default loss fit uses (shared.py fit_ds): the four small models at M = 20 and the 11M model at M = 320",
        "in_paper_error_fit": "true for the six runs per training set of the default loss-to-error fit: the five above plus the 1.4B model at M = 20",
        **{column: f"cross-entropy on {what}, nats per token (GPT-NeoX tokenizer)" for column, what in LOSS_EVALS.values()},
        "loss_c4_val_lower95": "lower end of the authors' 95% interval of loss_c4_val over sequences (loss_sequences_lower_95)",
        "loss_c4_val_upper95": "upper end of that interval (loss_sequences_upper_95)",
        "err_avg": "average top-1 error over the paper's 46 downstream tasks: mean of (1 - accuracy)",
        "err_avg_subset": "average top-1 error over the paper's 17-task subset (scaling/constants.py SUBSET)",
        **{f"acc_{t}": f"accuracy on {t} ({metadata[t]['#shots']}-shot {metadata[t]['Task Type']}, chance {metadata[t]['Random baseline']}%), fraction in [0, 1]" for t in tasks},
    }
    meta = {
        "name": NAME,
        "description": (
            "The 104 runs of Gadre et al. (2024), 'Language models scale reliably with over-training and on downstream "
            "tasks': open_lm models of 11M-6.9B parameters trained on C4, RedPajama or RefinedWeb with 5-640 tokens per "
            "parameter, each with eight next-token loss evaluations and accuracy on 46 downstream tasks."
        ),
        "source_repo": REPO_URL,
        "source_commit": src.commit,
        "source_paths": source_sha,
        "licence": "MIT (LICENSE.txt, Copyright (c) 2024 mlfoundations)",
        "derivation": [
            "One row per exp_data/models/*.json, joined with its exp_data/evals/evaluation_<run>_heavy.json; no run dropped.",
            "M = 20 x hyperparameters.chinchilla_multiplier and C = 6 N D, as shared.py parse_model_json defines them "
            "(checked: D = M N exactly for every run).",
            "Loss columns are results[].loss, matched to their evaluation by the val_data path as parse_model_json does.",
            "err_avg and err_avg_subset are computed as parse_model_json does (1 - accuracy, averaged over the 46 tasks "
            "of constants.py FRIENDLY_CITATIONS and over its SUBSET).",
            "held_out, in_paper_loss_fit and in_paper_error_fit restate which runs shared.py fit_ds uses; they are "
            "labels, not filters.",
        ],
        "authors_reported": {
            "note": (
                "Printed by scaling_explorer.ipynb (the repository's reproduction of Figure 1): relative error of the "
                "predictions for the two held-out RedPajama runs from the default fits (loss law on the five "
                "in_paper_loss_fit runs, C4 eval loss; loss-to-error law on the six in_paper_error_fit runs, 17-task "
                "split, chained through the predicted loss)."
            ),
            "results": reported,
        },
        "downstream_tasks": {
            t: {
                "shots": int(metadata[t]["#shots"]),
                "type": metadata[t]["Task Type"],
                "category": metadata[t]["Task Category"],
                "chance_accuracy": float(metadata[t]["Random baseline"]) / 100.0,
                "in_17_task_subset": t in subset,
            }
            for t in tasks
        },
        "regenerate": f"python data/flatten/{NAME}.py <git dir or checkout of {REPO_URL}> --commit {COMMIT}",
        "cite": ["gadre2024language"],
    }
    write_outputs(args.out_dir, NAME, columns, rows, meta)


if __name__ == "__main__":
    main()
