"""Flatten Ruan et al. (2024)'s table of public base models into data/ruan2024.csv (+ .json).

Source: github.com/ryoungj/ObsScaling, ``eval_results/base_llm_benchmark_eval.csv``
(the file their ``utils/helper.py load_base_llm_benchmark_eval`` reads): 148
pretrained models with family, size, pretraining tokens, training FLOPs and
eight standard benchmark scores. This script rewrites it with SI units (N in
parameters, D in tokens, C in FLOPs), snake_case column names and three flags
taken from ``utils/constants.py``: whether the model's family is one the paper
analyses (``EVAL_BASE_MODEL_FAMILY_MAP``), whether the model was
pre-registered (released after the paper; ``PREREGISTERED_BASE_MODEL_MAP``),
and whether the family is a code model (``BASE_CODE_MODELS``). The authors'
default loader keeps paper_family and not preregistered (77 models).

Run::

    .venv/bin/python data/flatten/ruan2024.py /path/to/ObsScaling[.git]
"""

from __future__ import annotations

import ast
import csv
import io
import math

from _common import GitSource, assignments, parse_args, sha256, write_outputs

NAME = "ruan2024"
REPO_URL = "https://github.com/ryoungj/ObsScaling"
COMMIT = "4d6e1e43fd2635d04654aa77d1df9d5266ea0382"
TABLE = "eval_results/base_llm_benchmark_eval.csv"
CONSTANTS = "utils/constants.py"
LICENCE = "LICENSE"

# source column -> (column here, scale to SI, meaning)
COLUMNS = {
    "Model": ("model", None, "Hugging Face model id"),
    "Model Family": ("family", None, "model family as the authors group models (a family shares data and recipe)"),
    "Model Size (B)": ("N", 1e9, "parameters (source: billions)"),
    "Pretraining Data Size (T)": ("D", 1e12, "pretraining tokens (source: trillions); empty when not public"),
    "FLOPs (1E21)": ("C", 1e21, "pretraining compute in FLOPs, the authors' 6 N D (source: units of 1e21); empty when D is not public"),
    "MMLU": ("mmlu", 1.0, "MMLU accuracy (5-shot, Open LLM Leaderboard protocol), fraction; chance 0.25"),
    "ARC-C": ("arc_c", 1.0, "ARC-Challenge accuracy (25-shot, Open LLM Leaderboard), fraction; chance 0.25"),
    "HellaSwag": ("hellaswag", 1.0, "HellaSwag accuracy (10-shot, Open LLM Leaderboard), fraction; chance 0.25"),
    "Winograd": ("winogrande", 1.0, "WinoGrande accuracy (5-shot, Open LLM Leaderboard; the source calls the column 'Winograd'), fraction; chance 0.5"),
    "TruthfulQA": ("truthfulqa", 1.0, "TruthfulQA MC2 score (0-shot, Open LLM Leaderboard), fraction"),
    "GSM8K": ("gsm8k", 1.0, "GSM8K exact-match accuracy (5-shot, Open LLM Leaderboard), fraction; chance 0"),
    "XWinograd": ("xwinograd", 1.0, "XWinograd accuracy (EleutherAI harness, the authors' run), fraction; chance 0.5"),
    "HumanEval": ("humaneval", 1.0, "HumanEval pass@1 (EvalPlus, the authors' run), fraction; chance 0"),
}


def constants(source: bytes) -> tuple[set, set, set]:
    """Family map, pre-registered models and code families from utils/constants.py, without running it."""
    names = ["EVAL_BASE_MODEL_FAMILY_MAP", "MISC_BASE_MODEL_FAMILY_MAP", "PREREGISTERED_BASE_MODEL_MAP", "BASE_CODE_MODELS"]
    nodes = assignments(source, names, CONSTANTS)
    found = {name: ast.literal_eval(nodes[name]) for name in names[:3]}
    # BASE_CODE_MODELS = [ALL_BASE_MODEL_FAMILY_MAP[k] for k in [<literal list of map keys>]]
    found["BASE_CODE_MODELS"] = ast.literal_eval(nodes["BASE_CODE_MODELS"].generators[0].iter)
    all_map = {**found["EVAL_BASE_MODEL_FAMILY_MAP"], **found["MISC_BASE_MODEL_FAMILY_MAP"]}
    paper_families = set(found["EVAL_BASE_MODEL_FAMILY_MAP"].values())
    preregistered = set(found["PREREGISTERED_BASE_MODEL_MAP"])
    code_families = {all_map[k] for k in found["BASE_CODE_MODELS"]}
    return paper_families, preregistered, code_families


