"""The lab's declarative presets: ``smoke``, ``cpu``, ``gpu`` and ``beyond`` (the experiments of the
chapters on hyperparameters and on abilities, at the end of this module).

Each preset lists its runs explicitly, grouped by experiment (the
``experiment`` field of every run and record; ``tags`` say what each run is
for):

* ``L_N``: loss against parameters N at a fixed, ample token budget (Kaplan
  et al. 2020's L(N)). Warmup-stable-decay runs that branch cool-downs at a
  quarter and half of the budget, so each size also gives L(N, D) at three
  token counts; the stable phase's evaluations feed the learning-curve fit
  L(N, S). Tags: ``shape``.
* ``isoflop``: the compute-optimal frontier (Hoffmann et al. 2022). One WSD
  run per (size, learning rate, seed), trained to the largest compute budget
  that size belongs to, branching a cool-down at the token count of every
  smaller budget it belongs to (Hägele et al. 2024): the IsoFLOP profiles of
  all budgets from one run per size instead of one per (size, budget). Each
  size gets three learning rates a factor of two apart around its expected
  optimum (so that each size's best rate is bracketed), a second seed at the
  middle rate (the seed noise), and the preset's one reference rate where it
  is not among the three (the untuned comparison). Tags: ``shape``,
  ``budgets`` (the compute budget of each entry of ``result["cooldowns"]``,
  in that order), ``lr_role`` (``"low"``, ``"centre"``, ``"high"``, or
  ``"reference"``).
* ``isoflop_cosine``: cosine-schedule runs trained separately at two budgets,
  one per size at its middle rate and first seed, to compare with the WSD
  cool-downs of the same (size, rate, seed, length). Tags: ``shape``,
  ``budget``.
* ``batch``: one model trained at several batch sizes with a constant
  learning rate, the gradient noise scale measured along the way
  (McCandlish et al. 2018; Kaplan et al. 2020, Section 5.1).
* ``finite_data``: models trained on the first U bytes of the training text
  only, repeated for many epochs, next to a run on fresh text (Kaplan et al.
  2020, Section 4; Muennighoff et al. 2023).
* ``lstm``: transformers and LSTMs of matched non-embedding size on a longer
  context, with the loss measured at every context position (Kaplan et al.
  2020, Fig. 7). Tags: ``arch`` (``"transformer"`` or ``"lstm"``), ``pair``; ``check: "lr"`` marks a
  pair's transformer retrained at another learning rate.
* ``aspect``: transformers of several depths at three fixed non-embedding
  sizes: depth against width at fixed N (Kaplan et al. 2020, Fig. 5) and the
  same runs counted with and without embeddings (their Fig. 6). Tags:
  ``shape``, ``aspect`` (d_model / n_layer), ``size`` (the target N).

The ``beyond`` preset (at the end of this module) holds the experiments of
the chapters on hyperparameters and on abilities: ``mup`` (a width sweep
times a learning-rate grid under the standard parametrisation and muP),
``emergence`` (a ladder of sizes scored by per-byte accuracy, k-byte exact
match and loss on text of another kind) and ``wsd`` (warmup-stable-decay
against cosine runs at three lengths).

Model shapes come from one ladder of (n_layer, d_model) pairs; heads have
size 32 (smoke, cpu; one head below d_model 64) or 64 (gpu).
"""

from __future__ import annotations

import dataclasses
import math

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab.config import GPTConfig, LSTMConfig, TrainConfig
from scalinglaws.lab.records import Preset, RunSpec

