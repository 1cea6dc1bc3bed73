"""Every published constant the book uses, once, with its source.

Chapters, tests and the other modules import from here; nothing is retyped.
Each record says where its numbers were read (paper, table or equation) and,
where the paper contradicts itself, stores what the paper prints and notes
the conflict in ``notes`` rather than silently picking one value.

Units follow the papers:

* Kaplan et al. (2020): N = non-embedding parameters, D = tokens,
  C = compute in **PF-days** (1 PF-day = 8.64e19 FLOPs), B = tokens per
  batch, S = optimizer steps, L = nats/token.
* Hoffmann et al. (2022) and later: N = total parameters, D = tokens,
  C = FLOPs, L = nats/token.

Each ``source`` carries a tag saying how the value was checked: [P] read in
the paper, [C] in the authors' code or data, [S] in secondary sources only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "Published",
    "PF_DAY_FLOPS",
    "KaplanSingleLaws",
    "KaplanJointND",
    "KaplanJointNS",
    "KaplanComputeEfficient",
    "ParametricLoss",
    "DataConstrainedLoss",
    "KAPLAN_TABLE5",
    "KAPLAN_LND",
    "KAPLAN_LNS",
    "KAPLAN_EFFICIENT",
    "KAPLAN_DATA_BOUND",
    "KAPLAN_LR_RULE",
    "KAPLAN_SETUP",
    "KAPLAN_C_C_MIN_FIGURE_LABEL",
    "GPT_CONFIGS",
    "CHINCHILLA",
    "CHINCHILLA_ROUNDED",
    "EPOCH_2024",
    "EPOCH_2024_REPLICATE",
    "DEFAULT_LAW",
    "CHINCHILLA_TABLE2",
    "CHINCHILLA_TABLE3",
    "CHINCHILLA_TABLE_A3",
    "CHINCHILLA_TABLE_A4",
    "GOPHER_BUDGET_FLOPS",
    "GOPHER_BUDGET_FLOPS_APPENDIX_F",
    "CHINCHILLA_D4_COMPARISON",
    "CHINCHILLA_HUBER_DELTA",
    "MUENNIGHOFF_2023",
    "DATABLATIONS_README",
    "HOFFMANN_2022_RUNS",
    "PEARCE_SONG_OMEGA",
    "PEARCE_SONG_SIMULATION",
    "PORIAN_2024_EXPONENTS",
    "PORIAN_2024_BETA2_GRID",
    "DEEPSEEK_2024",
    "DEEPSEEK_TABLE4",
    "MINICPM_TOKENS_PER_PARAM",
    "MUP_TABLE3",
    "DEEPSEEK_7B_CHECK",
    "ZHANG_2024_CBS",
    "LLAMA3",
    "SARDANA_2024_EXAMPLE",
    "GADRE_2024",
    "GPU_PEAK_BF16_FLOPS",
    "MODELS",
]

def _frozen(value):
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


class Published(Mapping):
    """A read-only table of published values, read as ``TABLE[key]``, with its ``source`` kept apart.

    For constants that are a set of named numbers rather than one law's
    coefficients (those are frozen dataclasses). Nested dicts are frozen too.
    """

    __slots__ = ("_values", "source")

    def __init__(self, source: str, values: Mapping):
        if not isinstance(source, str) or not source:
            raise ValueError("source must say where the values were read")
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "_values", _frozen(dict(values)))

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getitem__(self, key):
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"Published({self.source!r}, {dict(self._values)!r})"


#: FLOPs in one petaflop/s-day: 1e15 FLOP/s for 24 hours.
PF_DAY_FLOPS: float = 1e15 * 24 * 3600  # = 8.64e19


# ---------------------------------------------------------------------------
# Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanSingleLaws:
    """The one-variable power laws of Kaplan et al. (Table 5, Eqs. 1.1-1.6).

    ``L(X) = (X_c / X) ** alpha_X`` for X in N (non-embedding parameters),
    D (tokens), C (PF-days, fixed batch), C_min (PF-days, optimal batch),
    and ``B_crit(L) = B_star / L ** (1 / alpha_B)`` (tokens).
    """

    alpha_N: float
    N_c: float
    alpha_D: float
    D_c: float
    alpha_C: float
    C_c: float  # PF-days
    alpha_C_min: float
    C_c_min: float  # PF-days
    alpha_B: float
    B_star: float  # tokens
    alpha_S: float
    S_c: float  # steps
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)


KAPLAN_TABLE5 = KaplanSingleLaws(
    alpha_N=0.076,
    N_c=8.8e13,
    alpha_D=0.095,
    D_c=5.4e13,
    alpha_C=0.057,
    C_c=1.6e7,
    alpha_C_min=0.050,
    C_c_min=3.1e8,
    alpha_B=0.21,
    B_star=2e8,
    alpha_S=0.76,
    S_c=2.1e3,
    source="Kaplan et al. 2020, Table 5 and Eqs. 1.1-1.6 [P]",
    notes=(
        "B_star: Eqs. 1.4 and 5.3 print 2e8 tokens, Table 5 prints 2.1e8 tokens; "
        "we use the equations' 2e8 (see KAPLAN_B_STAR_TABLE5).",
        "alpha_C_min: Table 5 and Eq. 1.3 print 0.050; Eq. 6.4 says 0.054 and "
        "Eq. B.7 says 0.052. From alpha_N, alpha_B, alpha_S (Eq. 1.8) it is 0.0520.",
        "Figures 1 and 13 label L(C_min) with C_c_min = 2.3e8 PF-days, not 3.1e8.",
    ),
)

#: Table 5's value of B_* (tokens), which differs from Eqs. 1.4/5.3 (2e8).
KAPLAN_B_STAR_TABLE5: float = 2.1e8
#: The alternative alpha_C_min values the paper prints (Eq. 6.4, Eq. B.7).
KAPLAN_ALPHA_C_MIN_EQ_6_4: float = 0.054
KAPLAN_ALPHA_C_MIN_EQ_B_7: float = 0.052


@dataclass(frozen=True)
class KaplanJointND:
    """Kaplan's joint law L(N, D) = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D (Eq. 1.5)."""

    alpha_N: float
    alpha_D: float
    N_c: float
    D_c: float
    source: str


