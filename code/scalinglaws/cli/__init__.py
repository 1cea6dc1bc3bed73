"""The ``scalinglaws`` command line: ``fit``, ``optimal`` and ``lab``.

Each sub-command is a module of this package (:mod:`~scalinglaws.cli.fit`,
:mod:`~scalinglaws.cli.optimal`, :mod:`~scalinglaws.cli.lab`) exposing
``register(subparsers)``; the parser then calls ``args.func(args)``, which
returns an exit code. Bad input of any kind ends with a one-line message on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from scalinglaws.cli import fit, lab, optimal

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit status 2), like every other error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="scalinglaws", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in (fit, optimal, lab):
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"scalinglaws {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