__all__ = ["PRESETS", "get_preset", "ladder_config", "lr_for_width", "isoflop_runs", "isoflop_sizes",
           "cosine_control_runs", "l_n_runs", "batch_runs", "finite_data_runs", "lstm_runs", "lstm_rate_checks", "aspect_runs",
           "CPU_BUDGETS", "CPU_LR", "CPU_EDGE_RATES", "LR_LATTICE", "WSD", "TRAIN_BYTES", "MAX_EPOCHS", "HEAD_SIZE", "GPU_ASSUMED",
           "CPU_ASSUMED", "GPU_L_N_SHAPES", "ISOFLOP_DEPTH", "cpu_projected_seconds", "CPU_COSINE_BUDGETS",
           "CPU_ASPECT_GRID", "mup_runs", "emergence_runs", "wsd_runs", "MUP_WIDTHS", "MUP_LR_GRID", "MUP_SETUP",
           "EMERGENCE_SHAPES", "EMERGENCE_LR", "WSD_SHAPE", "WSD_STEPS", "WSD_WARMUP"]

# (n_layer, d_model): N = 12 n_layer d_model^2 grows by about 2x per rung
LADDER = ((1, 4), (1, 8), (1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128),
          (6, 192), (8, 256), (12, 384))


#: Attention head width of the smoke and cpu presets: narrower heads run poorly in the CPU attention kernel.
HEAD_SIZE = 32


