"""What every flattening script shares: reading an author's file at a pinned
commit, writing a byte-stable CSV, and writing its provenance sidecar.

The scripts in this folder turn a published repository's files into one plain
CSV each (``data/<name>.csv``) plus a JSON sidecar (``data/<name>.json``) that
records where every number came from and the CSV's SHA-256, which the
package's loaders verify. They are run by hand when a data set is (re)built,
never at import or test time, so they may use pandas to read pickles.

Determinism is the point: the same repository commit must give the same bytes,
so floats are written with ``repr`` (shortest round-trip form), rows are in a
fixed order, and the JSON is written with a fixed key order.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import math
import subprocess
import sys
import warnings
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1]


def parse_args(description: str, default_commit: str) -> argparse.Namespace:
    """The command line every script takes: where the authors' repository is, and which commit."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "source",
        type=Path,
        help="the authors' repository: a bare git directory (as left by a mirror/fetch) or a checkout",
    )
    parser.add_argument(
        "--commit",
        default=default_commit,
        help=f"commit to read the files from (default: {default_commit}, the one the shipped CSV was built from)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=DATA_DIR,
        help="where to write <name>.csv and <name>.json (default: the repository's data/ folder)",
    )
    return parser.parse_args()


class GitSource:
    """Files of one commit of a git repository, read with ``git show`` (no checkout needed).

    Reading through git rather than the working tree guarantees that the bytes
    are those of the pinned commit, whatever is checked out.
    """

    def __init__(self, path: Path, commit: str):
        path = Path(path)
        if (path / ".git").exists():
            self._git = ["git", "-C", str(path)]
        elif (path / "HEAD").is_file() and (path / "objects").is_dir():
            self._git = ["git", f"--git-dir={path}"]
        else:
            sys.exit(f"error: {path} is neither a git checkout nor a bare git directory")
        resolved = self._run(["rev-parse", "--verify", f"{commit}^{{commit}}"])
        if resolved is None:
            sys.exit(f"error: commit {commit} is not in {path}")
        self.commit = resolved.decode().strip()

    def _run(self, args: list[str]) -> bytes | None:
        proc = subprocess.run(self._git + args, capture_output=True)
        return proc.stdout if proc.returncode == 0 else None

    def read(self, relpath: str) -> bytes:
        data = self._run(["show", f"{self.commit}:{relpath}"])
        if data is None:
            sys.exit(f"error: {relpath} is not in commit {self.commit}")
        return data

    def list(self, folder: str) -> list[str]:
        """Paths of the files under ``folder`` at the commit, sorted."""
        out = self._run(["ls-tree", "-r", "--name-only", self.commit, folder])
        if out is None:
            sys.exit(f"error: cannot list {folder} at {self.commit}")
        return sorted(p for p in out.decode().splitlines() if p)


def assignments(source: bytes | str, names: list[str], where: str) -> dict[str, ast.expr]:
    """The right-hand sides of the top-level ``name = ...`` statements of a Python source, unevaluated.

    The authors' code is parsed, never run: pass a node to ``ast.literal_eval``
    for a literal, or take apart a comprehension. ``where`` names the source in
    the error when a name is missing.
    """
    with warnings.catch_warnings():
        # Authors' files hold strings like "\cite" or "\d+" without r"": Python only warns
        # (DeprecationWarning up to 3.11, SyntaxWarning from 3.12).
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(source)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], "id", None)
            if name in names:
                found[name] = node.value
    missing = set(names) - set(found)
    if missing:
        sys.exit(f"error: {sorted(missing)} not assigned in {where}")
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cell(value) -> str:
    """One CSV field: floats in shortest round-trip form, missing values empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        # bool before int: True is an int in Python, but the file should say true/false.
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            raise ValueError("refusing to write an infinite value to a data file")
        return repr(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"unexpected value of type {type(value).__name__} in a data row: {value!r}")


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    """The CSV as bytes: UTF-8, header row, ``\\n`` line ends, minimal quoting."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if set(row) != set(columns):
            missing, extra = set(columns) - set(row), set(row) - set(columns)
            raise ValueError(f"row does not match the columns: missing {sorted(missing)}, extra {sorted(extra)}")
        writer.writerow([_cell(row[c]) for c in columns])
    return buf.getvalue().encode("utf-8")


def write_outputs(out_dir: Path, name: str, columns: dict[str, str], rows: list[dict], meta: dict) -> None:
    """Write ``<name>.csv`` and its sidecar ``<name>.json``; print the checksum.

    ``columns`` maps each column name to its meaning and unit (kept in the
    sidecar, in the CSV's order). ``meta`` holds the provenance fields; the
    row count, checksum and column descriptions are added here so that they
    cannot drift from the file that was written.
    """
    data = csv_bytes(list(columns), rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"{name}.csv"
    csv_path.write_bytes(data)
    sidecar = dict(meta)
    sidecar["file"] = csv_path.name
    sidecar["rows"] = len(rows)
    sidecar["sha256"] = sha256(data)
    sidecar["columns"] = columns
    (out_dir / f"{name}.json").write_text(
        json.dumps(sidecar, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8"
    )
    print(f"{csv_path}: {len(rows)} rows, {len(data)} bytes, sha256 {sidecar['sha256']}")


def as_float(value) -> float:
    """A plain Python float (numpy scalars print as ``np.float64(...)`` under ``repr``)."""
    return float(value)
