"""The ``scalinglaws`` command line: ``fit``, ``optimal`` and ``lab``.

Each sub-command lives in the module that holds its idea and exposes
``register(subparsers)``; the parser then calls ``args.func(args)``, which
returns an exit code. Bad input of any kind ends with a one-line message on
stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# sub-command name -> module providing register(subparsers)
COMMANDS = {
    "fit": "scalinglaws.cli_fit",
    "optimal": "scalinglaws.cli_fit",
    "lab": "scalinglaws.lab.cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scalinglaws", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    registered = set()
    for module_name in dict.fromkeys(COMMANDS.values()):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # The lab needs torch (and, for clusters, submitit); without them,
            # or without the lab itself, the other commands still work.
            if exc.name and (exc.name.split(".")[0] in {"torch", "submitit"} or module_name.startswith(exc.name)):
                continue
            raise
        module.register(subparsers)
        registered.add(module_name)
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