KAPLAN_LND = KaplanJointND(
    alpha_N=0.076,
    alpha_D=0.103,
    N_c=6.4e13,
    D_c=1.8e13,
    source="Kaplan et al. 2020, Table 2 (fit of Eq. 1.5) [P]",
)


@dataclass(frozen=True)
class KaplanJointNS:
    """Kaplan's learning-curve law L(N, S) = (N_c/N)^alpha_N + (S_c/S_min)^alpha_S (Eq. 1.6)."""

    alpha_N: float
    alpha_S: float
    N_c: float
    S_c: float
    source: str


KAPLAN_LNS = KaplanJointNS(
    alpha_N=0.077,
    alpha_S=0.76,
    N_c=6.5e13,
    S_c=2.1e3,
    source="Kaplan et al. 2020, Table 3 (fit of Eq. 1.6) [P]",
)


@dataclass(frozen=True)
class KaplanComputeEfficient:
    """Compute-efficient allocation X = X_e * C_min^p_X, C_min in PF-days (Table 6)."""

    p_N: float
    N_e: float  # non-embedding parameters
    p_B: float
    B_e: float  # tokens
    p_S: float
    S_e: float  # steps
    p_D: float
    D_e: float  # tokens
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)


KAPLAN_EFFICIENT = KaplanComputeEfficient(
    p_N=0.73,
    N_e=1.3e9,
    p_B=0.24,
    B_e=2.0e6,
    p_S=0.03,
    S_e=5.4e3,
    p_D=0.27,
    D_e=2e10,
    source="Kaplan et al. 2020, Table 6 and Eqs. 6.1-6.2 [P]",
    notes=(
        "Eq. 6.7 writes D(C_min) = 2 C_min / (6N) ~ 4e10 tokens (C_min/PF-day)^0.26; "
        "Table 6 gives D_e = 2e10 with exponent 0.27.",
        "Eq. 6.5 states N ~ C^0.71 (= 0.054/0.076); with alpha_C_min = 0.052 it is 0.684.",
    ),
)

