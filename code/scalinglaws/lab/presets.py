"""The lab's declarative presets: ``smoke``, ``cpu``, ``gpu`` and ``beyond`` (the experiments of the
chapters on hyperparameters and on abilities, at the end of this module).

Each preset lists its runs explicitly, grouped by experiment (the
``experiment`` field of every run and record):

* ``L_N``: loss against non-embedding parameters N at a fixed, ample token
  budget (Kaplan et al. 2020's L(N)); their validation curves also feed the
  learning-curve fit L(N, S).
* ``isoflop``: for each compute budget C, several model sizes trained on
  D = C / (training FLOPs per token) tokens (Hoffmann et al. 2022, Approach 2;
  the same runs feed Approach 3, the counting comparison and overtraining),
  all at one learning rate.
* ``isoflop_lr``: the same (budget, size) grid at other learning rates, so
  that each size can be given its best rate (Porian et al. 2024's tuning).
* ``batch``: one model trained at several batch sizes with a constant
  learning rate, the gradient noise scale measured along the way
  (McCandlish et al. 2018; Kaplan et al. 2020, Section 5.1).
* ``finite_data``: models trained on the first U bytes of the training text
  only, repeated for many epochs, next to a run on fresh text (Kaplan et al.
  2020, Section 4; Muennighoff et al. 2023).

Model shapes come from one ladder of (n_layer, d_model) pairs; heads have
size 32 (smoke, cpu; one head below d_model 64) or 64 (gpu).
"""

from __future__ import annotations

import dataclasses
import math

from scalinglaws._validation import check_in
from scalinglaws.lab.config import GPTConfig, TrainConfig
from scalinglaws.lab.records import Preset, RunSpec

__all__ = ["PRESETS", "get_preset", "ladder_config", "isoflop_runs", "l_n_runs", "batch_runs", "finite_data_runs",
           "CPU_BUDGETS", "CPU_LR", "CPU_LR_GRID", "TRAIN_BYTES", "MAX_EPOCHS", "HEAD_SIZE", "GPU_ASSUMED",
           "GPU_L_N_SHAPES", "mup_runs", "emergence_runs", "wsd_runs", "MUP_WIDTHS", "MUP_LR_GRID", "MUP_SETUP",
           "EMERGENCE_SHAPES", "WSD_SHAPE", "WSD_STEPS", "WSD_WARMUP"]

# (n_layer, d_model): N = 12 n_layer d_model^2 grows by about 2x per rung
LADDER = ((1, 4), (1, 8), (1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128),
          (6, 192), (8, 256), (12, 384))


#: Attention head width of the smoke and cpu presets: narrower heads run poorly in the CPU attention kernel.
HEAD_SIZE = 32