def ladder_config(n_layer: int, d_model: int, n_ctx: int, head_size: int = HEAD_SIZE) -> GPTConfig:
    return GPTConfig(n_layer=n_layer, d_model=d_model, n_head=max(1, d_model // head_size), n_ctx=n_ctx)


#: Peak learning rates the presets use: 1.25e-3 x 2^k, a factor of two apart.
LR_LATTICE = tuple(1.25e-3 * 2.0**k for k in range(-4, 8))


def lr_for_width(d_model: int, scale: float = 0.16) -> float:
    """The lattice rate nearest (in log) to ``scale / d_model``: the lab's rule for a model's peak rate.

    A pilot sweep of depth-2 models at 512 tokens a step found the best peak
    rate of AdamW falling as one over the width, about 0.16 / d_model, as
    the standard parametrisation predicts for Adam's hidden layers (Yang et
    al. 2022); the IsoFLOP experiment measures it again, each size on three
    rates around this one.
    """
    d_model = check_scalar("d_model", d_model, low=1, integer=True)
    target = scale / d_model
    return min(LR_LATTICE, key=lambda lr: abs(math.log(lr / target)))


def _lattice_neighbours(lr: float) -> tuple:
    i = min(range(len(LR_LATTICE)), key=lambda k: abs(math.log(LR_LATTICE[k] / lr)))
    if not 0 < i < len(LR_LATTICE) - 1:
        raise ValueError(f"lr: {lr} has no neighbour on both sides in the lattice {LR_LATTICE}")
    return LR_LATTICE[i - 1], LR_LATTICE[i], LR_LATTICE[i + 1]


#: The presets' warmup-stable-decay settings: absolute warm-up (so runs of every length share it), a
#: cool-down over the last fifth of each length, linearly to zero (Hägele et al. 2024).
WSD = {"schedule": "wsd", "decay_frac": 0.2, "min_lr_frac": 0.0}


def l_n_runs(shapes, tokens: int, n_ctx: int, batch_size: int, lr=None, head_size: int = HEAD_SIZE,
             n_evals: int = 8, eval_tokens: int = 65_536, warmup_steps: int = 50,
             cooldown_fractions=(0.25, 0.5)) -> list[RunSpec]:
    """One WSD run per shape on ``tokens`` bytes, branching cool-downs at ``cooldown_fractions`` of it.

    ``lr``: one rate for every shape, or ``None`` for :func:`lr_for_width`.
    """
    step = batch_size * n_ctx
    runs = []
    for L, d in shapes:
        cooldowns = tuple(sorted({max(1, round(f * tokens / step)) * step for f in cooldown_fractions}))
        runs.append(RunSpec("L_N", ladder_config(L, d, n_ctx, head_size),
                            TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr or lr_for_width(d),
                                        n_evals=n_evals, eval_tokens=eval_tokens, warmup_steps=warmup_steps,
                                        cooldowns=cooldowns, **WSD),
                            {"shape": f"{L}x{d}"}))
    return runs


def isoflop_sizes(budgets: dict) -> dict:
    """{shape: sorted budgets it belongs to} from {budget: [shapes]}."""
    out: dict = {}
    for C, shapes in sorted(budgets.items()):
        for shape in shapes:
            out.setdefault(tuple(shape), []).append(float(C))
    return out


def isoflop_runs(budgets: dict, n_ctx: int, batch_size: int, *, reference_lr: float, seeds=(0, 1),
                 head_size: int = HEAD_SIZE, warmup_steps: int = 20, eval_tokens: int = 32_768,
                 lr_scale: float = 0.16, edge_rates: dict | None = None) -> list[RunSpec]:
    """WSD IsoFLOP runs: ``budgets`` is {C in FLOPs: [(n_layer, d_model), ...]}.

    Every shape trains to the token count of its largest budget and branches
    a cool-down at each smaller budget's (D = C / FLOPs per token, rounded to
    whole steps). Rates: the lattice rate of :func:`lr_for_width` and its two
    neighbours (``lr_role`` "centre", "low", "high"), with ``seeds[1:]``
    repeated at the centre, and ``reference_lr`` (the untuned sweep's one
    rate, ``lr_role`` "reference") added where it is not among the three.
    ``edge_rates`` ({"LxD": (rate, ...)}, ``lr_role`` "edge") adds rates
    beyond the grid for shapes whose best rate fell on its edge at some budget.
    """
    edge_rates = dict(edge_rates or {})
    unknown = set(edge_rates) - {f"{L}x{d}" for L, d in isoflop_sizes(budgets)}
    if unknown:
        raise ValueError(f"edge_rates: no such shape in the budgets: {sorted(unknown)}")
    step = batch_size * n_ctx
    runs = []
    for (L, d), Cs in isoflop_sizes(budgets).items():
        cfg = ladder_config(L, d, n_ctx, head_size)
        steps = [max(1, round(C / cfg.flops_per_token / step)) for C in Cs]
        if len(set(steps)) != len(steps):
            raise ValueError(f"budgets: two budgets of shape {L}x{d} round to the same number of steps {steps}")
        low, centre, high = _lattice_neighbours(lr_for_width(d, lr_scale))
        plan = [("low", low, seeds[0]), ("centre", centre, seeds[0]), ("high", high, seeds[0])]
        plan += [("centre", centre, s) for s in seeds[1:]]
        if reference_lr not in (low, centre, high):
            plan.append(("reference", reference_lr, seeds[0]))
        taken = {lr for _, lr, _ in plan}
        plan += [("edge", lr, seeds[0]) for lr in edge_rates.get(f"{L}x{d}", ()) if lr not in taken]
        for role, lr, seed in plan:
            tc = TrainConfig(tokens=steps[-1] * step, batch_size=batch_size, lr=lr, warmup_steps=warmup_steps,
                             cooldowns=tuple(n * step for n in steps[:-1]), n_evals=1, eval_tokens=eval_tokens,
                             seed=seed, **WSD)
            runs.append(RunSpec("isoflop", cfg, tc, {"shape": f"{L}x{d}", "budgets": list(Cs), "lr_role": role}))
    return runs


def cosine_control_runs(isoflop: list[RunSpec], budgets) -> list[RunSpec]:
    """For each budget in ``budgets``, a cosine run of every shape of that budget at its centre rate and
    first seed, as long as the matching WSD cool-down; it warms up as the WSD runs do and decays to the
    lab's usual floor (a tenth of the peak)."""
    out = []
    for spec in isoflop:
        if spec.tags["lr_role"] != "centre" or spec.train.seed != min(s.train.seed for s in isoflop):
            continue
        lengths = list(spec.train.cooldowns) + [spec.train.tokens]
        for C, tokens in zip(spec.tags["budgets"], lengths):
            if C in budgets:
                tc = dataclasses.replace(spec.train, tokens=tokens, cooldowns=(), schedule="cosine", min_lr_frac=0.1,
                                         decay_frac=TrainConfig.decay_frac)
                out.append(RunSpec("isoflop_cosine", spec.model, tc, {"shape": spec.tags["shape"], "budget": C}))
    return out


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


def finite_data_runs(shapes, unique_bytes, tokens: int, n_ctx: int, batch_size: int, lr=None,
                     head_size: int = HEAD_SIZE, n_evals: int = 16, eval_tokens: int = 32_768) -> list[RunSpec]:
    """Each shape trained on ``tokens`` bytes drawn from the first U bytes of the training text.

    ``unique_bytes`` lists the U values; ``None`` means the whole training
    split (fresh text, well under one epoch): the reference L(N, D = inf).
    ``lr``: one rate, or ``None`` for :func:`lr_for_width`.
    """
    runs = []
    for L, d in shapes:
        cfg = ladder_config(L, d, n_ctx, head_size)
        for U in unique_bytes:
            runs.append(RunSpec("finite_data", cfg,
                                TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr or lr_for_width(d),
                                            n_evals=n_evals, eval_tokens=eval_tokens, data_limit=U),
                                {"shape": f"{L}x{d}", "unique_bytes": 0 if U is None else U}))
    return runs


