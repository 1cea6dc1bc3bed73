"""Train lab models: AdamW, warmup then cosine (or WSD) decay, periodic validation.

Two loops, both flat and visible (nanoGPT style): :func:`train` trains one
model (a transformer or an LSTM); :func:`train_group` trains K transformer
runs of one shape together, as one
:class:`~scalinglaws.lab.model.StackedGPT`, each with its own learning rate,
schedule, seed (initialisation and data order), length and evaluations.

Warmup-stable-decay runs branch (Hägele et al. 2024): a run with
``TrainConfig.cooldowns`` forks a copy of its weights and optimiser state at
the step where a run of each shorter length would start to decay, and that
copy cools down to the end of the shorter length while the main run goes
on at the stable rate. In :func:`train_group` a branch is one more row of the
stacked model (:meth:`~scalinglaws.lab.model.StackedGPT.keep_rows` with the
parent's row repeated); :func:`train` hands such runs to it.
Everything that decides the numbers is in two frozen dataclasses,
:class:`~scalinglaws.lab.config.GPTConfig` and :class:`TrainConfig`, so a run
is fully described by them plus the seed: on a CPU with a fixed thread count
the same configs give the same losses bit for bit, in either loop.

Keeping an accelerator busy: the training text and every batch's window
offsets live on the device (offsets drawn up front from the run's CPU
generator, so the data order is the same on every device); losses are summed
on the device and read back only at the evaluations; on CUDA, matrix products
run in TF32 and, with ``precision="bf16"`` (the default there), the forward
pass under bf16 autocast. ``compile=True`` wraps the model in
``torch.compile`` (measured not to pay on a CPU: see ``benchmarks/``).

FLOPs accounting: C = (training FLOPs per token) x (tokens seen), with the
per-token count from :func:`scalinglaws.compute.flops_per_token_training`
(6N plus attention and output-layer terms).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings

import torch
import torch.nn.functional as F

from scalinglaws._validation import check_in, check_scalar
from scalinglaws.lab import data as labdata
from scalinglaws.lab import evaluation
from scalinglaws.lab.config import GPTConfig, LSTMConfig, TrainConfig
from scalinglaws.lab.model import GPT, StackedGPT, build_model, param_groups

__all__ = ["pick_device", "configure_threads", "tune_allocator", "lr_at", "train", "train_group", "evaluate",
           "training_step", "stacked_training_step", "resolve_precision", "PRECISIONS", "StackedAdamW", "clip_rows_"]

#: ``auto`` is bf16 autocast on CUDA and fp32 elsewhere.
PRECISIONS = ("auto", "fp32", "bf16")

def pick_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA if available, then Apple MPS, else CPU."""
    check_in("device", device, {"auto", "cpu", "cuda", "mps"})
    if device == "auto":
        if torch.cuda.is_available():
            device = "cuda"
        elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            device = "mps"
        else:
            device = "cpu"
    return torch.device(device)


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads (default: all cores this process may use). Returns the count."""
    if threads is None:
        try:
            threads = len(os.sched_getaffinity(0))
        except AttributeError:  # macOS
            threads = os.cpu_count() or 1
    threads = check_scalar("threads", threads, low=1, integer=True)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def tune_allocator() -> bool:
    """Ask glibc's malloc to keep freed activation buffers instead of returning them to the OS.

    Every training step allocates and frees the same few-megabyte activation
    tensors; by default glibc serves them with fresh ``mmap`` calls and trims
    the heap, so each step pays page faults again. Raising the mmap and trim
    thresholds made a 3x80 CPU step about 4% faster in ``benchmarks/``. Only
    memory placement changes, never a result. Returns False where there is no
    glibc (macOS, Windows, musl) and nothing was changed.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3  # from glibc's malloc.h
        return bool(libc.mallopt(M_MMAP_THRESHOLD, 32 << 20) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
                    and libc.mallopt(M_TOP_PAD, 64 << 20))
    except (OSError, AttributeError):
        return False