def ladder_config(n_layer: int, d_model: int, n_ctx: int, head_size: int = HEAD_SIZE) -> GPTConfig:
    return GPTConfig(n_layer=n_layer, d_model=d_model, n_head=max(1, d_model // head_size), n_ctx=n_ctx)


def l_n_runs(shapes, tokens: int, n_ctx: int, batch_size: int, lr: float, head_size: int = HEAD_SIZE,
             n_evals: int = 8, eval_tokens: int = 65_536) -> list[RunSpec]:
    return [RunSpec("L_N", ladder_config(L, d, n_ctx, head_size),
                    TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr, n_evals=n_evals,
                                eval_tokens=eval_tokens), {"shape": f"{L}x{d}"})
            for L, d in shapes]


def isoflop_runs(budgets: dict, n_ctx: int, batch_size: int, lr: float, head_size: int = HEAD_SIZE,
                 n_evals: int = 4, eval_tokens: int = 65_536, experiment: str = "isoflop") -> list[RunSpec]:
    """``budgets``: {C in FLOPs: [(n_layer, d_model), ...]}; D = C / flops_per_token, rounded to whole steps.

    ``experiment="isoflop_lr"`` marks runs at a learning rate other than the
    preset's default (they carry an ``lr`` tag).
    """
    runs = []
    for C, shapes in budgets.items():
        for L, d in shapes:
            cfg = ladder_config(L, d, n_ctx, head_size)
            step_tokens = batch_size * n_ctx
            steps = max(1, round(C / cfg.flops_per_token / step_tokens))
            tags = {"budget": float(C), "shape": f"{L}x{d}"}
            if experiment != "isoflop":
                tags["lr"] = lr
            runs.append(RunSpec(experiment, cfg,
                                TrainConfig(tokens=steps * step_tokens, batch_size=batch_size, lr=lr,
                                            n_evals=n_evals, eval_tokens=eval_tokens), tags))
    return runs


def batch_runs(shape, tokens_by_batch: dict, n_ctx: int, lr: float, base_batch: int, head_size: int = HEAD_SIZE,
               n_evals: int = 24, eval_tokens: int = 32_768) -> list[RunSpec]:
    """One model at several batch sizes (sequences per step), constant learning rate after warm-up.

    A constant rate makes "steps to reach a loss" a property of the batch size
    rather than of where a decay schedule ends. The rate follows Adam's
    square-root rule, ``lr * sqrt(B / base_batch)`` (Malladi et al. 2022), a
    cheap stand-in for tuning it at every batch size. The gradient noise scale
    is measured at every evaluation.
    """
    L, d = shape
    cfg = ladder_config(L, d, n_ctx, head_size)
    return [RunSpec("batch", cfg,
                    TrainConfig(tokens=tokens, batch_size=B, lr=lr * math.sqrt(B / base_batch), schedule="constant",
                                n_evals=n_evals, eval_tokens=eval_tokens, noise_scale=True),
                    {"shape": f"{L}x{d}", "batch": B})
            for B, tokens in tokens_by_batch.items()]


def finite_data_runs(shapes, unique_bytes, tokens: int, n_ctx: int, batch_size: int, lr: float,
                     head_size: int = HEAD_SIZE, n_evals: int = 16, eval_tokens: int = 32_768) -> list[RunSpec]:
    """Each shape trained on ``tokens`` bytes drawn from the first U bytes of the training text.

    ``unique_bytes`` lists the U values; ``None`` means the whole training
    split (fresh text, well under one epoch): the reference L(N, D = inf).
    """
    runs = []
    for L, d in shapes:
        cfg = ladder_config(L, d, n_ctx, head_size)
        for U in unique_bytes:
            runs.append(RunSpec("finite_data", cfg,
                                TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr, n_evals=n_evals,
                                            eval_tokens=eval_tokens, data_limit=U),
                                {"shape": f"{L}x{d}", "unique_bytes": 0 if U is None else U}))
    return runs


def _smoke() -> Preset:
    runs = l_n_runs([(1, 8), (1, 16), (2, 16), (2, 24)], tokens=131_072, n_ctx=64, batch_size=8, lr=3e-3,
                    n_evals=4, eval_tokens=16_384)
    budgets = {3e9: [(1, 4), (1, 8), (1, 16), (2, 16)], 1e10: [(1, 8), (1, 16), (2, 16), (2, 24)]}
    runs += isoflop_runs(budgets, n_ctx=64, batch_size=8, lr=1e-2, n_evals=2, eval_tokens=16_384)
    runs += isoflop_runs({3e9: budgets[3e9]}, n_ctx=64, batch_size=8, lr=3e-2, n_evals=2, eval_tokens=16_384,
                         experiment="isoflop_lr")
    runs += batch_runs((1, 16), {2: 32_768, 8: 65_536, 32: 131_072}, n_ctx=64, lr=3e-3, base_batch=8,
                       n_evals=6, eval_tokens=8_192)
    runs += finite_data_runs([(1, 16)], [None, 4_096], tokens=65_536, n_ctx=64, batch_size=8, lr=3e-3,
                             n_evals=4, eval_tokens=8_192)
    return Preset("smoke", tuple(runs), "Tiny models on about 1e5 bytes each, every experiment once: the whole "
                  "pipeline in well under two minutes (tests and the live book build).", workers=2,
                  expected_minutes=0.5)


