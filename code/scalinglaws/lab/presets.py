"""The lab's declarative presets: ``smoke``, ``cpu`` and ``gpu``.

Each preset lists its runs explicitly, grouped by experiment:

* ``L_N``: loss against non-embedding parameters N at a fixed, ample token
  budget (Kaplan et al. 2020's L(N)).
* ``isoflop``: for each compute budget C, several model sizes trained on
  D = C / (training FLOPs per token) tokens (Hoffmann et al. 2022, Approach 2;
  the same runs feed Approach 3).

Model shapes come from one ladder of (n_layer, d_model) pairs; heads have
size 16 (smoke, cpu) or 64 (gpu). The learning rate is the same for every size
(3e-3, chosen on two sizes; see the chapter for what per-size tuning changes).
"""

from __future__ import annotations

from scalinglaws._validation import check_in
from scalinglaws.lab.model import GPTConfig
from scalinglaws.lab.sweep import Preset, RunSpec
from scalinglaws.lab.train import TrainConfig

__all__ = ["PRESETS", "get_preset", "ladder_config", "isoflop_runs", "l_n_runs"]

# (n_layer, d_model): N = 12 n_layer d_model^2 grows by about 2x per rung
LADDER = ((1, 4), (1, 8), (1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80), (4, 96), (4, 128),
          (6, 192), (8, 256), (12, 384))


def ladder_config(n_layer: int, d_model: int, n_ctx: int, head_size: int = 16) -> GPTConfig:
    return GPTConfig(n_layer=n_layer, d_model=d_model, n_head=max(1, d_model // head_size), n_ctx=n_ctx)


def l_n_runs(shapes, tokens: int, n_ctx: int, batch_size: int, lr: float, head_size: int = 16,
             n_evals: int = 8, eval_tokens: int = 65_536) -> list[RunSpec]:
    return [RunSpec("L_N", ladder_config(L, d, n_ctx, head_size),
                    TrainConfig(tokens=tokens, batch_size=batch_size, lr=lr, n_evals=n_evals,
                                eval_tokens=eval_tokens), {"shape": f"{L}x{d}"})
            for L, d in shapes]


def isoflop_runs(budgets: dict, n_ctx: int, batch_size: int, lr: float, head_size: int = 16,
                 n_evals: int = 4, eval_tokens: int = 65_536) -> list[RunSpec]:
    """``budgets``: {C in FLOPs: [(n_layer, d_model), ...]}; D = C / flops_per_token, rounded to whole steps."""
    runs = []
    for C, shapes in budgets.items():
        for L, d in shapes:
            cfg = ladder_config(L, d, n_ctx, head_size)
            step_tokens = batch_size * n_ctx
            steps = max(1, round(C / cfg.flops_per_token / step_tokens))
            runs.append(RunSpec("isoflop", cfg,
                                TrainConfig(tokens=steps * step_tokens, batch_size=batch_size, lr=lr,
                                            n_evals=n_evals, eval_tokens=eval_tokens),
                                {"budget": float(C), "shape": f"{L}x{d}"}))
    return runs


def _smoke() -> Preset:
    runs = l_n_runs([(1, 8), (1, 16), (2, 16), (2, 24)], tokens=131_072, n_ctx=64, batch_size=8, lr=3e-3,
                    n_evals=4, eval_tokens=16_384)
    runs += isoflop_runs({3e9: [(1, 4), (1, 8), (1, 16), (2, 16)], 1e10: [(1, 8), (1, 16), (2, 16), (2, 24)]},
                         n_ctx=64, batch_size=8, lr=1e-2, n_evals=2, eval_tokens=16_384)
    return Preset("smoke", tuple(runs), "Tiny models on about 1e5 bytes each: the whole pipeline in well under "
                  "two minutes (tests and the live book build).", workers=2, expected_minutes=0.5)


def _cpu() -> Preset:
    runs = l_n_runs([(1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64)], tokens=4_194_304, n_ctx=128,
                    batch_size=16, lr=3e-3)
    # Small models win at these budgets (hundreds of tokens per parameter), so each budget's
    # sizes reach two rungs below the first guess, to bracket the minimum on both sides.
    ladder = [(1, 4), (1, 8), (1, 16), (1, 24), (2, 24), (2, 32), (2, 48), (3, 64), (3, 80)]
    budgets = {3e10: ladder[0:6], 1e11: ladder[1:7], 3e11: ladder[1:8], 1e12: ladder[2:9]}
    runs += isoflop_runs(budgets, n_ctx=128, batch_size=16, lr=3e-3, n_evals=2)
    return Preset("cpu", tuple(runs), "The book's figures: L(N) over 1.7 decades of N and IsoFLOP profiles at "
                  "four budgets (3e10 to 1e12 FLOPs), two pinned 1-thread workers.", workers=2,
                  expected_minutes=20.0)


def _gpu() -> Preset:
    runs = l_n_runs([(2, 48), (3, 64), (4, 96), (4, 128), (6, 192), (8, 256)], tokens=100_000_000, n_ctx=256,
                    batch_size=64, lr=2e-3, head_size=64, eval_tokens=262_144)
    ladder = [(2, 48), (3, 64), (3, 80), (4, 96), (4, 128), (6, 192), (8, 256), (12, 384)]
    budgets = {1e14: ladder[0:5], 3e14: ladder[1:6], 1e15: ladder[2:7], 3e15: ladder[3:8]}
    runs += isoflop_runs(budgets, n_ctx=256, batch_size=64, lr=2e-3, head_size=64, eval_tokens=262_144)
    return Preset("gpu", tuple(runs), "Larger models for one GPU: L(N) to about 6e6 parameters and IsoFLOP "
                  "profiles from 1e14 to 3e15 FLOPs.", workers=1, expected_minutes=120.0)


PRESETS = {"smoke": _smoke, "cpu": _cpu, "gpu": _gpu}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (``smoke``, ``cpu`` or ``gpu``)."""
    check_in("preset", name, set(PRESETS))
    return PRESETS[name]()
