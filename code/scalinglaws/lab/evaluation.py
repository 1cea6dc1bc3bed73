"""What the lab measures on a trained model besides its validation loss.

* :func:`continuation_metrics`: per-byte accuracy, per-byte log-loss and the
  exact match of a k-byte continuation (k = 1 ... ``k_max``) under greedy
  decoding, on fixed windows of the validation text: the same model seen
  through a smooth metric and an all-or-nothing one (Schaeffer et al. 2023).
* :func:`ood_batches`: windows of text of another kind, Arthur Conan Doyle's
  *The Adventures of Sherlock Holmes*, vendored as ``data/lab/sherlock.txt.xz``,
  on which the trainers measure a second loss at every evaluation of a run
  with ``TrainConfig.downstream`` (Kaplan et al. 2020, Section 3.2.2: loss on
  other distributions follows the training distribution's loss with an offset).
* :func:`activation_updates`: how much a few Adam steps move the hidden
  activations, per coordinate, at several widths: μP's defining property is
  that this stays of order one as the model widens (Yang et al. 2022's
  "coordinate check").

Exact match from one forward pass
    Greedy decoding of a k-byte continuation reproduces the true bytes exactly
    if and only if, for each of the k positions, the model's most likely next
    byte *given the true bytes before it* is the true byte: as long as every
    earlier byte was right, the decoder's context is the true text. So the
    exact match of every k is read off a single teacher-forced pass as the
    share of windows whose first k continuation predictions are all correct
    (a test checks it against step-by-step generation).

Provenance of the text of another kind
    ``test/texts/sherlock.txt`` of github.com/jsvine/markovify (MIT) at commit
    6f93edb9, a copy of Project Gutenberg eBook #1661 (public domain), reduced
    to the book's body by ``data/flatten/sherlock.py``; :func:`load_ood_text`
    refuses any other bytes.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import lzma
import pathlib

import torch
import torch.nn.functional as F

from scalinglaws._validation import check_scalar
from scalinglaws.lab import data as labdata
from scalinglaws.lab.config import GPTConfig
from scalinglaws.lab.model import GPT, param_groups

__all__ = ["OOD_SHA256", "OOD_BYTES", "OOD_PROVENANCE", "ood_path", "load_ood_text", "ood_batches", "continuation_metrics",
           "K_MAX", "EVAL_WINDOWS", "OOD_TOKENS", "activation_updates"]

OOD_BYTES = 562_346
OOD_SHA256 = "efc28bcd78eb3e5a903117fb117819208c6745849ea4862ad7e6ed6b216aa69d"
OOD_PROVENANCE = {
    "name": "The Adventures of Sherlock Holmes (Arthur Conan Doyle, 1892)",
    "repository": "https://github.com/jsvine/markovify",
    "commit": "6f93edb986ee6ebf2f1a8d88096416d48d406e3c",
    "path": "test/texts/sherlock.txt",
    "source_sha256": "242ec73a70f0a03dcbe007e32038e7deeaee004aaec9a09a07fa322743440fa8",
    "repository_licence": "MIT",
    "text_licence": "public domain (Project Gutenberg eBook #1661; Gutenberg header and footer removed)",
    "bytes": OOD_BYTES,
    "sha256": OOD_SHA256,
    "flatten": "data/flatten/sherlock.py",
}

#: Longest continuation whose exact match is measured (bytes).
K_MAX = 32
#: Validation windows the continuation metrics are measured on.
EVAL_WINDOWS = 2048
#: Targets of the text of another kind per evaluation.
OOD_TOKENS = 32_768


def ood_path() -> pathlib.Path:
    """The vendored text of another kind (xz-compressed) inside the package data."""
    return pathlib.Path(str(importlib.resources.files("scalinglaws.data") / "lab" / "sherlock.txt.xz"))


_TEXT: dict = {}


def load_ood_text() -> torch.Tensor:
    """The text of another kind as a (n,) uint8 tensor, after checking its SHA-256 (``ValueError`` if it differs)."""
    if "ood" not in _TEXT:
        data = lzma.decompress(ood_path().read_bytes())
        digest = hashlib.sha256(data).hexdigest()
        if digest != OOD_SHA256:
            raise ValueError(f"sherlock.txt.xz: checksum mismatch, expected {OOD_SHA256}, got {digest} "
                             "(rebuild it with data/flatten/sherlock.py)")
        _TEXT["ood"] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
    return _TEXT["ood"]


def ood_batches(n_ctx: int, n_tokens: int = OOD_TOKENS, device="cpu") -> list:
    """Fixed, evenly spaced windows of the text of another kind, (x, y) batches on ``device``."""
    return [(x.to(device), y.to(device)) for x, y in labdata.validation_batches(load_ood_text(), n_ctx, n_tokens)]


def _continuation_batches(tokens: torch.Tensor, n_ctx: int, n_windows: int, batch_size: int = 64):
    """``n_windows`` evenly spaced windows of ``tokens`` (inputs and next-byte targets, each (B, n_ctx))."""
    starts = torch.linspace(0, tokens.numel() - n_ctx - 1, n_windows).long()
    offsets = torch.arange(n_ctx + 1)
    for i in range(0, n_windows, batch_size):
        window = tokens[starts[i:i + batch_size, None] + offsets].long()
        yield window[:, :-1], window[:, 1:]


@torch.no_grad()
def continuation_metrics(logits_fn, tokens: torch.Tensor, n_ctx: int, *, k_max: int = K_MAX,
                         n_windows: int = EVAL_WINDOWS, device="cpu") -> dict:
    """Per-byte accuracy, log-loss and k-byte exact match of greedy continuations.

    ``logits_fn(x)`` maps inputs (B, n_ctx) to next-byte logits (B, n_ctx,
    256). In each of ``n_windows`` evenly spaced windows of ``tokens`` the
    last ``k_max`` targets are the continuation and everything before them
    the prompt (at least one byte). Returns ``accuracy`` and ``loss``
    (nats/byte), averaged over the continuation bytes, and ``exact_match``, a
    list whose entry k - 1 is the share of windows whose first k continuation
    bytes greedy decoding gets all right (see the module docstring).
    """
    n_ctx = check_scalar("n_ctx", n_ctx, low=2, integer=True)
    k_max = check_scalar("k_max", k_max, low=1, integer=True)
    n_windows = check_scalar("n_windows", n_windows, low=1, integer=True)
    if k_max >= n_ctx:
        raise ValueError(f"k_max must be smaller than n_ctx={n_ctx} (the prompt needs a byte), got {k_max}")
    if tokens.numel() < n_ctx + 1:
        raise ValueError(f"tokens: need at least n_ctx + 1 = {n_ctx + 1} bytes, got {tokens.numel()}")
    correct_prefix = torch.zeros(k_max, dtype=torch.float64)
    n_correct, nll, n = 0.0, 0.0, 0
    for x, y in _continuation_batches(tokens, n_ctx, n_windows):
        x, y = x.to(device), y.to(device)
        logits = logits_fn(x)[:, -k_max:].float()  # (B, k_max, V): the continuation's predictions
        target = y[:, -k_max:]
        ok = logits.argmax(-1) == target  # (B, k_max)
        correct_prefix += ok.cumprod(dim=1).sum(0).double().cpu()  # windows right on the first k bytes
        n_correct += float(ok.sum())
        nll += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="sum"))
        n += x.shape[0]
    return {"accuracy": n_correct / (n * k_max), "loss": nll / (n * k_max),
            "exact_match": (correct_prefix / n).tolist(), "windows": n, "k_max": k_max}


def activation_updates(widths, *, parametrization: str, base_width: int | None = None, lr: float = 1e-2,
                       steps: int = 3, n_layer: int = 2, head_size: int = 32, n_ctx: int = 32,
                       batch_size: int = 8, seed: int = 0) -> dict:
    """How far ``steps`` Adam steps move a model's activations, per coordinate, at each width.

    For every ``d_model`` in ``widths`` a model of that width is built
    (``parametrization`` ``"standard"`` or ``"mup"``, the μP base width
    ``base_width``, default the smallest width), trained for ``steps`` steps
    at peak learning rate ``lr`` (no warm-up, no weight decay, no clipping:
    the raw update rule) on fixed batches of the training text, and the
    root-mean-square change of each coordinate is measured on a fixed
    validation batch: of the last block's output (the residual stream, before
    the final layer norm) and of the output logits. Returns ``{"widths",
    "hidden", "logits"}``, lists in the order of ``widths``.

    Under the standard parametrisation each hidden coordinate sums
    ``fan_in`` coherent updates of size ``lr``, so its change grows in
    proportion to the width; under μP the learning rate shrinks as
    1/fan_in and the change stays of order one (Yang et al. 2022).
    """
    widths = [check_scalar("widths", w, low=1, integer=True) for w in widths]
    lr = check_scalar("lr", lr, low=0, low_inclusive=False)
    steps = check_scalar("steps", steps, low=1, integer=True)
    if len(widths) < 2:
        raise ValueError("widths: need at least two widths to compare")
    base = min(widths) if base_width is None else base_width
    split = labdata.get_split(None)
    gen = torch.Generator().manual_seed(seed + 1)
    batches = [labdata.sample_batch(split.train, batch_size, n_ctx, gen) for _ in range(steps)]
    x_val, _ = next(labdata.validation_batches(split.val, n_ctx, batch_size * n_ctx, batch_size))
    out = {"widths": widths, "hidden": [], "logits": [], "parametrization": parametrization, "lr": lr}
    for w in widths:
        cfg = GPTConfig(n_layer=n_layer, d_model=w, n_head=max(1, w // head_size), n_ctx=n_ctx,
                        parametrization=parametrization, base_width=base if parametrization == "mup" else None)
        torch.manual_seed(seed)
        model = GPT(cfg)
        opt = torch.optim.Adam([{"params": g["params"], "lr": lr * g["lr_scale"]} for g in param_groups(model)], lr=lr)
        before = _activations(model, x_val)
        for x, y in batches:
            _, loss = model(x, y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        after = _activations(model, x_val)
        out["hidden"].append(float((after[0] - before[0]).pow(2).mean().sqrt()))
        out["logits"].append(float((after[1] - before[1]).pow(2).mean().sqrt()))
    return out


@torch.no_grad()
def _activations(model: GPT, x: torch.Tensor):
    """(residual stream after the last block, logits) of ``model`` on inputs ``x``."""
    captured = {}
    handle = model.blocks[-1].register_forward_hook(lambda mod, inp, out: captured.__setitem__("h", out.detach()))
    try:
        logits, _ = model(x)
    finally:
        handle.remove()
    return captured["h"].clone(), logits.detach().clone()