# the cpu preset's IsoFLOP grid, shared by the untuned and the learning-rate-tuned runs.
# Small models win at these budgets (hundreds of tokens per parameter), so each budget's
# sizes reach two rungs below the first guess, to bracket the minimum on both sides.
_CPU_LADDER = [(1, 4), (1, 8), (1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80)]
CPU_BUDGETS = {3e10: _CPU_LADDER[0:6], 1e11: _CPU_LADDER[1:7], 3e11: _CPU_LADDER[1:8], 1e12: _CPU_LADDER[2:9]}
CPU_LR = 3e-3  # one rate for all sizes, chosen on two mid-sized models
CPU_LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2)  # for tuning: 3e-2 only below d_model 48, 1e-3 only from 48 up


def _cpu_grid_keeps(lr: float, d_model: int) -> bool:
    """Which sizes the tuning grid tries at ``lr``: every size brackets 3e-3 from both sides or
    reaches the grid's edge. A probe at 1e11 FLOPs found 3e-2 destabilising the wider models and
    1e-3 far too slow for the narrow ones, so those two corners are skipped."""
    if lr > 1e-2:
        return d_model < 48
    if lr < CPU_LR:
        return d_model >= 48
    return True


def _cpu() -> Preset:
    runs = l_n_runs([(1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64)], tokens=4_194_304, n_ctx=128,
                    batch_size=16, lr=CPU_LR, n_evals=16)
    runs += isoflop_runs(CPU_BUDGETS, n_ctx=128, batch_size=16, lr=CPU_LR, n_evals=2)
    for lr in CPU_LR_GRID:
        if lr == CPU_LR:
            continue
        grid = {C: [s for s in shapes if _cpu_grid_keeps(lr, s[1])] for C, shapes in CPU_BUDGETS.items()}
        runs += isoflop_runs(grid, n_ctx=128, batch_size=16, lr=lr, n_evals=2, experiment="isoflop_lr")
    runs += batch_runs((2, 32), {4: 1_048_576, 8: 1_048_576, 16: 1_572_864, 32: 2_097_152, 64: 3_145_728,
                                 128: 4_194_304}, n_ctx=128, lr=CPU_LR, base_batch=16)
    runs += finite_data_runs([(1, 24), (2, 32), (2, 48)], [None, 262_144, 65_536, 16_384, 4_096],
                             tokens=1_048_576, n_ctx=128, batch_size=16, lr=CPU_LR)
    return Preset("cpu", tuple(runs), "The book's figures: L(N) over 1.7 decades of N, IsoFLOP profiles at four "
                  "budgets (3e10 to 1e12 FLOPs) with and without per-size learning rates, a batch-size sweep "
                  "and finite-data runs; two pinned 1-thread workers.", workers=2, expected_minutes=20.0)


# Training bytes of the default corpus's split (every tenth 32 KiB chunk is validation);
# a test checks it against scalinglaws.lab.data.
TRAIN_BYTES = 4_794_570
MAX_EPOCHS = 4.0  # Muennighoff et al. 2023: up to about four epochs are nearly as good as fresh text


def _within_epochs(runs: list[RunSpec]) -> list[RunSpec]:
    """Drop runs that would cycle the training text more than MAX_EPOCHS times (small models at big budgets)."""
    return [r for r in runs if r.train.steps(r.model.n_ctx) * r.train.batch_size * r.model.n_ctx
            <= MAX_EPOCHS * TRAIN_BYTES]


#: What ``Preset.projected_seconds`` assumes for one H100-class GPU until ``benchmarks/gpu_check.py`` has
#: measured it: bf16 training at 1e14 FLOP/s (a tenth of an H100's dense bf16 peak; tiny models reach
#: less), and a fixed 2 ms + 0.5 ms per layer for each step (eager PyTorch issues about a hundred kernels
#: per layer and step, each costing the host several microseconds).
GPU_ASSUMED = {"flops_per_s": 1e14, "step_overhead_s": (2e-3, 5e-4), "max_group": 32}

#: Shapes of the gpu preset's L(N): from the top of the cpu preset's (3x64) to 8x256, 1.6 decades more in N.
GPU_L_N_SHAPES = ((3, 64), (4, 96), (4, 128), (6, 192), (8, 256))