#: Fixed-batch optimum N = 1.6e9 (C/PF-day)^0.88 (Fig. 14 label [S]; Porian et al.'s code [C]).
KAPLAN_FIXED_BATCH_OPTIMUM = Published("Kaplan et al. 2020, Fig. 14 [S]; formll/resolving-scaling-law-discrepancies plotting.py [C]", {"N_e": 1.6e9, "p_N": 0.88})

#: Data needed to avoid overfitting, D >~ coefficient * N^exponent (Eq. 4.4).
KAPLAN_DATA_BOUND = Published(
    "Kaplan et al. 2020, Eq. 4.4 [P]; the 0.02 is the seed-to-seed loss variation that sets it",
    {
        "coefficient": 5e3,
        "exponent": 0.74,
        "seed_noise": 0.02,
    },
)

#: Learning-rate rule of thumb LR(N) ~ 0.003239 - 0.0001395 log(N) (Eq. D.1).
KAPLAN_LR_RULE = Published("Kaplan et al. 2020, Eq. D.1 [P]", {"intercept": 0.003239, "slope": -0.0001395})

#: The C_c^min that the labels of Figs. 1 and 13 print (PF-days), against Table 5's 3.1e8 [S].
KAPLAN_C_C_MIN_FIGURE_LABEL: float = 2.3e8

#: Published GPT shapes: (n_layer, d_model, n_ctx, n_vocab).
GPT_CONFIGS = Published(
    "Radford et al. 2019 (GPT-2, Table 2; n_ctx and vocabulary Section 2.3); Brown et al. 2020, Table 2.1 [P]",
    {
        "GPT-2 small": (12, 768, 1024, 50257),
        "GPT-3 175B": (96, 12288, 2048, 50257),
    },
)

#: Kaplan et al.'s training set-up (Section 2.2 and Appendix A/D) [P].
KAPLAN_SETUP = Published(
    "Kaplan et al. 2020, Sections 2.2-2.3 [P]",
    {
        "n_vocab": 50257,
        "n_ctx": 1024,
        "steps": 250_000,
        "batch_sequences": 512,
        "batch_tokens": 512 * 1024,
        "warmup_steps": 3000,
        "dropout": 0.10,
        "min_params_nonembedding": 768,
        "max_params_nonembedding": 1.5e9,
        # Section 2.3: WebText2 tokenizes to 2.29e10 tokens, 6.6e8 of them held out as the test set.
        "dataset_tokens": 2.29e10,
        "test_tokens": 6.6e8,
    },
)


