"""Hyperparameters across scale: how the learning rate and batch size should move as models grow.

* DeepSeek LLM's (Bi et al. 2024) compute laws for the near-optimal batch
  size and learning rate;
* μP (Yang et al. 2021/2022, Tensor Programs V): how each layer's
  initialisation and learning rate scale with width so that the optimal
  learning rate stops drifting.

The critical batch size and the gradient noise scale are :mod:`scalinglaws.batch_size`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from scalinglaws._validation import as_float_array, check_in, check_scalar, scalar_or_array
from scalinglaws.constants import DEEPSEEK_2024, MUP_TABLE3

__all__ = ["deepseek_optimal_batch", "deepseek_optimal_lr", "MupScaling", "mup_scaling", "mup_output_multiplier",
           "update_growth", "ScheduleCost", "schedule_family_cost"]

_out = scalar_or_array


def deepseek_optimal_batch(C):
    """DeepSeek LLM's near-optimal batch size in **tokens**: B_opt = 0.2920 C^0.3271 (their Eq. 1).

    ``C`` is non-embedding training compute in FLOPs (C = M D, M the
    non-embedding FLOPs per token). Fitted on 1e17-2e19 FLOPs.
    """
    C = as_float_array("C", C, positive=True)
    d = DEEPSEEK_2024
    return _out(d["batch_coefficient"] * C ** d["batch_exponent"])


def deepseek_optimal_lr(C):
    """DeepSeek LLM's near-optimal (AdamW peak) learning rate: eta_opt = 0.3118 C^-0.1250 (their Eq. 1).

    ``C`` is non-embedding training compute in FLOPs.
    """
    C = as_float_array("C", C, positive=True)
    d = DEEPSEEK_2024
    return _out(d["lr_coefficient"] * C ** d["lr_exponent"])


class MupScaling(NamedTuple):
    """Multipliers to apply to a base model's init variance and learning rate at a new width."""

    init_var: float
    lr: float


_MUP_LAYERS = ("input", "hidden", "output", "bias")


def mup_scaling(layer: str, width: float, base_width: float, *, optimizer: str = "adam",
                parametrization: str = "mup") -> MupScaling:
    """How a layer's init variance and learning rate change when the width goes ``base_width`` -> ``width``.

    From Tensor Programs V, Table 3 (:data:`scalinglaws.constants.MUP_TABLE3`):
    with fan_in (or fan_out, for input weights) proportional to the width,
    a rule "variance 1/fan_in" becomes the multiplier base_width/width, and so
    on. ``layer`` is one of "input", "hidden", "output", "bias" (biases scale
    like input weights); ``optimizer`` "adam" or "sgd"; ``parametrization``
    "mup" or "standard" (init 1/fan_in everywhere, one global learning rate).
    Tune the learning rate on the base model, then multiply by ``lr``.
    """
    check_in("layer", layer, _MUP_LAYERS)
    check_in("optimizer", optimizer, ("adam", "sgd"))
    check_in("parametrization", parametrization, ("mup", "standard"))
    width = check_scalar("width", width, low=0, low_inclusive=False)
    base_width = check_scalar("base_width", base_width, low=0, low_inclusive=False)
    r = width / base_width  # how much fan_in (hidden/output) or fan_out (input) grew
    row = MUP_TABLE3["input" if layer == "bias" else layer]
    if parametrization == "standard":
        # init 1/fan_in: input fan_in fixed (the vocabulary/data dimension), others grow with width.
        return MupScaling(1.0 if layer in ("input", "bias") else 1.0 / r, 1.0)
    init_power = row["init_var_fan_in_power"]  # variance proportional to fan_in^power
    lr_power = row[f"{optimizer}_lr_power"]  # lr proportional to (fan_in or fan_out)^power
    if layer in ("input", "bias"):
        # fan_in is the fixed input dimension; fan_out grows with width (the SGD rule uses fan_out).
        return MupScaling(1.0, r ** lr_power)
    return MupScaling(r**init_power, r**lr_power)


def mup_output_multiplier(width: float, base_width: float) -> float:
    """μP's factor on the output logits when the width goes ``base_width`` -> ``width``: base_width / width.

    The multiplier form of the output layer's rule (Tensor Programs V,
    Table 8): the readout weights keep their base initialisation and Adam
    learning rate, and the logits are divided by the width multiplier. It is
    the form to use when the output layer shares its weights with the input
    embedding, which must keep an O(1) scale.
    """
    width = check_scalar("width", width, low=0, low_inclusive=False)
    base_width = check_scalar("base_width", base_width, low=0, low_inclusive=False)
    return base_width / width


def update_growth(width, base_width: float, *, parametrization: str = "standard"):
    """How much larger one Adam step changes a hidden activation at ``width`` than at ``base_width``.

    A hidden unit sums ``fan_in`` inputs; after an Adam step every weight has
    moved by about the learning rate, in a direction correlated with those
    inputs, so the unit moves by about (learning rate) x fan_in. With one
    learning rate for all widths (the standard parametrisation) the change
    grows as width / base_width; μP divides the hidden learning rate by that
    ratio and the change stays the same (Yang et al. 2022). Returns the ratio
    of changes, 1 at the base width.
    """
    width = as_float_array("width", width, positive=True)
    base_width = check_scalar("base_width", base_width, low=0, low_inclusive=False)
    check_in("parametrization", parametrization, ("standard", "mup"))
    ratio = width / base_width
    return scalar_or_array(ratio if parametrization == "standard" else np.ones_like(ratio))


class ScheduleCost(NamedTuple):
    """Optimizer steps needed to get one finished model at each training length."""

    cosine_steps: float  # one cosine run per length
    wsd_steps: float  # one warmup-stable-decay run, branching a cool-down at each length
    saving: float  # 1 - wsd_steps / cosine_steps


def schedule_family_cost(lengths, decay_frac: float = 0.2) -> ScheduleCost:
    """Steps to train one model at each of ``lengths`` (steps) with cosine runs or with WSD branches.

    A cosine schedule depends on the run's length, so each length needs its
    own run from scratch: sum(lengths) steps. A warmup-stable-decay run holds
    the learning rate constant until its last ``decay_frac`` of steps, so one
    long run can be branched into a cool-down at every shorter length
    (Hagele et al. 2024; Hu et al. 2024, MiniCPM): max(lengths) steps plus
    ``decay_frac`` x each shorter length.
    """
    lengths = as_float_array("lengths", lengths, positive=True, min_size=1).ravel()
    decay_frac = check_scalar("decay_frac", decay_frac, low=0, high=1)
    longest = float(lengths.max())
    cosine = float(lengths.sum())
    wsd = longest + decay_frac * float(lengths.sum() - longest)
    return ScheduleCost(cosine, wsd, 1.0 - wsd / cosine)