def _gpu() -> Preset:
    """The cpu preset's experiments, scaled up for one H100-class GPU within the default corpus.

    Corpus: every run except the finite-data ones sees at most ``MAX_EPOCHS``
    epochs of the 4.8 MB training text (a test checks it). That caps the
    scale at which the text is not the limit: L(N) is trained on 2^24 bytes
    (3.5 epochs) for every size, which is 21 bytes per parameter at 7.9e5
    parameters but 6.3 at 2.7e6 and 2.7 at 6.3e6, so the two largest
    models sit on the data-limited part of L(N, D) (Kaplan et al. 2020,
    Eq. 1.5) rather than on L(N); the IsoFLOP budgets stop at 3e13 FLOPs,
    where the smallest sizes already need the full four epochs. A clean
    L(N) at 6.3e6 parameters needs about 1e8 bytes seen, i.e. a corpus of
    at least 25-40 MB at four epochs or fewer.
    """
    runs = l_n_runs(GPU_L_N_SHAPES, tokens=16_777_216, n_ctx=256, batch_size=64, lr=2e-3, head_size=64,
                    eval_tokens=262_144, n_evals=16)
    ladder = [(1, 16), (1, 24), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128), (6, 192)]
    budgets = {1e12: ladder[0:6], 3e12: ladder[1:7], 1e13: ladder[2:8], 3e13: ladder[3:9]}
    runs += _within_epochs(isoflop_runs(budgets, n_ctx=256, batch_size=64, lr=2e-3, head_size=64,
                                        eval_tokens=262_144))
    for lr in (6e-4, 6e-3):
        runs += _within_epochs(isoflop_runs(budgets, n_ctx=256, batch_size=64, lr=lr, head_size=64,
                                            eval_tokens=262_144, experiment="isoflop_lr"))
    runs += batch_runs((4, 128), {8: 4_194_304, 16: 4_194_304, 32: 6_291_456, 64: 8_388_608, 128: 12_582_912,
                                  256: 16_777_216}, n_ctx=256, lr=2e-3, base_batch=64, head_size=64,
                       eval_tokens=131_072)
    runs += finite_data_runs([(2, 48), (3, 64), (4, 128)], [None, 1_048_576, 262_144, 65_536, 16_384],
                             tokens=4_194_304, n_ctx=256, batch_size=64, lr=2e-3, head_size=64,
                             eval_tokens=131_072)
    preset = Preset("gpu", tuple(runs), "Larger models for one GPU: L(N) to 6.3e6 parameters (1.6 decades beyond "
                    "the cpu preset), IsoFLOP profiles from 1e12 to 3e13 FLOPs with a learning-rate grid, "
                    "batch-size and finite-data runs; sized to the default corpus (at most four epochs).",
                    workers=1, max_group=GPU_ASSUMED["max_group"])
    minutes = preset.projected_seconds(GPU_ASSUMED["flops_per_s"], GPU_ASSUMED["step_overhead_s"],
                                       GPU_ASSUMED["max_group"]) / 60
    return dataclasses.replace(preset, expected_minutes=round(minutes, 1))