# ---------------------------------------------------------------------------
# Hoffmann et al. 2022 (Chinchilla) and Besiroglu et al. 2024 (Epoch AI)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParametricLoss:
    """Coefficients of L(N, D) = E + A / N^alpha + B / D^beta (N total params, D tokens)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str
    notes: tuple[str, ...] = field(default_factory=tuple)


CHINCHILLA = ParametricLoss(
    E=math.exp(0.5267228),
    A=math.exp(6.0073404),
    B=math.exp(6.0179186),
    alpha=0.33917084,
    beta=0.2849083,
    source=(
        "Hoffmann et al. 2022, Approach 3 (Eq. 10), unrounded values from the TeX source "
        "as used by Besiroglu et al. and Pearce & Song [C]"
    ),
    notes=("ln A = 6.0073404, ln B = 6.0179186, ln E = 0.5267228.",),
)

CHINCHILLA_ROUNDED = ParametricLoss(
    E=1.69,
    A=406.4,
    B=410.7,
    alpha=0.34,
    beta=0.28,
    source="Hoffmann et al. 2022, Eq. 10 as printed (rounded) [P]",
    notes=("Rounding alpha and beta moves the Gopher-budget optimum from 40.4B to 32.2B parameters.",),
)

EPOCH_2024 = ParametricLoss(
    E=math.exp(0.59711),
    A=math.exp(6.17796),
    B=math.exp(7.64273),
    alpha=0.34781,
    beta=0.36585,
    source=(
        "Besiroglu et al. 2024, Table 1; notebook log-parameters a, b, e = "
        "6.17796, 7.64273, 0.59711 (epoch-research/analyzing-chinchilla@9225883) [C]"
    ),
    notes=(
        "Table 1 prints A = 482.01, B = 2085.43, E = 1.82 (1.8172), alpha = 0.3478, beta = 0.3658.",
        "Bootstrap standard errors: A 124.58, B 1293.23, E 0.03, alpha 0.02, beta 0.02.",
    ),
)

#: The coefficients the book recommends and its functions default to: Epoch AI's refit of
#: Chinchilla's own data (Besiroglu et al. 2024). Hoffmann et al.'s printed Approach-3 fit
#: (``CHINCHILLA``) is inconsistent with their Approaches 1 and 2 and with the data it was
#: fitted to; the refit agrees with both.
DEFAULT_LAW = EPOCH_2024

#: Epoch's "replicate exactly" fit: Huber (delta=1e-3, summed), L-BFGS-B, 4500-start grid, 240 points [C].
EPOCH_2024_REPLICATE = ParametricLoss(
    E=1.8172,
    A=477.84,
    B=2143.86,
    alpha=0.34731,
    beta=0.36718,
    source="epoch-research/analyzing-chinchilla@9225883 data_analysis.ipynb, fit (a) [C]",
    notes=("An independent scipy refit gives objective 1.01827e-3 and a = 0.514 [M].",),
)

#: Chinchilla Table 2: N_opt ~ C^a, D_opt ~ C^b; brackets are 10th-90th bootstrap percentiles [P].
CHINCHILLA_TABLE2 = Published(
    "Hoffmann et al. 2022, Table 2 [P]",
    {
        "approach_1": {"a": 0.50, "a_interval": (0.488, 0.502), "b": 0.50, "b_interval": (0.501, 0.512)},
        "approach_2": {"a": 0.49, "a_interval": (0.462, 0.534), "b": 0.51, "b_interval": (0.483, 0.529)},
        "approach_3": {"a": 0.46, "a_interval": (0.454, 0.455), "b": 0.54, "b_interval": (0.542, 0.543)},
        "kaplan": {"a": 0.73, "b": 0.27},
    },
)

#: Table 3 (Approach 1 projections): (parameters, FLOPs, tokens) [P].
CHINCHILLA_TABLE3 = Published(
    "Hoffmann et al. 2022, Table 3 [P]",
    {
        "rows": (
            (400e6, 1.92e19, 8.0e9),
            (1e9, 1.21e20, 20.2e9),
            (10e9, 1.23e22, 205.1e9),
            (67e9, 5.76e23, 1.5e12),
            (175e9, 3.85e24, 3.7e12),
            (280e9, 9.90e24, 5.9e12),
            (520e9, 3.43e25, 11.0e12),
            (1e12, 1.27e26, 21.2e12),
            (10e12, 1.30e28, 216.2e12),
        ),
        "notes": (
            "67B row: C/(6N) = 1.43T tokens, but the table prints 1.5T.",
            "Section 3.4's text gives 4.41e24 FLOPs / 4.2T tokens for 175B and ~1e25 / 6.8T for 280B, "
            "disagreeing with the table.",
        ),
    },
)

#: Table A3: (parameters, approach-2 FLOPs, approach-2 tokens, approach-3 FLOPs, approach-3 tokens) [P].
CHINCHILLA_TABLE_A3 = Published(
    "Hoffmann et al. 2022, Table A3 [P]",
    {
        "rows": (
            (400e6, 1.84e19, 7.7e9, 2.21e19, 9.2e9),
            (1e9, 1.20e20, 20.0e9, 1.62e20, 27.1e9),
            (10e9, 1.32e22, 219.5e9, 2.46e22, 410.1e9),
            (67e9, 6.88e23, 1.7e12, 1.71e24, 4.1e12),
            (175e9, 4.54e24, 4.3e12, 1.26e24, 12.0e12),
            (280e9, 1.18e25, 7.1e12, 3.52e25, 20.1e12),
            (520e9, 4.19e25, 13.4e12, 1.36e26, 43.5e12),
            (1e12, 1.59e26, 26.5e12, 5.65e26, 94.1e12),
            (10e12, 1.75e28, 292.0e12, 8.55e28, 1425.5e12),
        ),
        "notes": (
            "175B row, Approach 3: printed 1.26e24 FLOPs; 6 x 175e9 x 12.0e12 = 1.26e25, "
            "so the printed exponent is a typo.",
        ),
    },
)

#: Table A4: (label, n_layer, d_model, ffw, heads, kv size, FLOP ratio ours/6ND) [P].
CHINCHILLA_TABLE_A4 = Published(
    "Hoffmann et al. 2022, Appendix F, Table A4 [P]",
    {
        "rows": (
            ("73M", 10, 640, 2560, 10, 64, 1.03),
            ("305M", 20, 1024, 4096, 16, 64, 1.10),
            ("552M", 24, 1280, 5120, 10, 128, 1.08),
            ("1.1B", 26, 1792, 7168, 14, 128, 1.04),
            ("1.6B", 28, 2048, 8192, 16, 128, 1.03),
            ("6.8B", 40, 3584, 14336, 28, 128, 0.99),
        ),
        "seq_len": 2048,
        "vocab": 32_000,
        "notes": (
            "With seq 2048 and vocab 32k the Appendix F formula as written gives ratios of "
            "1.60-1.03; dropping the embedding and logit terms reproduces the table to +-0.01 "
            "on 5 of 6 rows [M].",
        ),
    },
)

#: Gopher's training budget as Hoffmann et al. use it throughout (Figs. 2-4; Table 3's "Gopher
#: unit", the 67B row: 5.76e23 FLOPs) [P]. It is the figure reported for Gopher by Rae et al. (2021):
#: Appendix F says their own, more detailed count gives 6.3e23 instead (GOPHER_BUDGET_FLOPS_APPENDIX_F).
#: The 6ND shortcut gives 6 x 280e9 x 300e9 = 5.04e23.
GOPHER_BUDGET_FLOPS: float = 5.76e23
#: Gopher's budget by Hoffmann et al.'s Appendix-F FLOP count ("6.3e23 compared to 5.76e23") [P].
GOPHER_BUDGET_FLOPS_APPENDIX_F: float = 6.3e23

#: Hoffmann et al. 2022, Appendix D.4 [P]: a head-to-head test at 1e21 FLOPs. Kaplan et al.'s
#: frontier predicts 4.68B parameters, Approach 1 predicts 2.86B; models of 4.74B and 2.80B (same
#: depth-to-width ratio, batch 0.5M tokens, max learning rate 1.5e-4 decayed 10x) were trained, and
#: the smaller, Approach-1 model reached the lower loss (Fig. A4).
CHINCHILLA_D4_COMPARISON = Published(
    "Hoffmann et al. 2022, Appendix D.4 and Fig. A4 [P]",
    {
        "flops": 1e21,
        "kaplan_predicted_params": 4.68e9,
        "approach1_predicted_params": 2.86e9,
        "kaplan_trained_params": 4.74e9,
        "approach1_trained_params": 2.80e9,
        "winner": "approach 1",
    },
)

#: Huber threshold on log-loss residuals used to fit Chinchilla's Approach 3
#: (Hoffmann et al. 2022, Section 3.3 and App. D.2 [P]); kept by Besiroglu et al.
#: 2024 (epoch-research/analyzing-chinchilla@9225883, delta=1e-3, summed) [C].
CHINCHILLA_HUBER_DELTA: float = 1e-3


# ---------------------------------------------------------------------------
# Data-constrained scaling: Muennighoff et al. 2023
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DataConstrainedLoss:
    """L = E + A / N'^alpha + B / D'^beta with effective (repetition-discounted) N' and D'."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    R_D_star: float
    R_N_star: float
    source: str