def lstm_runs(pairs, tokens: int, n_ctx: int, batch_size: int, lstm_lr: float, head_size: int = HEAD_SIZE,
              eval_tokens: int = 65_536, n_evals: int = 8, first_pair: int = 0) -> list[RunSpec]:
    """Transformer-LSTM pairs of matched non-embedding size, each measuring the loss at every position.

    ``pairs``: ``[((n_layer, d_model) of the transformer, (n_layer, d_model) of the LSTM), ...]``, tagged
    ``pair`` = ``first_pair``, ``first_pair + 1``, ... The transformer takes :func:`lr_for_width`; the
    LSTMs take ``lstm_lr``. Both use the lab's cosine schedule.
    """
    runs = []
    for k, ((L, d), (Ll, dl)) in enumerate(pairs, start=first_pair):
        common = dict(tokens=tokens, batch_size=batch_size, eval_tokens=eval_tokens, n_evals=n_evals,
                      position_loss=True)
        runs.append(RunSpec("lstm", ladder_config(L, d, n_ctx, head_size),
                            TrainConfig(lr=lr_for_width(d), **common),
                            {"arch": "transformer", "pair": k, "shape": f"{L}x{d}"}))
        runs.append(RunSpec("lstm", LSTMConfig(n_layer=Ll, d_model=dl, n_ctx=n_ctx),
                            TrainConfig(lr=lstm_lr, **common), {"arch": "lstm", "pair": k, "shape": f"{Ll}x{dl}"}))
    return runs


def lstm_rate_checks(pair: int, shape: tuple, rates, tokens: int, n_ctx: int, batch_size: int,
                     head_size: int = HEAD_SIZE, eval_tokens: int = 65_536, n_evals: int = 8) -> list[RunSpec]:
    """The transformer of LSTM pair ``pair`` again at other peak rates (tag ``check: "lr"``): is the pair's
    ordering a matter of the transformer's learning rate? :func:`~scalinglaws.lab.report.fit_lstm` reports
    them beside the pair, not as pairs.

    Only their final losses are compared, so they do not measure the loss by position: that lets the
    checks train together as one batched group instead of one at a time."""
    L, d = shape
    return [RunSpec("lstm", ladder_config(L, d, n_ctx, head_size),
                    TrainConfig(lr=lr, tokens=tokens, batch_size=batch_size, eval_tokens=eval_tokens,
                                n_evals=n_evals),
                    {"arch": "transformer", "pair": pair, "shape": f"{L}x{d}", "check": "lr"}) for lr in rates]


