"""Flatten Porian et al. (2024)'s IsoFLOP points into data/porian2024.csv (+ .json).

Source: github.com/formll/resolving-scaling-law-discrepancies, the four
``data/summary_df*.pickle.xz`` files their ``make_paper.ipynb`` writes with
``perform_main_analysis`` and reads back to draw every figure and table. Each
pickle holds one row per setting; a setting's ``data`` frame holds, per FLOP
budget, the runs' sizes ``orig_n``, tokens ``orig_t`` and the loss
``orig_loss`` read off each run's loss curve at that budget (``fetch_flop`` in
``analysis.py``: log-log interpolation between logged steps, and the lowest
loss when several runs share a size). Those points are exactly what the
authors fit, so they are what this script writes: one row per
(setting, budget, model size).

Besides the points, the sidecar records the authors' own fitted exponent a
(``fit_results['bs_median_weighted']['n_exponent']``, the number their
``paper_tables.results_table`` prints), its 95% bootstrap interval and the
per-budget optima, so that a reproduction can be checked against them.

Run (pandas is needed to read the pickles)::

    .venv/bin/python data/flatten/porian2024.py /path/to/resolving-scaling-law-discrepancies[.git]
"""

from __future__ import annotations

import ast
import io
import lzma

import numpy as np
import pandas as pd

from _common import GitSource, as_float, assignments, parse_args, sha256, write_outputs

NAME = "porian2024"
REPO_URL = "https://github.com/formll/resolving-scaling-law-discrepancies"
COMMIT = "0dc60d91b8a525858a3067fc9e4a46ff5374cc6f"
PICKLES = [
    "data/summary_df.pickle.xz",  # the five RefinedWeb settings of Figure 1
    "data/summary_df_att.pickle.xz",  # the four settings counting attention FLOPs
    "data/summary_df_kaplan_tuned_hparams.pickle.xz",  # Kaplan's counting with tuned hyper-parameters
    "data/summary_df_owt2.pickle.xz",  # Figure 1's five settings on OpenWebText2
]
CONFIGS = "configs.py"
LICENCE = "LICENSE"

# The authors' models: open_lm, vocabulary 50432 (GPT-NeoX tokenizer),
# context 2048, SwiGLU feed-forward (data.py: precise_param_count_open_lm).
VOCAB = 50432
SEQ_LEN = 2048

# What each parameter-count convention fits, from configs.py ISOFLOP_ARGS
# (param_count, loss split) -> (loss key, FLOPs-per-token key, N key).
N_COLUMN_OF_COUNT = {"kaplan": "N_no_embed", "standard": "N_with_head", "attention": "N_eff_attention"}
LOSS_KEY = {"train": "train/loss_smoothed", "val": "val/loss"}