MUENNIGHOFF_2023 = DataConstrainedLoss(
    E=math.exp(0.6254804),
    A=math.exp(6.255414),
    B=math.exp(7.3049974),
    alpha=0.3526596,
    beta=0.3526596,
    R_D_star=15.387756,
    R_N_star=5.309743,
    source="Muennighoff et al. 2023; huggingface/datablations@1370131 README 'Parametric Fit' [C]",
)

#: The datablations README's worked examples [C]: (parameters, tokens, unique tokens) pairs
#: whose losses it prints, and its grid search for the best allocation at the second pair's
#: compute (6 N D) with the same unique tokens, as printed ("227B tokens, 9.1 epochs, 6.8B params").
DATABLATIONS_README = Published(
    "huggingface/datablations@1370131 README 'Parametric Fit' [C]",
    {
        "examples": ((6.34e9, 242e9, 25e9), (8.67e9, 178e9, 25e9)),
        "grid_search": {"tokens": 227e9, "epochs": 9.1, "params": 6.8e9},
    },
)


# ---------------------------------------------------------------------------
# Reconciling Kaplan and Chinchilla
# ---------------------------------------------------------------------------

#: Hoffmann et al. 2022's training runs, as the abstract describes them [P]: "over 400 language models
#: ranging from 70 million to over 16 billion parameters" (total parameters).
HOFFMANN_2022_RUNS = Published(
    "Hoffmann et al. 2022, abstract [P]",
    {"n_models": 400, "min_params": 70e6, "max_params": 16e9},
)