def lr_at(step: int, n_steps: int, cfg: TrainConfig) -> float:
    """Learning rate at ``step`` (0-based) of a run of ``n_steps``: linear warmup (``cfg.warmup(n_steps)``
    steps), then cosine / WSD / constant.

    WSD: the peak rate until ``cfg.decay_start(n_steps)``, then a linear
    decay to ``min_lr_frac`` of it at the last step. With an absolute warm-up
    (``warmup_steps``) the rate of a WSD run up to its decay does not depend
    on its length, which is what lets one run branch cool-downs of several
    lengths.
    """
    warmup = cfg.warmup(n_steps)
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    if cfg.schedule == "constant":
        return cfg.lr
    floor = cfg.min_lr_frac * cfg.lr
    if cfg.schedule == "cosine":
        progress = (step - warmup) / max(1, n_steps - warmup)
        return floor + 0.5 * (cfg.lr - floor) * (1 + math.cos(math.pi * progress))
    decay_start = cfg.decay_start(n_steps)  # WSD
    if step < decay_start:
        return cfg.lr
    return cfg.lr + (floor - cfg.lr) * (step - decay_start + 1) / max(1, n_steps - decay_start)


def resolve_precision(precision: str, device: torch.device) -> str:
    """``"auto"`` is ``"bf16"`` (autocast) on CUDA and ``"fp32"`` elsewhere; the others pass through."""
    check_in("precision", precision, set(PRECISIONS))
    if precision == "auto":
        return "bf16" if device.type == "cuda" else "fp32"
    return precision


def _setup_device(dev: torch.device, deterministic: bool) -> dict:
    """CUDA: TF32 matrix products, and deterministic kernels where they exist. Returns what was set."""
    if dev.type != "cuda":
        return {}
    torch.backends.cuda.matmul.allow_tf32 = True  # fp32 matmuls on tensor cores (10-bit mantissa products)
    torch.backends.cudnn.allow_tf32 = True
    if deterministic:
        # cuBLAS reads this when it first starts in the process; set it before any product
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return {"tf32": True, "deterministic": bool(deterministic)}


def _autocast(dev: torch.device, precision: str):
    if precision == "bf16":
        return torch.autocast(device_type=dev.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


@contextlib.contextmanager
def _nondeterministic_ops(active: bool):
    """Collect the names of ops that warned they have no deterministic kernel (CUDA, warn_only mode)."""
    found: list = []
    if not active:
        yield found
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
    for w in caught:
        text = str(w.message)
        if "deterministic" in text:
            found.append(text.split(" does not have")[0].strip())
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    found[:] = sorted(set(found))


def _eval_steps(n_steps: int, n_evals: int) -> list[int]:
    """0-based steps after which a run evaluates: ``n_evals`` evenly spaced, the last at the end."""
    return sorted({max(0, round(n_steps * (i + 1) / n_evals) - 1) for i in range(n_evals)})


def _main_eval_steps(cfg: TrainConfig, n_steps: int, n_ctx: int) -> set:
    """0-based steps after which a run's main line evaluates: ``n_evals`` evenly spaced and, for a WSD
    run, just before its decay and before each cool-down branch leaves it (the stable-phase loss each
    cool-down starts from)."""
    at = set(_eval_steps(n_steps, cfg.n_evals))
    if cfg.schedule == "wsd":
        forks = [cfg.decay_start(b) for b in cfg.cooldown_steps(n_ctx)[:-1]] + [cfg.decay_start(n_steps)]
        at |= {f - 1 for f in forks if f >= 1}
    return at


def _run_starts(n_tokens: int, cfg: TrainConfig, n_ctx: int, n_steps: int) -> torch.Tensor:
    """Every step's window offsets (n_steps, B), drawn up front from the run's data generator.

    The draws are those a per-step :func:`~scalinglaws.lab.data.sample_batch`
    makes (same generator, same calls, same order), so the data order does not
    depend on the device, and an accelerator never waits for the CPU's sampler.
    """
    gen = torch.Generator().manual_seed(cfg.seed + 1)  # data order, independent of the init
    return torch.stack([labdata.window_starts(n_tokens, cfg.batch_size, n_ctx, gen, cfg.data_limit)
                        for _ in range(n_steps)])


def _validation_set(tokens: torch.Tensor, n_ctx: int, n_tokens: int, dev: torch.device) -> list:
    """The fixed validation windows, on the device, in batches of 64 windows."""
    return [(x.to(dev), y.to(dev)) for x, y in labdata.validation_batches(tokens, n_ctx, n_tokens)]


@torch.no_grad()
def _mean_loss(loss_fn, batches) -> torch.Tensor:
    """Mean of ``loss_fn(x, y)`` (nats/byte; a scalar or one per member) over all targets, on the device.

    Sums ``loss x targets`` batch by batch in float64 in the order a host loop
    of ``loss.item()`` would, so the result is the same bits, read back once.
    """
    total, count = None, 0
    for x, y in batches:
        term = loss_fn(x, y).double() * y.numel()
        total = term if total is None else total + term
        count += y.numel()
    return total / count


@torch.no_grad()
def _position_losses(model, batches) -> list[float]:
    """Mean next-byte loss (nats/byte) at each position of the context over the validation windows."""
    total, count = None, 0
    for x, y in batches:
        logits, _ = model(x)  # (B, T, V)
        nll = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="none")
        term = nll.view(y.shape).double().sum(0)  # (T,)
        total = term if total is None else total + term
        count += y.shape[0]
    return (total / count).tolist()