def d_ff(width):
    """open_lm's SwiGLU hidden size: 8/3 of the width rounded up to a multiple of 256."""
    return 256 * ((int(2 * 4 * width / 3) + 256 - 1) // 256)


def counts(width: int, depth: int) -> dict:
    """The three parameter counts of one architecture (data.py's process_big_df).

    N_no_embed: Kaplan's count, the transformer blocks only (attention 4w^2 and
    SwiGLU 3 w d_ff per layer, no embeddings, no output layer).
    N_with_head: N_no_embed plus the output layer (vocab x width); the input
    embedding is a lookup and costs no FLOPs. Porian et al.'s default N.
    N_eff_attention: N_with_head plus seq_len x width x depth, so that 6 N D
    also counts the attention-logit FLOPs (Kaplan et al.'s C_forward term).
    """
    no_embed = (4 * width + 3 * d_ff(width)) * width * depth
    with_head = no_embed + VOCAB * width
    return {
        "N_no_embed": no_embed,
        "N_with_head": with_head,
        "N_eff_attention": with_head + SEQ_LEN * width * depth,
    }


def architecture_table(summaries: list) -> dict:
    """Map each (count convention, N) in the pickles back to its (width, depth).

    The pickles store only the count the setting uses. Under the counts with
    the output layer (standard, attention) every N matches exactly one
    (width, depth) on a grid of plausible shapes; Kaplan's count without it is
    ambiguous for small models (e.g. 1048576 is both 128x4 and 64x16), so it
    is matched only among the architectures the other settings identify, the
    same 16 models trained under every setting.
    """
    grid: dict[tuple[str, int], list] = {}
    for width in range(16, 4097, 16):
        for depth in range(1, 65):
            for key, value in counts(width, depth).items():
                grid.setdefault((key, value), []).append((width, depth))
    known = set()
    for summary in summaries:
        for _, setting in summary.iterrows():
            if setting.param_count == "kaplan":
                continue
            for n in _sizes(setting):
                match = grid.get((N_COLUMN_OF_COUNT[setting.param_count], n), [])
                if len(match) != 1:
                    raise SystemExit(f"error: N={n} ({setting.param_count}) matches {len(match)} architectures")
                known.add(match[0])
    table = {}
    for width, depth in sorted(known):
        for key, value in counts(width, depth).items():
            if (key, value) in table:
                raise SystemExit(f"error: two architectures share {key} = {value}")
            table[(key, value)] = (width, depth)
    return table


def _sizes(setting) -> set:
    """Every model size (as an exact integer) that has a point in one setting."""
    sizes = set()
    for n_series in setting.data.orig_n:
        if isinstance(n_series, pd.Series):
            for n in n_series.to_numpy():
                if float(int(n)) != n:
                    raise SystemExit(f"error: non-integer parameter count {n}")
                sizes.add(int(n))
    return sizes


def labels_from_configs(source: bytes) -> dict:
    """CONFIG_DICT_LABEL from configs.py, read as a literal (the authors' names for the settings)."""
    literal = ast.literal_eval(assignments(source, ["CONFIG_DICT_LABEL"], CONFIGS)["CONFIG_DICT_LABEL"])
    # configs.py copies every RefinedWeb label to the same OpenWebText2 setting.
    for key, value in list(literal.items()):
        literal[("owt2",) + key[1:]] = value
    # paper_tables.extract_label prints the one empty label as 'Kaplan Adjusted'.
    return {k: (" ".join(v.split()) if v else "Kaplan Adjusted") for k, v in literal.items()}


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], COMMIT)
    src = GitSource(args.source, args.commit)
    labels = labels_from_configs(src.read(CONFIGS))
    raw = {path: src.read(path) for path in PICKLES}
    summaries = {path: pd.read_pickle(io.BytesIO(lzma.decompress(data))) for path, data in raw.items()}
    arch = architecture_table(list(summaries.values()))

    rows: list[dict] = []
    authors_fit: dict[str, dict] = {}
    source_sha: dict[str, str] = {}
    for path in PICKLES:
        source_sha[path] = sha256(raw[path])
        for _, setting in summaries[path].iterrows():
            key = (setting.dataset, setting.hparams, setting.warmup, setting.decay, setting.param_count, setting.val)
            setting_id = "/".join(key)
            n_col = N_COLUMN_OF_COUNT[setting.param_count]
            for _, budget in setting.data.iterrows():
                if not isinstance(budget.orig_n, pd.Series):
                    continue  # fewer than 3 runs reached this budget: the authors kept no points
                for n, t, loss in zip(budget.orig_n.to_numpy(), budget.orig_t.to_numpy(), budget.orig_loss.to_numpy()):
                    if (n_col, int(n)) not in arch:
                        raise SystemExit(f"error: {setting_id}: N={n} matches none of the architectures")
                    width, depth = arch[(n_col, int(n))]
                    c = counts(width, depth)
                    flops = as_float(budget.flops)
                    # The authors' tokens are t = C / (6 N) with the setting's own N.
                    if not np.isclose(6.0 * n * t, flops, rtol=1e-9):
                        raise SystemExit(f"error: {setting_id}: C != 6 N D at budget {flops:g}")
                    rows.append(
                        {
                            "setting": setting_id,
                            "label": labels[key],
                            "dataset": setting.dataset,
                            "hparams": setting.hparams,
                            "warmup": setting.warmup,
                            "decay": setting.decay,
                            "param_count": setting.param_count,
                            "loss_split": setting.val,
                            "C": flops,
                            "width": width,
                            "depth": depth,
                            "N": int(n),
                            "D": as_float(t),
                            "loss": as_float(loss),
                            "N_no_embed": c["N_no_embed"],
                            "N_with_head": c["N_with_head"],
                            "N_eff_attention": c["N_eff_attention"],
                        }
                    )
            fit = setting.fit_results
            boot = [d["n_exponent"] for d in fit["bootstrap_weighted"] if "n_exponent" in d]
            optima = setting.optimal_pairs
            authors_fit[setting_id] = {
                "label": labels[key],
                "source": path,
                "a": as_float(fit["bs_median_weighted"]["n_exponent"]),
                "a_r2": as_float(fit["bs_median_weighted"]["n_r2"]),
                "a_ci95": [as_float(np.quantile(boot, 0.025)), as_float(np.quantile(boot, 0.975))],
                "a_unweighted": as_float(fit["basic"]["n_exponent"]),
                "bootstrap_replicates": len(boot),
                "optima": [
                    {
                        "C": as_float(o.flops),
                        "used": bool(pd.notna(o.n)),
                        "N_opt": as_float(o.n) if pd.notna(o.n) else None,
                        "N_opt_log_std": as_float(o.n_star_std) if pd.notna(o.n_star_std) else None,
                    }
                    for _, o in optima.iterrows()
                ],
            }

    licence_text = src.read(LICENCE)
    source_sha[LICENCE] = sha256(licence_text)
    source_sha[CONFIGS] = sha256(src.read(CONFIGS))

    columns = {
        "setting": "the authors' configuration tuple dataset/hparams/warmup/decay/param_count/loss_split (configs.py); one IsoFLOP analysis per value",
        "label": "the authors' name for the setting (configs.py CONFIG_DICT_LABEL, as printed in the paper's Table 2)",
        "dataset": "training and evaluation data: rw = RefinedWeb, owt2 = OpenWebText2",
        "hparams": "base = one AdamW configuration for all sizes; tuned = learning rate, batch size and beta2 tuned per size",
        "warmup": "long = Kaplan et al.'s long fixed warm-up; short = the paper's corrected warm-up, shorter and growing with model size (paper Sec. 3.3)",
        "decay": "kaplan = Kaplan et al.'s cosine decay over a horizon far beyond most budgets; chinchilla = cosine decay ending at each budget; const = constant learning rate after warm-up",
        "param_count": "which N the setting counts, and so which C = 6 N D: kaplan = N_no_embed, standard = N_with_head, attention = N_eff_attention",
        "loss_split": "train = smoothed training loss (train/loss_smoothed); val = held-out validation loss (val/loss)",
        "C": "the FLOP budget in the setting's own convention, C = 6 * N * D (FLOPs); one of 1.25e16 * 2^k, k = 0..11",
        "width": "model width d_model",
        "depth": "number of transformer layers",
        "N": "the parameter count this setting uses (the x of the authors' fit): equals N_no_embed, N_with_head or N_eff_attention per param_count",
        "D": "training tokens seen when the run reached budget C: D = C / (6 N)",
        "loss": "cross-entropy at budget C, nats per token (GPT-NeoX tokenizer, vocabulary 50432); the lowest over runs of the same size",
        "N_no_embed": "parameters in the transformer blocks only (Kaplan et al.'s N)",
        "N_with_head": "N_no_embed + output layer (50432 x width); the input embedding is excluded",
        "N_eff_attention": "N_with_head + 2048 * width * depth, so 6 N D includes the attention-logit FLOPs",
    }
    meta = {
        "name": NAME,
        "description": (
            "IsoFLOP points of Porian, Wortsman, Jitsev, Schmidt and Carmon (2024), 'Resolving Discrepancies in "
            "Compute-Optimal Scaling of Language Models': 15 settings (the chain from reproducing Kaplan et al. to the "
            "tuned Chinchilla-like setup, on RefinedWeb and OpenWebText2, plus counting attention FLOPs and Kaplan's "
            "counting with tuned hyper-parameters), each with up to 12 FLOP budgets and the loss of every model size "
            "at that budget."
        ),
        "source_repo": REPO_URL,
        "source_commit": src.commit,
        "source_paths": source_sha,
        "licence": (
            "MIT: the repository's LICENSE is the MIT licence text (its copyright line reads 'Copyright (c) 2012-2024 "
            "Scott Chacon and others', evidently copied from another project); redistributed with attribution to "
            "Porian et al. (2024)."
        ),
        "derivation": [
            "Rows are the points the authors fit: summary_df*.pickle.xz -> data -> (orig_n, orig_t, orig_loss) per "
            "budget, written unchanged (loss read off each run's curve at the budget by log-log interpolation, "
            "lowest loss kept when several runs share a size: analysis.py fetch_flop and interp_flop).",
            "Budgets where fewer than 3 runs reached the budget have no points in the pickles (interp_flop skips "
            "them) and so no rows; this is the last budget (2.56e19) of the three settings with Kaplan's counting.",
            "width and depth are recovered by matching N against open_lm's parameter formula (data.py, "
            "precise_param_count_open_lm): 16 architectures (width 96-1504, depth 3-30), each matching exactly one "
            "count in every setting; N_no_embed, N_with_head and N_eff_attention are computed from it so that a "
            "point can be re-expressed in another counting (C' = 6 N' D).",
            "Nothing is filtered out; the authors' exclusion of budgets whose minimum lies at the edge of the sampled "
            "sizes is part of the fit, not of the data (see authors_fit.*.optima[].used).",
        ],
        "authors_fit_note": (
            "authors_fit gives, per setting, the exponent a of N_opt ~ C^a as the authors report it "
            "(fit_results['bs_median_weighted']['n_exponent']: weighted least squares of log N_opt on log C, "
            "weights 1 / N_opt_log_std^2, N_opt the median of 1000 seed-noise resamples of the Akima-interpolated "
            "minimum), its 95% interval (2.5% and 97.5% quantiles of the bootstrap_weighted exponents, as in "
            "paper_tables.extract_CI), the unweighted fit, and per budget the authors' N_opt, its log-std and "
            "whether the budget was used (False: the minimum sat at the edge of the sampled sizes)."
        ),
        "authors_fit": authors_fit,
        "regenerate": f"python data/flatten/{NAME}.py <git dir or checkout of {REPO_URL}> --commit {COMMIT}",
        "cite": ["porian2024resolving"],
    }
    write_outputs(args.out_dir, NAME, columns, rows, meta)


if __name__ == "__main__":
    main()
