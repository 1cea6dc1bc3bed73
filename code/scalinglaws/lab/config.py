"""What a lab run is, as plain data: the model's shape and the optimisation settings.

All are frozen, validated dataclasses with no dependency on torch, so that
presets, records and reports can be read (and run keys computed) where torch
is not installed. :mod:`scalinglaws.lab.model` builds the network from a
:class:`GPTConfig` (a transformer) or an :class:`LSTMConfig` (a recurrent
baseline); :mod:`scalinglaws.lab.train` runs a :class:`TrainConfig`.

Settings added after the first records were made (``downstream``,
``warmup_steps``, ``cooldowns``, ``position_loss``; ``parametrization`` and
``base_width`` of a standard model; ``arch`` of a model) are left out of
``to_dict`` while they hold their defaults, so the keys of runs that do not use
them did not change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from scalinglaws import compute
from scalinglaws._validation import check_in, check_scalar

__all__ = ["GPTConfig", "LSTMConfig", "TrainConfig", "SCHEDULES", "PARAMETRIZATIONS", "model_config_from_dict"]

SCHEDULES = ("cosine", "wsd", "constant")

#: How initialisation and learning rates depend on the width: ``"standard"`` (one learning rate, the
#: same initial scale at every width) or ``"mup"`` (Yang et al.'s maximal-update parametrisation).
PARAMETRIZATIONS = ("standard", "mup")


@dataclass(frozen=True)
class GPTConfig:
    """Shape of the model. ``d_attn`` defaults to ``d_model`` and ``d_ff`` to ``4 * d_model``.

    ``parametrization="mup"`` scales the hidden weights' initial standard
    deviation by ``sqrt(base_width / d_model)``, their Adam learning rates by
    ``base_width / d_model`` and the output logits by the same factor
    (Tensor Programs V, Tables 3 and 8; the output layer is tied to the input
    embedding, whose scale and learning rate do not change). At
    ``d_model == base_width`` (the default) it is the standard model exactly.
    """

    n_layer: int = 2
    d_model: int = 64
    n_head: int = 2
    n_ctx: int = 128
    n_vocab: int = 256  # bytes
    d_attn: int | None = None
    d_ff: int | None = None
    parametrization: str = "standard"
    base_width: int | None = None  # muP only: the d_model at which muP equals the standard model

    arch = "gpt"  # not a field (and not in to_dict): what model_config_from_dict builds by default

    def __post_init__(self):
        check_in("parametrization", self.parametrization, set(PARAMETRIZATIONS))
        if self.base_width is not None:
            if self.parametrization != "mup":
                raise ValueError("base_width applies only with parametrization='mup'")
            check_scalar("base_width", self.base_width, low=1, integer=True)
        for name in ("n_layer", "d_model", "n_head", "n_ctx", "n_vocab"):
            check_scalar(name, getattr(self, name), low=1, integer=True)
        d_attn = self.d_model if self.d_attn is None else check_scalar("d_attn", self.d_attn, low=1, integer=True)
        d_ff = 4 * self.d_model if self.d_ff is None else check_scalar("d_ff", self.d_ff, low=1, integer=True)
        if d_attn % self.n_head:
            raise ValueError(f"n_head must divide d_attn ({d_attn}), got n_head={self.n_head}")
        object.__setattr__(self, "d_attn", int(d_attn))
        object.__setattr__(self, "d_ff", int(d_ff))

    @property
    def n_params_nonembedding(self) -> int:
        """Non-embedding parameters N (Kaplan et al. 2020, Eq. 2.1)."""
        return compute.params_nonembedding(self.n_layer, self.d_model, self.d_attn, self.d_ff)

    @property
    def n_params_embedding(self) -> int:
        """Token plus position embedding parameters (tied unembedding)."""
        return compute.params_embedding(self.n_vocab, self.d_model, self.n_ctx)

    @property
    def n_params_total(self) -> int:
        return self.n_params_nonembedding + self.n_params_embedding

    @property
    def flops_per_token(self) -> int:
        """Training FLOPs per token: 3 x (2N + 2 n_layer n_ctx d_attn + 2 d_model n_vocab)."""
        return compute.flops_per_token_training(self.n_layer, self.d_model, self.n_ctx,
                                                self.d_attn, self.d_ff, self.n_vocab)

    @property
    def width_mult(self) -> float:
        """d_model / base_width under muP (how much wider than the base model), 1.0 under the standard one."""
        if self.parametrization != "mup" or self.base_width is None:
            return 1.0
        return self.d_model / self.base_width

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.parametrization == "standard":  # the keys of runs made before muP existed stay the same
            del d["parametrization"], d["base_width"]
        return d


@dataclass(frozen=True)
class LSTMConfig:
    """Shape of an LSTM language model: ``n_layer`` LSTM layers of width ``d_model`` between a token
    embedding and the tied output layer, trained on windows of ``n_ctx`` bytes (no position embedding:
    the recurrence knows the order)."""

    n_layer: int = 1
    d_model: int = 64
    n_ctx: int = 128
    n_vocab: int = 256

    arch = "lstm"  # not a field: to_dict adds it, model_config_from_dict reads it

    def __post_init__(self):
        for name in ("n_layer", "d_model", "n_ctx", "n_vocab"):
            check_scalar(name, getattr(self, name), low=1, integer=True)

    @property
    def n_params_nonembedding(self) -> int:
        """8 n_layer d_model^2: four gates, each an input and a recurrent matrix (no biases)."""
        return compute.params_lstm(self.n_layer, self.d_model)

    @property
    def n_params_embedding(self) -> int:
        """Token embedding parameters (tied with the output layer)."""
        return compute.params_embedding(self.n_vocab, self.d_model, 0)

    @property
    def n_params_total(self) -> int:
        return self.n_params_nonembedding + self.n_params_embedding

    @property
    def flops_per_token(self) -> int:
        """Training FLOPs per token: 3 x (2N + 2 d_model n_vocab)."""
        return compute.flops_per_token_training_lstm(self.n_layer, self.d_model, self.n_vocab)

    def to_dict(self) -> dict:
        return {"arch": self.arch, **asdict(self)}


def model_config_from_dict(d: dict):
    """A :class:`GPTConfig` or, for ``{"arch": "lstm", ...}``, an :class:`LSTMConfig`."""
    if not isinstance(d, dict):
        raise ValueError(f"model must be a dict of a model's shape, got {type(d).__name__}")
    d = dict(d)
    arch = d.pop("arch", "gpt")
    check_in("arch", arch, {"gpt", "lstm"})
    return LSTMConfig(**d) if arch == "lstm" else GPTConfig(**d)


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings. ``tokens`` is the training budget D (bytes seen).

    Warm-up lasts ``warmup_steps`` optimiser steps if given, else
    ``warmup_frac`` of the run's steps. With an absolute warm-up, runs of
    different lengths share their warm-up and, under ``schedule="wsd"``
    (warm-up, stable, decay; Hägele et al. 2024), their whole stable phase.

    ``cooldowns`` (WSD only): token counts below ``tokens`` at which the run
    also *branches*: at the step where a WSD run of that length would start
    its decay, a copy of the model and optimiser state leaves the main run
    and cools down to the end of that length, exactly as a separate run of
    ``tokens = cooldown`` would (same warm-up, stable phase and data order).
    One run then yields the loss at several training lengths
    (``result["cooldowns"]``).

    ``position_loss``: measure the validation loss at every position of the
    context at the end (``result["position_loss"]``), as Kaplan et al.
    (2020, Fig. 7 and 20) compare transformers with LSTMs.
    """

    tokens: int = 200_000
    batch_size: int = 32  # sequences per step; tokens per step = batch_size * n_ctx
    lr: float = 3e-3  # peak learning rate
    warmup_frac: float = 0.05
    schedule: str = "cosine"  # cosine to min_lr_frac * lr; "wsd": constant then linear decay over decay_frac
    decay_frac: float = 0.2  # WSD only: fraction of steps spent decaying
    min_lr_frac: float = 0.1
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    n_evals: int = 8  # validation points along the run (the last one at the end)
    eval_tokens: int = 65_536  # validation targets per evaluation
    seed: int = 0
    data_limit: int | None = None  # train on only the first data_limit bytes (finite data)
    corpus: str | None = None  # path of a text file; None = the default Shakespeare corpus
    noise_scale: bool = False  # measure the gradient noise scale at each evaluation
    downstream: bool = False  # also measure accuracy, exact match and loss on text of another kind
    warmup_steps: int | None = None  # absolute warm-up (overrides warmup_frac)
    cooldowns: tuple = ()  # WSD only: shorter lengths (tokens) whose cool-downs branch off this run
    position_loss: bool = False  # final validation loss at every context position

    def __post_init__(self):
        check_scalar("tokens", self.tokens, low=1, integer=True)
        check_scalar("batch_size", self.batch_size, low=1, integer=True)
        check_scalar("lr", self.lr, low=0, low_inclusive=False)
        check_scalar("warmup_frac", self.warmup_frac, low=0, high=1)
        check_in("schedule", self.schedule, set(SCHEDULES))
        check_scalar("decay_frac", self.decay_frac, low=0, high=1)
        check_scalar("min_lr_frac", self.min_lr_frac, low=0, high=1)
        check_scalar("weight_decay", self.weight_decay, low=0)
        check_scalar("beta1", self.beta1, low=0, high=1, high_inclusive=False)
        check_scalar("beta2", self.beta2, low=0, high=1, high_inclusive=False)
        check_scalar("grad_clip", self.grad_clip, low=0)
        check_scalar("n_evals", self.n_evals, low=1, integer=True)
        check_scalar("eval_tokens", self.eval_tokens, low=1, integer=True)
        check_scalar("seed", self.seed, low=0, integer=True)
        if self.data_limit is not None:
            check_scalar("data_limit", self.data_limit, low=2, integer=True)
        if self.warmup_steps is not None:
            check_scalar("warmup_steps", self.warmup_steps, low=0, integer=True)
        if isinstance(self.cooldowns, (str, bytes)) or not hasattr(self.cooldowns, "__iter__"):
            raise ValueError(f"cooldowns must be a sequence of token counts, got {self.cooldowns!r}")
        cooldowns = tuple(check_scalar("cooldowns", c, low=1, integer=True) for c in self.cooldowns)
        if cooldowns:
            if self.schedule != "wsd":
                raise ValueError(f"cooldowns need schedule='wsd', got schedule={self.schedule!r}")
            if self.warmup_steps is None:
                raise ValueError("cooldowns need an absolute warm-up (warmup_steps), so that the branches share "
                                 "the main run's warm-up")
            if list(cooldowns) != sorted(set(cooldowns)) or cooldowns[-1] >= self.tokens:
                raise ValueError(f"cooldowns must be increasing token counts below tokens={self.tokens}, "
                                 f"got {list(cooldowns)}")
            if self.position_loss or self.noise_scale or self.downstream:
                raise ValueError("cooldowns: a branching run cannot also measure position_loss, noise_scale or "
                                 "downstream")
        object.__setattr__(self, "cooldowns", tuple(int(c) for c in cooldowns))

    def steps(self, n_ctx: int) -> int:
        """Optimiser steps: ceil(tokens / (batch_size n_ctx))."""
        return max(1, -(-self.tokens // (self.batch_size * n_ctx)))

    def cooldown_steps(self, n_ctx: int) -> list[int]:
        """Optimiser steps of every length this run ends a cool-down at: the branches', then its own."""
        step_tokens = self.batch_size * n_ctx
        return [max(1, -(-c // step_tokens)) for c in self.cooldowns] + [self.steps(n_ctx)]

    def warmup(self, n_steps: int) -> int:
        """Warm-up steps of a run of ``n_steps`` steps."""
        return int(self.warmup_frac * n_steps) if self.warmup_steps is None else int(self.warmup_steps)

    def decay_start(self, n_steps: int) -> int:
        """First step of a WSD run's decay (``n_steps`` minus ``decay_frac`` of them)."""
        return n_steps - int(self.decay_frac * n_steps)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["cooldowns"] = list(self.cooldowns)
        for name, default in (("downstream", False), ("warmup_steps", None), ("cooldowns", []),
                              ("position_loss", False)):
            if d[name] == default:  # keep the keys of runs made before these settings existed
                del d[name]
        return d