#: Pearce & Song 2024, Eq. 11: N_T = N_nonemb + omega * N_nonemb^(1/3), fitted to Chinchilla's configs [C].
PEARCE_SONG_OMEGA: float = 47_491.0

#: Settings of Pearce & Song's simulation (script_analysis_kaplan_chinchilla.py) [C]:
#: 20 models with N_nonemb = logspace(2.9, 9.2) (Kaplan's "768 to 1.5 billion non-embedding
#: parameters"), d = (A N_nonemb / 12)^(1/3) with A = d/L = 39.2, embeddings vocab * d with
#: vocab 32k, 100 log-spaced budgets per counting, losses read at the nearest of 1000
#: log-spaced D in [1e6, 1e25].
PEARCE_SONG_SIMULATION = Published(
    "Pearce & Song 2024, arXiv:2406.12907, Section 4; TeaPearce/Reconciling_Kaplan_Chinchilla_Scaling_Laws@c708e5b [C]",
    {
        "log10_n_nonembedding_range": (2.9, 9.2),
        "n_models": 20,
        "aspect_ratio": 39.2,
        "n_vocab": 32_000,
        "log10_compute_range_nonembedding": (12.95, 20.7),
        "log10_compute_range_total": (13.4, 20.7),
        "n_compute": 100,
        "log10_tokens_grid": (6.0, 25.0, 1000),
        "published_exponents": {"epoch_nonembedding": 0.78, "chinchilla_nonembedding": 0.74},
        "notes": (
            "The code's Epoch and Chinchilla coefficients are the rounded 482.01/2085.43/0.3478/0.3658/1.8172 "
            "and 406.4/410.7/0.3392/0.2849/1.6934.",
            "The code uses omega = 47491 for the analytic curve but vocab * d with A = 39.2 "
            "(omega = 47481) in the simulation.",
        ),
    },
)

#: Porian et al. 2024: exponent a (N* ~ C^a) after each correction, (point, 95% interval) [C].
PORIAN_2024_EXPONENTS = Published(
    "Porian et al. 2024; formll/resolving-scaling-law-discrepancies@0dc60d9 summary_df pickles [C]",
    {
        "RefinedWeb": {
            "kaplan_reproduction": (0.835, (0.824, 0.846)),
            "last_layer_flops": (0.706, (0.691, 0.717)),
            "warmup": (0.602, (0.591, 0.617)),
            "cosine_decay": (0.571, (0.560, 0.589)),
            "optimizer_tuning": (0.497, (0.491, 0.505)),
        },
        "OpenWebText2": {
            "kaplan_reproduction": (0.864, (0.819, 0.897)),
            "last_layer_flops": (0.699, (0.664, 0.724)),
            "warmup": (0.603, (0.570, 0.629)),
            "cosine_decay": (0.574, (0.542, 0.606)),
            "optimizer_tuning": (0.518, (0.493, 0.541)),
        },
    },
)


#: Porian et al. 2024's AdamW beta2 grid, tuned per model size; a larger beta2 matters at small batches [C].
PORIAN_2024_BETA2_GRID: tuple[float, ...] = (0.95, 0.99, 0.999)


# ---------------------------------------------------------------------------
# Hyperparameter and data-quality laws
# ---------------------------------------------------------------------------