def number(text: str, scale: float) -> float | None:
    if text.strip() == "":
        return None
    value = float(text) * scale
    if not math.isfinite(value):
        raise SystemExit(f"error: non-finite value {text!r} in {TABLE}")
    return value


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], COMMIT)
    src = GitSource(args.source, args.commit)
    table_raw = src.read(TABLE)
    const_raw = src.read(CONSTANTS)
    paper_families, preregistered, code_families = constants(const_raw)

    reader = csv.DictReader(io.StringIO(table_raw.decode("utf-8")))
    if reader.fieldnames != list(COLUMNS):
        raise SystemExit(f"error: {TABLE} has columns {reader.fieldnames}")
    rows = []
    for rec in reader:
        row = {}
        for source, (column, scale, _) in COLUMNS.items():
            row[column] = rec[source] if scale is None else number(rec[source], scale)
        row["paper_family"] = row["family"] in paper_families
        row["preregistered"] = row["model"] in preregistered
        row["code_family"] = row["family"] in code_families
        if row["C"] is not None and not math.isclose(row["C"], 6 * row["N"] * row["D"], rel_tol=1e-9):
            raise SystemExit(f"error: {row['model']}: FLOPs != 6 N D")
        rows.append(row)
    # Source order kept (grouped by family, as the authors list them).

    columns = {column: meaning for column, _, meaning in COLUMNS.values()}
    columns["paper_family"] = "true if the family is one the paper evaluates (utils/constants.py EVAL_BASE_MODEL_FAMILY_MAP); the authors' default loader drops the others"
    columns["preregistered"] = "true for models released after the paper whose predictions were pre-registered (PREREGISTERED_BASE_MODEL_MAP); the default loader drops them"
    columns["code_family"] = "true for code-model families (BASE_CODE_MODELS)"
    meta = {
        "name": NAME,
        "description": (
            "Ruan, Maddison and Hashimoto (2024), 'Observational Scaling Laws and the Predictability of Language Model "
            "Performance': 148 public pretrained base models with parameters, pretraining tokens, training FLOPs and "
            "eight standard benchmark scores."
        ),
        "source_repo": REPO_URL,
        "source_commit": src.commit,
        "source_paths": {TABLE: sha256(table_raw), CONSTANTS: sha256(const_raw), LICENCE: sha256(src.read(LICENCE))},
        "licence": "Apache-2.0 (LICENSE). The benchmark numbers for MMLU, ARC-C, HellaSwag, WinoGrande, TruthfulQA and GSM8K were collected by the authors from the Open LLM Leaderboard.",
        "derivation": [
            f"One row per row of {TABLE}, in its order; nothing dropped.",
            "N = Model Size (B) x 1e9, D = Pretraining Data Size (T) x 1e12, C = FLOPs (1E21) x 1e21 (the authors' "
            "6 N D, checked). For mixture-of-experts models the listed size is sometimes the active and sometimes "
            "roughly the total parameter count (DeepSeek-V2: 21e9, its active count; Mixtral-8x7B: 45e9, about its "
            "total); it is copied as listed. Scores are copied unchanged (fractions in [0, 1]); empty cells stay empty.",
            "paper_family, preregistered and code_family restate utils/constants.py (read with ast, not executed).",
        ],
        "regenerate": f"python data/flatten/{NAME}.py <git dir or checkout of {REPO_URL}> --commit {COMMIT}",
        "cite": ["ruan2024observational"],
    }
    write_outputs(args.out_dir, NAME, columns, rows, meta)


if __name__ == "__main__":
    main()
