"""Rebuild ``data/lab/sherlock.txt.xz``, the lab's text of another kind, from the markovify repository.

The lab trains on Shakespeare's plays (Elizabethan verse drama with speaker
headings and stage directions). To measure how its models do on text of
another kind (Kaplan et al. 2020, Section 3.2.2), it also evaluates them on
Arthur Conan Doyle's *The Adventures of Sherlock Holmes* (1892, public
domain): Victorian narrative prose.

Source: ``test/texts/sherlock.txt`` of github.com/jsvine/markovify (MIT) at
commit :data:`COMMIT`, a copy of Project Gutenberg eBook #1661. This script
keeps the body of the book only: the text between the Project Gutenberg
"*** START OF" and "*** END OF" lines (the Gutenberg licence header and
footer, the transcriber's credit and the closing "End of the Project
Gutenberg EBook" sentence, which are not part of the public-domain work, are
dropped), without
the byte-order mark, with Windows line ends turned into ``\\n`` (the
Shakespeare corpus's) and surrounding blank lines stripped. The output is
xz-compressed; the lab checks the SHA-256 of the decompressed bytes
(``scalinglaws.lab.evaluation.OOD_SHA256``).

    python data/flatten/sherlock.py /path/to/markovify[.git]
"""

from __future__ import annotations

import lzma
import sys
from pathlib import Path

from _common import GitSource, parse_args, sha256

REPO_URL = "https://github.com/jsvine/markovify"
COMMIT = "6f93edb986ee6ebf2f1a8d88096416d48d406e3c"
PATH = "test/texts/sherlock.txt"
SOURCE_SHA256 = "242ec73a70f0a03dcbe007e32038e7deeaee004aaec9a09a07fa322743440fa8"


def book_body(raw: bytes) -> bytes:
    """The book between the Gutenberg START and END markers, BOM removed, ``\\n`` line ends."""
    text = raw.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    lines = text.split(b"\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"*** START OF"))
    end = next(i for i, line in enumerate(lines) if line.startswith(b"*** END OF"))
    # the transcriber's credit just after the START line and the "End of the Project Gutenberg
    # EBook" sentence just before the END line are Gutenberg's, not the book's
    credit = next(i for i in range(start, end) if lines[i].startswith(b"Produced by"))
    closing = next(i for i in range(start, end) if lines[i].startswith(b"End of the Project Gutenberg"))
    return b"\n".join(lines[credit + 1:closing]).strip(b"\n") + b"\n"


def main() -> int:
    args = parse_args(__doc__.splitlines()[0], COMMIT)
    src = GitSource(args.source, args.commit)
    raw = src.read(PATH)
    if sha256(raw) != SOURCE_SHA256:
        sys.exit(f"error: {PATH} at {src.commit} has SHA-256 {sha256(raw)}, expected {SOURCE_SHA256}")
    body = book_body(raw)
    out = Path(args.out_dir) / "lab" / "sherlock.txt.xz"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(body, preset=9 | lzma.PRESET_EXTREME))
    print(f"{out}: {len(body):,} bytes of text (sha256 {sha256(body)}), {out.stat().st_size:,} compressed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