#: DeepSeek LLM (2024), Eq. 1 and the allocation law; C in non-embedding training FLOPs [S].
DEEPSEEK_2024 = Published(
    "DeepSeek-AI 2024, arXiv:2401.02954, Eq. 1 and Section 3.2 [S]",
    {
        "lr_coefficient": 0.3118,
        "lr_exponent": -0.1250,
        "batch_coefficient": 0.2920,  # tokens
        "batch_exponent": 0.3271,
        "M_opt_coefficient": 0.1715,  # non-embedding FLOPs/token
        "M_opt_exponent": 0.5243,
        "D_opt_coefficient": 5.8316,  # tokens
        "D_opt_exponent": 0.4757,
        "fit_range_flops": (1e17, 2e19),
    },
)

#: DeepSeek LLM Table 4: (a, b) of N_opt ~ C^a, D_opt ~ C^b by data set [S].
DEEPSEEK_TABLE4 = Published(
    "DeepSeek-AI 2024, arXiv:2401.02954, Table 4 [S]",
    {
        "OpenAI (OpenWebText2)": (0.73, 0.27),
        "Chinchilla (MassiveText)": (0.49, 0.51),
        "DeepSeek early in-house": (0.450, 0.550),
        "DeepSeek current in-house": (0.524, 0.476),
        "DeepSeek on OpenWebText2": (0.578, 0.422),
    },
)

#: Zhang et al. (2024), "How does critical batch size scale in pre-training?": the models and data
#: behind the finding that the critical batch grows with the data, barely with N at fixed D [P, abstract].
ZHANG_2024_CBS = Published(
    "Zhang et al. 2024, arXiv:2410.21676, abstract and Section 3 [P]",
    {
        "min_params": 85e6,
        "max_params": 1.2e9,
        "dataset": "C4",
        # Their critical batch is where the steps exceed ideal linear scaling by 20%,
        # not McCandlish's D_min/S_min (where the excess is 100%).
        "step_overhead": 0.20,
    },
)

#: MiniCPM's compute-optimal data-to-model ratio (Section 4.5) [S].
MINICPM_TOKENS_PER_PARAM: float = 192.0

#: DeepSeek LLM's Eq. 1 evaluated at its 7B model's training compute: C = 8.4e22 non-embedding
#: FLOPs gives B_opt ~ 9.2M tokens and eta_opt ~ 4.2e-4, the settings the 7B model was trained with.
DEEPSEEK_7B_CHECK = Published(
    "DeepSeek-AI 2024, Eq. 1 at the 7B model's compute, against its Table 2 settings "
    "(2304 sequences of 4096 tokens, peak learning rate 4.2e-4) [S]",
    {
        "compute_flops": 8.4e22,
        "batch_tokens": 9.2e6,
        "learning_rate": 4.2e-4,
    },
)

#: muP (Tensor Programs V, Table 3) [S; several agreeing transcriptions]: per layer type,
#: init variance ~ fan_in^init_var_fan_in_power, Adam LR ~ eta * dim^adam_lr_power and
#: SGD LR ~ eta * dim^sgd_lr_power, where dim is fan_in, except for the input weights'
#: SGD rule (eta * fan_out). Biases follow the input row.
MUP_TABLE3 = Published(
    "Yang et al. 2022, Tensor Programs V, arXiv:2203.03466, Table 3 [S]",
    {
        "input": {"init_var": "1/fan_in", "adam_lr": "eta", "sgd_lr": "eta * fan_out",
                  "init_var_fan_in_power": -1, "adam_lr_power": 0, "sgd_lr_power": 1},
        "hidden": {"init_var": "1/fan_in", "adam_lr": "eta/fan_in", "sgd_lr": "eta",
                   "init_var_fan_in_power": -1, "adam_lr_power": -1, "sgd_lr_power": 0},
        "output": {"init_var": "1/fan_in^2", "adam_lr": "eta/fan_in", "sgd_lr": "eta/fan_in",
                   "init_var_fan_in_power": -2, "adam_lr_power": -1, "sgd_lr_power": -1},
        "notes": (
            "Standard parametrisation for comparison: output init 1/fan_in, Adam LR O(1) for hidden and output.",
            "Attention logits are scaled by 1/d_head, not 1/sqrt(d_head) (Def. 4.1).",
            "Table 8 gives the equivalent multiplier form: output multiplier 1/fan_in with O(1) output LR.",
        ),
    },
)