def evaluate(model: GPT, tokens: torch.Tensor, n_tokens: int, device: torch.device, precision: str = "fp32") -> float:
    """Mean next-byte cross-entropy (nats/byte) of ``model`` over fixed validation windows."""
    dev = torch.device(device)
    model.eval()
    with _autocast(dev, resolve_precision(precision, dev)):
        out = _mean_loss(lambda x, y: model(x, y)[1], _validation_set(tokens, model.cfg.n_ctx, n_tokens, dev))
    model.train()
    return float(out)


def _grad_sqnorm(model: GPT) -> float:
    return float(sum((p.grad.double() ** 2).sum() for p in model.parameters() if p.grad is not None))


def _noise_scale(model: GPT, split, cfg: TrainConfig, gen: torch.Generator, device, pairs: int = 4) -> dict:
    """Two-batch estimate of |G|^2, tr(Sigma) and B_simple (McCandlish et al. 2018, App. A) at the current weights.

    Batches of ``batch_size // 8`` and ``2 batch_size`` sequences; the two unbiased
    estimates are averaged over ``pairs`` independent pairs *before* taking
    their ratio (a ratio of noisy means, not a mean of noisy ratios, as
    McCandlish et al. advise). Units: sequences of ``n_ctx`` tokens.
    """
    from scalinglaws.batch_size import two_batch_estimates

    b_small = max(1, cfg.batch_size // 8)
    b_big = cfg.batch_size * 2
    g2, tr = 0.0, 0.0
    for _ in range(pairs):
        sq = {}
        for b in (b_small, b_big):
            x, y = labdata.sample_batch(split.train, b, model.cfg.n_ctx, gen, cfg.data_limit)
            model.zero_grad(set_to_none=True)
            _, loss = model(x.to(device), y.to(device))
            loss.backward()
            sq[b] = _grad_sqnorm(model)
        est = two_batch_estimates(sq[b_small], sq[b_big], b_small, b_big)
        g2 += float(est.grad_sqnorm) / pairs
        tr += float(est.trace_sigma) / pairs
    model.zero_grad(set_to_none=True)
    return {"grad_sqnorm": g2, "trace_sigma": tr, "b_simple": tr / g2 if g2 > 0 else None,
            "b_small": b_small, "b_big": b_big, "pairs": pairs}


def _setup(model_cfg, cfgs, device, threads, precision):
    """Checks and device set-up shared by both loops: (device, threads, precision)."""
    if not isinstance(model_cfg, (GPTConfig, LSTMConfig)):
        raise ValueError(f"model_cfg must be a GPTConfig or LSTMConfig, got {type(model_cfg).__name__}")
    for cfg in cfgs:
        if not isinstance(cfg, TrainConfig):
            raise ValueError(f"cfg must be a TrainConfig, got {type(cfg).__name__}")
        if cfg.downstream and model_cfg.n_ctx <= evaluation.K_MAX:
            raise ValueError(f"cfg: downstream metrics need n_ctx > {evaluation.K_MAX} (a prompt before the "
                             f"{evaluation.K_MAX}-byte continuation), got n_ctx={model_cfg.n_ctx}")
    dev = pick_device(device)
    precision = resolve_precision(precision, dev)
    n_threads = configure_threads(threads) if dev.type == "cpu" else torch.get_num_threads()
    if dev.type == "cpu":
        tune_allocator()
    return dev, n_threads, precision


def _result(model_cfg: GPTConfig, cfg: TrainConfig, n_steps: int, curve: list, timing: dict) -> dict:
    tokens = n_steps * cfg.batch_size * model_cfg.n_ctx
    fpt = model_cfg.flops_per_token
    return {
        "final_val_loss": curve[-1]["val_loss"],
        "curve": curve,
        "flops": float(fpt) * tokens,
        "tokens": tokens,
        "steps": n_steps,
        "n_params_nonembedding": model_cfg.n_params_nonembedding,
        "n_params_embedding": model_cfg.n_params_embedding,
        "flops_per_token": fpt,
        "timing": {**timing, "tokens_per_s": tokens / timing["wall_s"]},
    }


def training_step(model: GPT, forward, opt, x: torch.Tensor, y: torch.Tensor, amp, grad_clip: float) -> torch.Tensor:
    """One optimiser step of one model on inputs ``x`` and targets ``y`` (B, T); returns the loss (detached).

    ``forward`` is the model or its compiled wrapper; ``amp`` the autocast
    context (or a null one); ``opt`` a ``torch.optim`` optimiser whose learning
    rate the caller has set.
    """
    with amp:
        _, loss = forward(x, y)  # mean nats/byte over (B, T)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.detach()


def train(model_cfg: GPTConfig, cfg: TrainConfig, *, device: str = "auto", threads: int | None = None,
          progress: bool | None = None, precision: str = "auto", compile: bool = False,
          deterministic: bool = True) -> dict:
    """Train one model; return a JSON-able dict of results.

    Keys: ``final_val_loss`` (nats/byte), ``curve`` (list of evaluation
    points: step, tokens, flops, lr, train_loss, val_loss), ``flops`` (total
    training FLOPs), ``tokens``, ``steps``, ``n_params_nonembedding``,
    ``n_params_embedding``, ``flops_per_token``, plus ``timing`` (wall time,
    tokens/s, device, threads, precision, ...) kept apart because it varies
    run to run. ``precision``: ``"auto"`` (bf16 autocast on CUDA, fp32
    elsewhere), ``"fp32"`` or ``"bf16"``. ``deterministic`` asks CUDA for
    deterministic kernels (a CPU always is). ``progress=None`` shows a tqdm
    bar only on an interactive terminal. A run that branches cool-downs
    (``cfg.cooldowns``) is trained by :func:`train_group` as a group of one.
    With ``cfg.position_loss`` the result also holds ``position_loss``, the
    final validation loss at each position of the context.
    """
    if isinstance(cfg, TrainConfig) and cfg.cooldowns:
        return train_group(model_cfg, [cfg], device=device, threads=threads, progress=progress,
                           precision=precision, compile=compile, deterministic=deterministic)[0]
    dev, n_threads, precision = _setup(model_cfg, [cfg], device, threads, precision)
    dev_info = _setup_device(dev, deterministic)
    split = labdata.get_split(cfg.corpus)
    n_ctx = model_cfg.n_ctx

    torch.manual_seed(cfg.seed)
    model = build_model(model_cfg).to(dev)
    noise_gen = torch.Generator().manual_seed(cfg.seed + 2)
    opt_kwargs = dict(lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    if dev.type in ("cpu", "cuda"):
        opt_kwargs["fused"] = True
    opt = torch.optim.AdamW(param_groups(model), **opt_kwargs)  # every weight is a matrix, and all decay
    forward = torch.compile(model) if compile else model

    n_steps = cfg.steps(n_ctx)
    tokens_per_step = cfg.batch_size * n_ctx
    fpt = model_cfg.flops_per_token
    text = split.train.to(dev)
    starts = _run_starts(split.train.numel(), cfg, n_ctx, n_steps).to(dev)
    val_set = _validation_set(split.val, n_ctx, cfg.eval_tokens, dev)
    ood_set = evaluation.ood_batches(n_ctx, device=dev) if cfg.downstream else None
    eval_at = _main_eval_steps(cfg, n_steps, n_ctx)
    amp = _autocast(dev, precision)
    curve = []
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm.auto import tqdm

    bar = tqdm(total=n_steps, disable=not progress, desc=f"N={model_cfg.n_params_nonembedding:,}", leave=False)
    t0 = time.perf_counter()
    running = torch.zeros((), dtype=torch.float64, device=dev)  # summed on the device, read at evaluations
    n_running = 0
    with _nondeterministic_ops(dev.type == "cuda" and deterministic) as nondeterministic:
        for step in range(n_steps):
            lr = lr_at(step, n_steps, cfg)
            for group in opt.param_groups:
                group["lr"] = lr * group["lr_scale"]
            x, y = labdata.windows(text, starts[step], n_ctx)
            loss = training_step(model, forward, opt, x, y, amp, cfg.grad_clip)
            running += loss.double()
            n_running += 1
            bar.update(1)
            if step in eval_at:
                model.eval()
                with amp:
                    val = float(_mean_loss(lambda a, b: forward(a, b)[1], val_set))
                    ood = float(_mean_loss(lambda a, b: forward(a, b)[1], ood_set)) if ood_set else None
                model.train()
                point = {"step": step + 1, "tokens": (step + 1) * tokens_per_step,
                         "flops": float(fpt) * (step + 1) * tokens_per_step, "lr": lr,
                         "train_loss": float(running / n_running), "val_loss": val}
                if ood is not None:
                    point["ood_loss"] = ood
                if cfg.noise_scale:
                    point["noise"] = _noise_scale(model, split, cfg, noise_gen, dev)
                curve.append(point)
                running.zero_()
                n_running = 0
                bar.set_postfix(val=f"{val:.3f}")
        if cfg.position_loss:
            model.eval()
            with amp:
                positions = _position_losses(forward, val_set)
            model.train()
    bar.close()
    wall = time.perf_counter() - t0
    if not math.isfinite(curve[-1]["val_loss"]):
        raise ValueError(f"training diverged (val loss {curve[-1]['val_loss']}); lower lr={cfg.lr}")
    timing = {"wall_s": wall, "device": str(dev), "threads": n_threads, "precision": precision,
              "compiled": bool(compile), "trainer": "sequential", "group_size": 1, **dev_info}
    if nondeterministic:
        timing["nondeterministic_ops"] = nondeterministic
    out = _result(model_cfg, cfg, n_steps, curve, timing)
    if cfg.position_loss:
        out["position_loss"] = positions
    if cfg.downstream:
        model.eval()
        with amp:
            out["downstream"] = evaluation.continuation_metrics(lambda x: forward(x)[0], split.val, n_ctx,
                                                                device=dev)
    return out


class StackedAdamW:
    """AdamW (decoupled weight decay, ``torch.optim.AdamW``'s update) on a :class:`StackedGPT`'s ``flat``
    parameters, with one learning rate and one weight decay per member (row), times each entry's
    learning-rate factor ``lr_scale`` under μP (:meth:`StackedGPT.lr_scale`).

    Four whole-tensor updates per step whatever the model's depth; members
    share the step count (they start together).
    """

    def __init__(self, model: StackedGPT, betas=(0.9, 0.95), eps: float = 1e-8, lr_scale: torch.Tensor | None = None):
        self.model = model
        self.beta1, self.beta2 = (check_scalar("beta", b, low=0, high=1, high_inclusive=False) for b in betas)
        self.eps = check_scalar("eps", eps, low=0)
        self.exp_avg = torch.zeros_like(model.flat)
        self.exp_avg_sq = torch.zeros_like(model.flat)
        self.lr_scale = lr_scale  # (P,) learning-rate factor of every entry (muP), None when all are 1
        self.t = 0

    @torch.no_grad()
    def step(self, lr: torch.Tensor, weight_decay: torch.Tensor) -> None:
        """One update; ``lr`` and ``weight_decay`` are (K,) tensors on the parameters' device."""
        p, g = self.model.flat, self.model.flat.grad
        self.t += 1
        lr = lr.to(p.dtype)[:, None]
        if self.lr_scale is not None:
            lr = lr * self.lr_scale.to(p.dtype)  # (K, P)
        p.mul_(1 - lr * weight_decay.to(p.dtype)[:, None])
        self.exp_avg.lerp_(g, 1 - self.beta1)
        self.exp_avg_sq.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        denom = (self.exp_avg_sq.sqrt() / math.sqrt(1 - self.beta2 ** self.t)).add_(self.eps)
        p.addcdiv_(self.exp_avg * (lr / (1 - self.beta1 ** self.t)), denom, value=-1.0)

    def keep_rows(self, rows: torch.Tensor) -> None:
        """Keep (or, with a repeated row, fork) the optimiser state of these members, as
        :meth:`StackedGPT.keep_rows` does their weights."""
        self.exp_avg = self.exp_avg[rows]
        self.exp_avg_sq = self.exp_avg_sq[rows]


@torch.no_grad()
def clip_rows_(grad: torch.Tensor, max_norm: torch.Tensor) -> torch.Tensor:
    """Scale each row of ``grad`` (one member's gradient) to L2 norm at most ``max_norm[row]``, in place.

    ``torch.nn.utils.clip_grad_norm_`` per member; ``max_norm`` 0 leaves the
    row alone. Returns the norms before clipping.
    """
    norms = torch.linalg.vector_norm(grad, dim=1)
    coef = torch.where(max_norm > 0, (max_norm / (norms + 1e-6)).clamp(max=1.0), torch.ones_like(norms))
    grad.mul_(coef[:, None].to(grad.dtype))
    return norms


def stacked_training_step(model: StackedGPT, forward, opt: "StackedAdamW", x: torch.Tensor, y: torch.Tensor, amp,
                          lr: torch.Tensor, weight_decay: torch.Tensor, grad_clip: torch.Tensor) -> torch.Tensor:
    """One optimiser step of every member of ``model`` on ``x``, ``y`` (K, B, T); returns the K losses (detached).

    ``lr``, ``weight_decay``, ``grad_clip``: (K,) tensors on the device, one per member.
    """
    with amp:
        _, losses = forward(x, y)  # (K,) nats/byte
    losses.sum().backward()  # each member's rows receive exactly its own loss's gradient
    clip_rows_(model.flat.grad, grad_clip)
    opt.step(lr, weight_decay)
    model.flat.grad = None
    return losses.detach()


def _check_groupable(cfgs, n_ctx: int) -> None:
    from scalinglaws.lab.records import GROUP_FIELDS

    first = cfgs[0]
    for i, c in enumerate(cfgs):
        if c.noise_scale or c.position_loss:
            raise ValueError(f"cfgs[{i}] measures the noise scale or the loss by position: such runs train alone "
                             "(use train)")
        for f in GROUP_FIELDS:
            if getattr(c, f) != getattr(first, f):
                raise ValueError(f"cfgs: runs trained together must share {f} ({getattr(first, f)!r} in cfgs[0], "
                                 f"{getattr(c, f)!r} in cfgs[{i}])")
        lengths = c.cooldown_steps(n_ctx)
        if len(set(lengths)) != len(lengths) or lengths != sorted(lengths):
            raise ValueError(f"cfgs[{i}].cooldowns: every cool-down must end on a different optimiser step before "
                             f"the run's last (steps {lengths}; a step is {c.batch_size * n_ctx} tokens)")


class _Track:
    """One trajectory of a group: a run's main line (``branch`` None) or one of its cool-down branches,
    which leaves the main line at step ``fork`` and ends after ``steps`` steps."""

    __slots__ = ("member", "branch", "steps", "fork", "eval_at", "lrs")

    def __init__(self, member, branch, steps, fork, eval_at, lrs):
        self.member, self.branch, self.steps, self.fork, self.eval_at, self.lrs = \
            member, branch, steps, fork, eval_at, lrs


def _tracks(cfgs, n_ctx: int) -> list:
    """Every run's main line (in order, index = member), then the branches, by fork step."""
    mains, branches = [], []
    for i, c in enumerate(cfgs):
        lengths = c.cooldown_steps(n_ctx)
        n = lengths[-1]
        forks = [c.decay_start(b) for b in lengths[:-1]]
        mains.append(_Track(i, None, n, 0, _main_eval_steps(c, n, n_ctx), [lr_at(s, n, c) for s in range(n)]))
        for j, (b, f) in enumerate(zip(lengths[:-1], forks)):
            # up to its fork a branch's schedule is the main line's (absolute warm-up, then the peak rate)
            branches.append(_Track(i, j, b, f, {b - 1}, [lr_at(s, b, c) for s in range(b)]))
    return mains + sorted(branches, key=lambda t: (t.fork, t.member, t.branch))


def train_group(model_cfg: GPTConfig, cfgs, *, device: str = "auto", threads: int | None = None,
                progress: bool | None = None, precision: str = "auto", compile: bool = False,
                deterministic: bool = True, on_finish=None) -> list[dict]:
    """Train K runs of one shape together, as one :class:`StackedGPT`; return their results in order.

    ``cfgs``: K :class:`TrainConfig` that agree on
    :data:`~scalinglaws.lab.records.GROUP_FIELDS`; each keeps its own
    learning rate and schedule, seed (the same initialisation and data order
    as :func:`train` gives it), token budget, evaluations, weight decay,
    clipping and ``data_limit``. A member that has taken its last step leaves
    the group; ``on_finish(i, result)`` is called then, so a caller can record
    it at once. Each result is what :func:`train` returns for that run, equal
    to it up to float rounding (the batched products sum in another order);
    ``timing["wall_s"]`` is the member's share of the group's time (the steps
    it and its branches were in, split evenly among the rows then),
    ``group_wall_s`` the group's. A member whose loss diverged raises
    ``ValueError`` after the others have finished.

    WSD runs with ``cooldowns`` branch: at the step where a WSD run of a
    shorter length would start to decay, the member's row is copied (weights
    and AdamW moments), and the copy follows that shorter run's schedule on
    the member's own data order to the end of that length; it is then
    evaluated and leaves. The member's result gains ``cooldowns``: one entry
    per length, the branches' and then its own, each with ``tokens``,
    ``steps``, ``flops`` (of a run of that length), ``fork_step`` (where its
    decay began), ``val_loss`` (after the cool-down), ``stable_val_loss``
    (the main line's loss just before the fork) and ``train_loss`` (mean over
    the cool-down); ``compute_spent`` counts the branches' FLOPs too.
    """
    cfgs = list(cfgs)
    if not cfgs:
        raise ValueError("cfgs: need at least one TrainConfig")
    dev, n_threads, precision = _setup(model_cfg, cfgs, device, threads, precision)
    if not isinstance(model_cfg, GPTConfig):
        raise ValueError(f"model_cfg must be a GPTConfig (LSTMs train alone), got {type(model_cfg).__name__}")
    n_ctx, K = model_cfg.n_ctx, len(cfgs)
    _check_groupable(cfgs, n_ctx)
    dev_info = _setup_device(dev, deterministic)
    first = cfgs[0]
    split = labdata.get_split(first.corpus)

    models = []
    for c in cfgs:  # each member's initialisation, exactly as train() draws it
        torch.manual_seed(c.seed)
        models.append(GPT(model_cfg))
    model = StackedGPT.from_models(models).to(dev)
    del models
    opt = StackedAdamW(model, betas=(first.beta1, first.beta2), lr_scale=model.lr_scale())
    forward = torch.compile(model) if compile else model

    tracks = _tracks(cfgs, n_ctx)
    n_steps = [tracks[i].steps for i in range(K)]
    S = max(n_steps)
    tokens_per_step = first.batch_size * n_ctx
    fpt = model_cfg.flops_per_token
    text = split.train.to(dev)
    starts = torch.zeros(K, S, first.batch_size, dtype=torch.long)
    for i, c in enumerate(cfgs):  # a branch reads its member's data order
        starts[i, :n_steps[i]] = _run_starts(split.train.numel(), c, n_ctx, n_steps[i])
    starts = starts.to(dev)
    lr_table = torch.zeros(len(tracks), S, dtype=torch.float64)
    for t, tr in enumerate(tracks):
        lr_table[t, :tr.steps] = torch.tensor(tr.lrs, dtype=torch.float64)
    lrs = lr_table.to(dev)  # (tracks, S): read on the device, no host sync
    member_of = torch.tensor([tr.member for tr in tracks], device=dev)
    weight_decay = torch.tensor([cfgs[tr.member].weight_decay for tr in tracks], device=dev)
    grad_clip = torch.tensor([cfgs[tr.member].grad_clip for tr in tracks], device=dev)
    val_set = _validation_set(split.val, n_ctx, first.eval_tokens, dev)
    ood_set = evaluation.ood_batches(n_ctx, device=dev) if any(c.downstream for c in cfgs) else None
    amp = _autocast(dev, precision)
    forks = {}  # step -> tracks that branch off at its start
    for t, tr in enumerate(tracks[K:], start=K):
        forks.setdefault(tr.fork, []).append(t)

    active = list(range(K))  # track of each row of the stacked model
    rows = torch.arange(K, device=dev)  # the same, on the device
    running = torch.zeros(K, dtype=torch.float64, device=dev)  # per row, read at evaluations
    n_running = [0] * len(tracks)
    curves: list = [[] for _ in tracks]
    ends: dict = {}  # branch track -> its cool-down entry
    results: list = [None] * K
    wall = [0.0] * K
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm.auto import tqdm

    bar = tqdm(total=S, disable=not progress, leave=False,
               desc=f"{K} x N={model_cfg.n_params_nonembedding:,}")
    t0 = t_last = time.perf_counter()
    with _nondeterministic_ops(dev.type == "cuda" and deterministic) as nondeterministic:
        for step in range(S):
            if step in forks:  # copy each parent's row (weights and AdamW moments) for its new branches
                parent_row = {tracks[t].member: j for j, t in enumerate(active) if tracks[t].branch is None}
                new = forks[step]
                idx = torch.tensor(list(range(len(active))) + [parent_row[tracks[t].member] for t in new],
                                   device=dev)
                model.keep_rows(idx)
                opt.keep_rows(idx)
                running = torch.cat([running, torch.zeros(len(new), dtype=torch.float64, device=dev)])
                active += new
                rows = torch.tensor(active, device=dev)
            x, y = labdata.windows(text, starts[member_of[rows], step], n_ctx)  # (rows, B, T)
            losses = stacked_training_step(model, forward, opt, x, y, amp, lrs[rows, step], weight_decay[rows],
                                           grad_clip[rows])
            running += losses.double()
            for t in active:
                n_running[t] += 1
            bar.update(1)
            due = [j for j, t in enumerate(active) if step in tracks[t].eval_at]
            if due:
                sub = None if len(due) == len(active) else model.flat.detach()[due]
                n_due = len(due)
                with amp:
                    val = _mean_loss(lambda a, b: forward(a.expand(n_due, *a.shape), b.expand(n_due, *b.shape),
                                                          flat=sub)[1], val_set).tolist()
                train_sum = running[due].tolist() if sub is not None else running.tolist()
                for v, j, tr_sum in zip(val, due, train_sum):
                    t = active[j]
                    tr = tracks[t]
                    point = {"step": step + 1, "tokens": (step + 1) * tokens_per_step,
                             "flops": float(fpt) * (step + 1) * tokens_per_step, "lr": tr.lrs[step],
                             "train_loss": tr_sum / n_running[t], "val_loss": v}
                    if tr.branch is None:
                        if cfgs[t].downstream:  # the loss on text of another kind (branches never ask for it)
                            one = model.flat.detach()[[j]]
                            with amp:
                                point["ood_loss"] = float(_mean_loss(
                                    lambda a, b: forward(a[None], b[None], flat=one)[1], ood_set)[0])
                        curves[t].append(point)
                    else:
                        ends[t] = point
                    n_running[t] = 0
                running[due] = 0.0
                bar.set_postfix(val=f"{min(val):.3f}")
            now = time.perf_counter()  # after any evaluation's read-back: the device has caught up
            for t in active:
                wall[tracks[t].member] += (now - t_last) / len(active)
            t_last = now
            done = [j for j, t in enumerate(active) if tracks[t].steps == step + 1]
            if done:
                for j in done:
                    t = active[j]
                    if tracks[t].branch is not None:
                        continue
                    c = cfgs[t]
                    timing = {"wall_s": wall[t], "device": str(dev), "threads": n_threads, "precision": precision,
                              "compiled": bool(compile), "trainer": "stacked", "group_size": K,
                              "group_wall_s": now - t0, **dev_info}
                    results[t] = _result(model_cfg, c, n_steps[t], curves[t], timing)
                    if c.downstream:
                        one = model.flat.detach()[[j]]
                        with amp:
                            results[t]["downstream"] = evaluation.continuation_metrics(
                                lambda x: forward(x[None], flat=one)[0][0], split.val, n_ctx, device=dev)
                    if c.cooldowns:
                        own = [u for u in range(K, len(tracks)) if tracks[u].member == t]
                        results[t]["cooldowns"] = [_cooldown(tracks[u], ends[u], curves[t], tokens_per_step, fpt)
                                                   for u in sorted(own, key=lambda u: tracks[u].steps)]
                        results[t]["cooldowns"].append(_cooldown(tracks[t], curves[t][-1], curves[t],
                                                                 tokens_per_step, fpt, c.decay_start(n_steps[t])))
                        results[t]["compute_spent"] = float(fpt) * tokens_per_step * sum(
                            tracks[u].steps - tracks[u].fork for u in own + [t])
                    if on_finish is not None and math.isfinite(results[t]["final_val_loss"]):
                        on_finish(t, results[t])
                keep = [j for j in range(len(active)) if j not in done]
                if keep:
                    idx = torch.tensor(keep, device=dev)
                    model.keep_rows(idx)
                    opt.keep_rows(idx)
                    running = running[idx]
                    active = [active[j] for j in keep]
                    rows = torch.tensor(active, device=dev)
    bar.close()
    if nondeterministic:
        for r in results:
            r["timing"]["nondeterministic_ops"] = nondeterministic
    diverged = [i for i, r in enumerate(results) if not math.isfinite(r["final_val_loss"])
                or any(not math.isfinite(e["val_loss"]) for e in r.get("cooldowns", []))]
    if diverged:
        raise ValueError("training diverged for cfgs " + ", ".join(
            f"[{i}] (lr={cfgs[i].lr}, val loss {results[i]['final_val_loss']})" for i in diverged) + "; lower lr")
    return results


def _cooldown(track, end: dict, main_curve: list, tokens_per_step: int, fpt: int, fork: int | None = None) -> dict:
    """One cool-down of a branching WSD run: where it started and the loss it ended at."""
    fork = track.fork if fork is None else fork
    stable = next((p["val_loss"] for p in main_curve if p["step"] == fork), None)
    return {"tokens": track.steps * tokens_per_step, "steps": track.steps,
            "flops": float(fpt) * track.steps * tokens_per_step, "fork_step": fork,
            "val_loss": end["val_loss"], "train_loss": end["train_loss"], "stable_val_loss": stable}