def aspect_runs(grid: dict, tokens: int, n_ctx: int, batch_size: int, head_size: int = HEAD_SIZE,
                eval_tokens: int = 32_768, n_evals: int = 4) -> list[RunSpec]:
    """``grid``: {target non-embedding N: [(n_layer, d_model), ...]}, every shape on ``tokens`` bytes at
    :func:`lr_for_width` (cosine schedule)."""
    runs = []
    for size, shapes in grid.items():
        for L, d in shapes:
            runs.append(RunSpec("aspect", ladder_config(L, d, n_ctx, head_size),
                                TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr_for_width(d),
                                            n_evals=n_evals, eval_tokens=eval_tokens),
                                {"shape": f"{L}x{d}", "aspect": d / L, "size": size}))
    return runs


def _smoke() -> Preset:
    runs = l_n_runs([(1, 8), (1, 16), (2, 16), (2, 24)], tokens=131_072, n_ctx=64, batch_size=8, n_evals=4,
                    eval_tokens=16_384, warmup_steps=16)
    budgets = {2e9: [(2, 4), (2, 6), (2, 8)], 6e9: [(2, 4), (2, 6), (2, 8), (2, 12)], 2e10: [(2, 6), (2, 8), (2, 12)]}
    iso = isoflop_runs(budgets, n_ctx=64, batch_size=4, reference_lr=1e-2, seeds=(0, 1), warmup_steps=8,
                       eval_tokens=8_192)
    runs += iso + cosine_control_runs(iso, (6e9,))
    runs += batch_runs((1, 16), {2: 32_768, 8: 65_536, 32: 131_072}, n_ctx=64, lr=3e-3, base_batch=8,
                       n_evals=6, eval_tokens=8_192)
    runs += finite_data_runs([(1, 16)], [None, 4_096], tokens=65_536, n_ctx=64, batch_size=8, n_evals=4,
                             eval_tokens=8_192)
    runs += lstm_runs([((1, 16), (1, 20))], tokens=65_536, n_ctx=64, batch_size=8, lstm_lr=1e-2,
                      eval_tokens=8_192, n_evals=2)
    runs += aspect_runs({3e3: [(1, 16), (4, 8), (12, 5)]}, tokens=32_768, n_ctx=64, batch_size=8,
                        eval_tokens=8_192, n_evals=2)
    return Preset("smoke", tuple(runs), "Tiny models on about 1e5 bytes each, every experiment once: the whole "
                  "pipeline in well under two minutes (tests and the live book build).", workers=2,
                  expected_minutes=1.0)


#: The cpu preset's IsoFLOP design: depth-2 transformers of these widths; each budget takes seven
#: consecutive widths around its optimum, so that the minimum falls inside the sizes trained. The windows
#: were first centred on a pilot sweep's optimum (4.5e3 total parameters at 6e9 FLOPs, growing about as
#: C^0.4); the full sweep put the two largest budgets' minima two and three widths from their windows'
#: left ends (the optimum grows faster), so those two windows moved one width to the right. That also
#: saves time: the narrowest models run at a fraction of the FLOP rate of wider ones, and the points far
#: left of a minimum were the longest runs of the sweep.
ISOFLOP_DEPTH = 2
_ISO_WIDTHS = (4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64)
CPU_BUDGETS = {6e9: _ISO_WIDTHS[0:7], 1.9e10: _ISO_WIDTHS[1:8], 6e10: _ISO_WIDTHS[2:9], 1.9e11: _ISO_WIDTHS[4:11],
               6e11: _ISO_WIDTHS[5:12]}
CPU_BUDGETS = {C: [(ISOFLOP_DEPTH, d) for d in ds] for C, ds in CPU_BUDGETS.items()}
#: The untuned IsoFLOP sweep's one peak rate (the lattice rate of the middle of the ladder).
CPU_LR = 5e-3
#: One lattice rate beyond the edge of a shape's grid where its best rate sat on that edge at some budget
#: in a first sweep without them (``lab report cpu``'s ``learning_rates``): the smallest models wanted
#: faster rates than the 0.16 / d_model rule, and longer runs of some sizes slower ones.
CPU_EDGE_RATES = {"2x4": (0.16,), "2x6": (0.08,), "2x8": (0.08,), "2x12": (2.5e-3, 0.04), "2x16": (2.5e-3,),
                  "2x20": (0.04,), "2x24": (0.02,), "2x40": (1.25e-3,), "2x48": (0.01,), "2x64": (0.01,)}