#: Sardana et al.'s worked example of an inference-aware optimum [S, one secondary source].
#: A Chinchilla-quality 30B model expected to serve 1e13 inference tokens should instead be
#: a 13.6B model trained on 2.84x the data, for 28% less total (training + inference) compute.
SARDANA_2024_EXAMPLE = Published(
    "Sardana et al. 2024, arXiv:2401.00448, introduction [S, one source]",
    {
        "reference_params": 30e9,
        "inference_tokens": 1e13,
        "reported_params": 13.6e9,
        "reported_data_multiplier": 2.84,
        "reported_compute_saving": 0.28,
        "notes": (
            "Re-solving with Chinchilla's unrounded Approach-3 law gives 13.9B, 2.74x, 26.6%; "
            "with the printed (rounded) law 15.9B, 2.21x, 18.2% [M]. The PDF was not read.",
        ),
    },
)

#: Gadre et al. 2024's over-training testbed and the extrapolation errors of its L(C, M) fit.
GADRE_2024 = Published(
    "Gadre et al. 2024, arXiv:2403.08540; mlfoundations/scaling@a003c49 notebook (RedPajama, C4-eval) [C]",
    {
        "n_models": 104,
        "params_range": (11e6, 6.9e9),
        "tokens_per_param_range": (5.0, 640.0),
        "loss_extrapolation_error": {"1.4B, M=640": 0.0071, "6.9B, M=20": 0.0073},
    },
)

#: Llama 3 (Dubey et al. 2024 [P]; Meta blog 2024-04-18).
LLAMA3 = Published(
    "Dubey et al. 2024, arXiv:2407.21783, Section 3.2.1 [P]; Meta Llama 3 blog [S]",
    {
        "flagship_params": 405e9,
        "flagship_tokens": 15.6e12,
        "flagship_flops": 3.8e25,
        "tokens_law_A": 0.29,
        "tokens_law_alpha": 0.53,
        "tokens_8b_70b": 15e12,
        # "a vocabulary with 128K tokens" (Section 3.1.1 [P]); the released configs' vocab_size [C].
        "n_vocab": 128_256,
        # BF16 model-FLOPs utilisation of the 405B pre-training run on up to 16K H100s (Section 3.3 [P]).
        "mfu_bf16": (0.38, 0.43),
        "notes": (
            "The printed law D*(C) = 0.29 C^0.53 gives 1.05e13 tokens at 3.8e25 FLOPs, "
            "not the 16.55T the paper states [M].",
        ),
    },
)

#: Peak dense BF16 tensor-core throughput per GPU, FLOP/s [P]; the datasheets also print twice
#: these values "with sparsity" (2:4 structured sparsity, which dense training does not use).
GPU_PEAK_BF16_FLOPS = Published(
    "NVIDIA A100 and H100 Tensor Core GPU datasheets (SXM form factor) [P]",
    {"A100 SXM": 312e12, "H100 SXM": 989e12},
)

#: Real models: (total parameters, training tokens, source). Tokens/param = tokens / params.
MODELS = Published("the third field of each entry", {
    "GPT-3 175B": (175e9, 300e9, "Brown et al. 2020, Table D.1"),
    "Gopher 280B": (280e9, 300e9, "Rae et al. 2021"),
    "Chinchilla 70B": (70e9, 1.4e12, "Hoffmann et al. 2022, Section 4"),
    "LLaMA 7B": (6.7e9, 1.0e12, "Touvron et al. 2023, Table 2"),
    "LLaMA 65B": (65.2e9, 1.4e12, "Touvron et al. 2023, Table 2"),
    "Llama 3 8B": (8e9, 15e12, "Meta Llama 3 blog, 2024"),
    "Llama 3 70B": (70e9, 15e12, "Meta Llama 3 blog, 2024"),
    "Llama 3 405B": (405e9, 15.6e12, "Dubey et al. 2024"),
    "DeepSeek LLM 67B": (67e9, 2e12, "DeepSeek-AI 2024, abstract: 2-trillion-token pre-training set [S]"),
})