PRESETS = {"smoke": _smoke, "cpu": _cpu, "gpu": _gpu}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (``smoke``, ``cpu``, ``gpu`` or ``beyond``)."""
    check_in("preset", name, set(PRESETS))
    return PRESETS[name]()


# ---------------------------------------------------------------------------
# beyond: the experiments of "Hyperparameters across scale" and "From loss to abilities"
# ---------------------------------------------------------------------------

#: Widths of the muP sweep (d_model; two layers, heads of 32). The muP base width is the widest: muP shrinks
#: the widest model into narrower proxies that behave like it.
MUP_WIDTHS = (32, 64, 128, 256)
#: Peak learning rates of the muP sweep, a factor of two apart; under muP the rate of the embeddings
#: (and of every layer at the base width).
MUP_LR_GRID = tuple(2.0**k for k in range(-12, -5))
#: Every muP-sweep run: n_layer, n_ctx, sequences per step, steps.
MUP_SETUP = {"n_layer": 2, "n_ctx": 64, "batch_size": 8, "steps": 512}
#: Shapes of the emergence ladder (the cpu preset's ladder from 1x16 to 3x80).
EMERGENCE_SHAPES = ((1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80))
#: The schedule comparison: one shape, three lengths (steps), one absolute warm-up.
WSD_SHAPE, WSD_STEPS, WSD_WARMUP = (2, 32), (256, 512, 1024), 32


def mup_runs(widths=MUP_WIDTHS, lrs=MUP_LR_GRID, *, n_layer: int = 2, n_ctx: int = 64, batch_size: int = 8,
             steps: int = 512, head_size: int = HEAD_SIZE, eval_tokens: int = 32_768) -> list[RunSpec]:
    """A width sweep times a learning-rate grid, under the standard parametrisation and under muP.

    Depth, context, batch and steps are the same for every width, so only
    the width changes along a row. The muP base width is the widest width,
    where muP is the standard model exactly (``GPTConfig``): that width is
    trained once, as a standard run, and serves both rows.
    """
    base = max(widths)
    runs = []
    for par in ("standard", "mup"):
        for d in widths:
            if par == "mup" and d == base:
                continue
            cfg = GPTConfig(n_layer=n_layer, d_model=d, n_head=max(1, d // head_size), n_ctx=n_ctx,
                            parametrization=par, base_width=base if par == "mup" else None)
            for lr in lrs:
                runs.append(RunSpec("mup", cfg, TrainConfig(tokens=steps * batch_size * n_ctx, batch_size=batch_size,
                                                            lr=lr, n_evals=4, eval_tokens=eval_tokens),
                                    {"width": d, "parametrization": par, "lr": lr}))
    return runs


def emergence_runs(shapes=EMERGENCE_SHAPES, *, tokens: int = 1_048_576, n_ctx: int = 128, batch_size: int = 16,
                   lr: float = CPU_LR, head_size: int = HEAD_SIZE, n_evals: int = 8,
                   eval_tokens: int = 32_768) -> list[RunSpec]:
    """A ladder of sizes trained alike, each measured with smooth and all-or-nothing metrics at the end
    (per-byte accuracy and loss, exact match of 1-32-byte continuations) and on text of another kind
    along the way (``TrainConfig.downstream``)."""
    return [RunSpec("emergence", ladder_config(L, d, n_ctx, head_size),
                    TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr, n_evals=n_evals, eval_tokens=eval_tokens,
                                downstream=True), {"shape": f"{L}x{d}"})
            for L, d in shapes]


def wsd_runs(shape=WSD_SHAPE, steps=WSD_STEPS, *, warmup: int = WSD_WARMUP, n_ctx: int = 128, batch_size: int = 16,
             lr: float = 1e-2, decay_frac: float = 0.2, eval_every: int = 32, head_size: int = HEAD_SIZE,
             eval_tokens: int = 16_384) -> list[RunSpec]:
    """Warmup-stable-decay and cosine runs of one model at several lengths, with the same warm-up in steps.

    Every run starts from the same weights and sees the same batches (one
    seed), and the WSD runs hold the same constant rate until their
    cool-down: the shorter ones are, step for step, branches of the longest
    (Hagele et al. 2024). Evaluations every ``eval_every`` steps line up
    across lengths.
    """
    L, d = shape
    cfg = ladder_config(L, d, n_ctx, head_size)
    runs = []
    for schedule in ("wsd", "cosine"):
        for n in steps:
            if n % eval_every or warmup >= n:
                raise ValueError(f"steps: {n} must be a multiple of eval_every={eval_every} and exceed warmup={warmup}")
            runs.append(RunSpec("wsd", cfg, TrainConfig(tokens=n * batch_size * n_ctx, batch_size=batch_size, lr=lr,
                                                        warmup_frac=warmup / n, schedule=schedule,
                                                        decay_frac=decay_frac, n_evals=n // eval_every,
                                                        eval_tokens=eval_tokens),
                                {"schedule": schedule, "steps": n}))
    return runs


def _beyond() -> Preset:
    runs = mup_runs(**{k: v for k, v in MUP_SETUP.items()}) + emergence_runs() + wsd_runs()
    return Preset("beyond", tuple(runs), "The experiments of the chapters 'Hyperparameters across scale' and 'From "
                  "loss to abilities': a width sweep times a learning-rate grid under the standard parametrisation "
                  "and muP; a ladder of sizes measured by per-byte accuracy, k-byte exact match and loss on text of "
                  "another kind; warmup-stable-decay against cosine runs at three lengths.", workers=2,
                  expected_minutes=8.0)


PRESETS["beyond"] = _beyond