#: The two budgets at which cosine runs are trained separately to compare with the WSD cool-downs.
CPU_COSINE_BUDGETS = (1.9e10, 1.9e11)


def _cpu() -> Preset:
    runs = l_n_runs([(2, 12), (2, 16), (2, 24), (2, 32), (2, 48), (2, 64)], tokens=4_194_304, n_ctx=128,
                    batch_size=16, n_evals=16)
    iso = isoflop_runs(CPU_BUDGETS, n_ctx=128, batch_size=4, reference_lr=CPU_LR, edge_rates=CPU_EDGE_RATES)
    runs += iso + cosine_control_runs(iso, CPU_COSINE_BUDGETS)
    runs += batch_runs((2, 32), {4: 1_048_576, 8: 1_048_576, 16: 1_572_864, 32: 2_097_152, 64: 3_145_728,
                                 128: 4_194_304}, n_ctx=128, lr=3e-3, base_batch=16)
    runs += finite_data_runs([(2, 16), (2, 32), (2, 48)], [None, 262_144, 65_536, 16_384, 4_096],
                             tokens=1_048_576, n_ctx=128, batch_size=16)
    runs += lstm_runs([((2, 32), (2, 39)), ((2, 48), (2, 59))], tokens=2_097_152, n_ctx=256, batch_size=8,
                      lstm_lr=1e-2)
    # two checks of the first pair's ordering: the transformer at four more rates, and the pair on 4x the bytes
    runs += lstm_rate_checks(0, (2, 32), (2.5e-3, 1e-2, 2e-2, 4e-2), tokens=2_097_152, n_ctx=256, batch_size=8)
    runs += lstm_runs([((2, 32), (2, 39))], tokens=8_388_608, n_ctx=256, batch_size=8, lstm_lr=1e-2, first_pair=2)
    runs += aspect_runs(CPU_ASPECT_GRID, tokens=1_048_576, n_ctx=128, batch_size=8)
    return Preset("cpu", tuple(runs), "The book's figures: L(N) over 1.4 decades of N, IsoFLOP profiles at five "
                  "budgets over two decades from warmup-stable-decay runs with per-size learning rates and "
                  "two seeds, cosine controls, a batch-size sweep, finite-data runs, transformers against LSTMs "
                  "and depth against width; two pinned 1-thread workers.", workers=2,
                  # measured: 18.6 minutes of wall time (2,226 CPU-seconds) for the 129 cached records, one
                  # fresh run of the whole preset on the book's two idle cores, 2026-12-01 (budget: 20)
                  expected_minutes=18.6)


#: Depth against width: at each target non-embedding N, depths 1 to 16 with the width that keeps N.
CPU_ASPECT_GRID = {1.2e4: [(1, 32), (2, 23), (4, 16), (8, 11), (16, 8)],
                   2.5e4: [(1, 46), (2, 32), (4, 23), (8, 16), (16, 11)],
                   5e4: [(1, 64), (2, 46), (4, 32), (8, 23), (16, 16)]}


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

#: What ``Preset.projected_seconds`` assumes for the book's CPU (one pinned thread per worker, two
#: workers), calibrated on ``benchmarks/lab_throughput.py --batched 5 --batch 4`` of the depth-2 ladder:
#: a fixed 1.5 ms + 0.2 ms per layer for each step of a group, 2.5 microseconds of per-token work the
#: FLOP count misses, and 6.5e10 FLOP/s for the rest.
CPU_ASSUMED = {"flops_per_s": 6.5e10, "step_overhead_s": (1.5e-3, 2e-4), "per_token_s": 2.5e-6, "max_group": 8,
               "overlap": False, "workers": 2, "max_grouped_d_model": 80}


