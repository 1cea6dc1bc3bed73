"""The data sets the book ships, read with their checksums verified.

Each data set is a CSV file in the package data (:mod:`scalinglaws.data`,
the repository's ``data/`` folder) with a JSON sidecar of the same name that
records where it came from (repository, commit, path, licence) and the
SHA-256 of the CSV. :func:`read_verified` refuses a file whose checksum does
not match, so a figure can never be drawn from a silently edited copy. The
files are read through :mod:`importlib.resources`, so an installed copy of
the package finds them from any directory.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.resources
import io
import json
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["data_file", "read_verified", "read_table", "ChinchillaData", "load_epoch_data", "EPOCH_DATA",
           "PorianData", "load_porian2024", "load_gadre2024", "load_muennighoff2023", "CoverageData", "load_coverage",
           "load_ruan2024", "PORIAN_DATA", "GADRE_DATA", "MUENNIGHOFF_DATA", "COVERAGE_DATA", "RUAN_DATA",
           "RUAN_BENCHMARKS"]

#: Epoch AI's digitised Chinchilla runs (Besiroglu et al. 2024).
EPOCH_DATA = "chinchilla_svg_extracted.csv"
#: Porian et al.'s (2024) IsoFLOP points of 15 settings.
PORIAN_DATA = "porian2024.csv"
#: Gadre et al.'s (2024) 104 over-training runs.
GADRE_DATA = "gadre2024.csv"
#: Muennighoff et al.'s (2023) 182 data-constrained runs.
MUENNIGHOFF_DATA = "muennighoff2023.csv"
#: How often each fitter's nominal 90% intervals cover the truth (``benchmarks/coverage.py``).
COVERAGE_DATA = "fitting/coverage.csv"
#: Ruan et al.'s (2024) 148 public base models with eight benchmark scores.
RUAN_DATA = "ruan2024.csv"
#: Ruan et al.'s benchmarks: column -> chance accuracy (the score a model that guesses gets).
RUAN_BENCHMARKS = {"mmlu": 0.25, "arc_c": 0.25, "hellaswag": 0.25, "winogrande": 0.5, "truthfulqa": None,
                   "gsm8k": 0.0, "xwinograd": 0.5, "humaneval": 0.0}


def data_file(name: str) -> Path:
    """Path of the shipped data file ``name`` (e.g. ``"chinchilla_svg_extracted.csv"``, ``"fitting/coverage.csv"``)."""
    return Path(str(importlib.resources.files("scalinglaws.data").joinpath(*name.split("/"))))


def read_verified(name_or_path) -> tuple[bytes, dict]:
    """The bytes of a data file and its sidecar metadata, after checking the file's SHA-256.

    ``name_or_path`` is a shipped file's name or a path to a CSV with a
    ``.json`` sidecar beside it. Raises ``ValueError`` if either file is
    missing or the checksum differs from the sidecar's ``sha256``.
    """
    path = Path(name_or_path)
    if not path.is_absolute() and not path.is_file():
        path = data_file(str(name_or_path))
    meta_path = path.with_suffix(".json")
    if not path.is_file():
        raise ValueError(f"path: no data file at {path}")
    if not meta_path.is_file():
        raise ValueError(f"path: no sidecar {meta_path.name} next to {path.name}")
    raw = path.read_bytes()
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(raw).hexdigest()
    if digest != meta.get("sha256"):
        raise ValueError(f"path: SHA-256 of {path.name} is {digest}, sidecar says {meta.get('sha256')}")
    return raw, meta


def _rows(raw: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def read_table(name_or_path) -> tuple[pd.DataFrame, dict]:
    """A shipped CSV as a DataFrame and its sidecar metadata, after checking the file's SHA-256.

    Columns whose every value parses as a number are numeric; ``true``/``false``
    columns are booleans.
    """
    raw, meta = read_verified(name_or_path)
    frame = pd.read_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
    for col in frame.columns:
        if frame[col].dtype == object and set(frame[col].dropna().unique()) <= {"true", "false"}:
            frame[col] = frame[col] == "true"
    return frame, meta


class ChinchillaData(NamedTuple):
    """Digitised runs of Hoffmann et al. Fig. 4 (left): N parameters, D tokens, C FLOPs, loss nats/token."""

    N: np.ndarray
    D: np.ndarray
    C: np.ndarray
    loss: np.ndarray


def load_epoch_data(drop_outliers: bool = True, path=None) -> ChinchillaData:
    """Epoch AI's 245 points extracted from the SVG of Chinchilla's Fig. 4 (left) (Besiroglu et al. 2024).

    Tokens are D = C / (6N), as in Epoch's notebook. With ``drop_outliers=True``
    the 5 highest-loss points are removed, as Epoch did
    (``losses < sorted(losses)[-5]``), leaving the 240 points they fit.
    ``path`` reads another copy (with its ``.json`` sidecar) instead.
    """
    raw, _ = read_verified(EPOCH_DATA if path is None else Path(path))
    rows = _rows(raw)
    N = np.array([float(r["Model Size"]) for r in rows])
    C = np.array([float(r["Training FLOP"]) for r in rows])
    L = np.array([float(r["loss"]) for r in rows])
    if drop_outliers:
        keep = L < np.sort(L)[-5]
        N, C, L = N[keep], C[keep], L[keep]
    return ChinchillaData(N, C / (6.0 * N), C, L)


class PorianData(NamedTuple):
    """Porian et al.'s IsoFLOP points: one row per (setting, budget, model size), and the authors' own fits.

    ``settings`` lists the 15 settings in the file's order (the chain on
    RefinedWeb, the attention-FLOP chain, Kaplan's count with tuned
    hyper-parameters, the chain on OpenWebText2); ``authors_fit[setting]``
    holds the authors' exponent ``a``, its 95% interval ``a_ci95``, the label
    and their per-budget ``optima``. :meth:`runs` gives one setting's arrays.
    """

    frame: pd.DataFrame
    settings: tuple
    authors_fit: dict
    meta: dict

    def runs(self, setting: str):
        """(N, C, loss) arrays of one setting (``N`` and ``C`` in the setting's own parameter count)."""
        if setting not in self.authors_fit:
            raise ValueError(f"setting must be one of {list(self.settings)!r}, got {setting!r}")
        rows = self.frame[self.frame["setting"] == setting]
        return rows["N"].to_numpy(float), rows["C"].to_numpy(float), rows["loss"].to_numpy(float)


def load_porian2024(path=None) -> PorianData:
    """Porian et al.'s (2024) IsoFLOP points of 15 settings (1,745 rows), checksum verified.

    Source: formll/resolving-scaling-law-discrepancies (MIT), flattened by
    ``data/flatten/porian2024.py``; ``path`` reads another copy with its sidecar.
    """
    frame, meta = read_table(PORIAN_DATA if path is None else Path(path))
    settings = tuple(dict.fromkeys(frame["setting"]))
    return PorianData(frame, settings, meta["authors_fit"], meta)


def load_gadre2024(path=None) -> pd.DataFrame:
    """Gadre et al.'s (2024) 104 over-training runs: N, D, M, C, eight losses, downstream errors, fit flags.

    ``held_out`` marks the nine 1.4B and 6.9B runs. Source: mlfoundations/scaling
    (MIT), flattened by ``data/flatten/gadre2024.py``; checksum verified.
    """
    frame, _ = read_table(GADRE_DATA if path is None else Path(path))
    return frame


def load_muennighoff2023(path=None) -> pd.DataFrame:
    """Muennighoff et al.'s (2023) 182 runs with repeated data: N, D (tokens seen), U (unique tokens), loss.

    Source: huggingface/datablations (Apache-2.0), flattened by
    ``data/flatten/muennighoff2023.py``; checksum verified.
    """
    frame, _ = read_table(MUENNIGHOFF_DATA if path is None else Path(path))
    return frame


class CoverageData(NamedTuple):
    """The calibration of the fitters' intervals: one row per case, and how it was made (``meta``)."""

    frame: pd.DataFrame
    meta: dict

    def coverage(self, case: str) -> float:
        """Share of the nominal-level intervals of ``case`` that covered the truth."""
        rows = self.frame[self.frame["fitter"] == case]
        if rows.empty:
            raise ValueError(f"case must be one of {list(self.frame['fitter'])!r}, got {case!r}")
        return float(rows["coverage"].iloc[0])


def load_coverage(path=None) -> CoverageData:
    """How often each fitter's nominal 90% intervals covered the truth in ``benchmarks/coverage.py``.

    Checksum verified; the sidecar records the command, the commit, the
    trials and the seeds.
    """
    frame, meta = read_table(COVERAGE_DATA if path is None else Path(path))
    return CoverageData(frame, meta)


def load_ruan2024(path=None, *, with_compute: bool = False) -> pd.DataFrame:
    """Ruan et al.'s (2024) 148 public base models: family, N, D, C (FLOPs, 6ND) and eight benchmark scores.

    Scores are fractions; chance levels are in :data:`RUAN_BENCHMARKS`. ``D``
    and ``C`` are missing (NaN) for the 25 models whose training data is not
    public; ``with_compute=True`` keeps only the models with a known ``C``.
    Source: ryoungj/ObsScaling (Apache-2.0), flattened by
    ``data/flatten/ruan2024.py``; checksum verified.
    """
    frame, _ = read_table(RUAN_DATA if path is None else Path(path))
    if with_compute:
        frame = frame[frame["C"].notna()].reset_index(drop=True)
    return frame