def cpu_projected_seconds(preset: Preset) -> float:
    """``preset.projected_seconds`` with :data:`CPU_ASSUMED`: its wall time on the book's two cores."""
    a = CPU_ASSUMED
    return preset.projected_seconds(a["flops_per_s"], a["step_overhead_s"], a["max_group"],
                                    per_token_s=a["per_token_s"], overlap=a["overlap"], workers=a["workers"],
                                    max_grouped_d_model=a["max_grouped_d_model"])


#: Shapes of the gpu preset's L(N): from the top of the cpu preset's (2x64) to 8x256, 1.7 decades more in N.
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
    runs = l_n_runs(GPU_L_N_SHAPES, tokens=16_777_216, n_ctx=256, batch_size=64, head_size=64,
                    eval_tokens=262_144, n_evals=16, warmup_steps=100)
    widths = (16, 24, 32, 48, 64, 80, 96, 128, 160, 192)
    budgets = {1e12: widths[0:7], 3e12: widths[1:8], 1e13: widths[2:9], 3e13: widths[3:10]}
    iso = isoflop_runs({C: [(4, d) for d in ds] for C, ds in budgets.items()}, n_ctx=256, batch_size=16,
                       reference_lr=2.5e-3, head_size=64, warmup_steps=50, eval_tokens=131_072, lr_scale=0.16)
    iso = _within_epochs(iso)
    runs += iso + cosine_control_runs(iso, (3e12, 1e13))
    runs += batch_runs((4, 128), {8: 4_194_304, 16: 4_194_304, 32: 6_291_456, 64: 8_388_608, 128: 12_582_912,
                                  256: 16_777_216}, n_ctx=256, lr=2e-3, base_batch=64, head_size=64,
                       eval_tokens=131_072)
    runs += finite_data_runs([(2, 48), (3, 64), (4, 128)], [None, 1_048_576, 262_144, 65_536, 16_384],
                             tokens=4_194_304, n_ctx=256, batch_size=64, head_size=64, eval_tokens=131_072)
    runs += lstm_runs([((4, 128), (4, 111)), ((6, 192), (6, 166))], tokens=16_777_216, n_ctx=1024, batch_size=16,
                      lstm_lr=3e-3, head_size=64, eval_tokens=262_144)
    runs += aspect_runs({1e6: [(1, 288), (2, 204), (4, 144), (8, 102), (16, 72), (32, 51)]}, tokens=8_388_608,
                        n_ctx=256, batch_size=32, head_size=64, eval_tokens=131_072)
    preset = Preset("gpu", tuple(runs), "Larger models for one GPU: L(N) to 6.3e6 parameters (1.6 decades beyond "
                    "the cpu preset), WSD IsoFLOP profiles from 1e12 to 3e13 FLOPs with per-size learning rates, "
                    "batch-size, finite-data, LSTM and depth-width runs; sized to the default corpus (at most four "
                    "epochs).", workers=1, max_group=GPU_ASSUMED["max_group"])
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
#: Peak learning rate of the emergence ladder: one rate for every size, so that only N changes along the ladder
#: (``lr_for_width`` gives 2.5e-3 to 1e-2 over these widths).
EMERGENCE_LR = 3e-3
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
                   lr: float = EMERGENCE_LR, head_size: int = HEAD_SIZE, n_evals: int = 8,
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
                  # measured: 34.6 minutes of wall time for the first full set of records on two shared cores
                  # (68.6 core-minutes; the seven width-256 runs of the muP sweep are half of it). The six wsd
                  # runs, remade after WSD runs gained an evaluation just before their decay, took 18.5 minutes
                  # on their own under a load of 13 on the two cores (6.1 core-minutes at first)
                  expected_minutes=35.0)


PRESETS["beyond"] = _beyond
