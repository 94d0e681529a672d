"""The command line: `python -m geo SUBCOMMAND …`. Each subcommand lives in the module that does its work and
registers itself here through a `register(subparsers)` function; errors print one line and exit non-zero."""
from __future__ import annotations

import argparse
import importlib
import sys

# Modules that add subcommands, in the order `--help` lists them.
COMMAND_MODULES = [
    "geo.cmd_db",
    "geo.cmd_serve",
    "geo.cmd_demo",
    "geo.cmd_check",
    "geo.cmd_import",
    "geo.cmd_export",
    "geo.cmd_plan",
]


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit (2 for bad input, 1 otherwise)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Dixian 底线: spatial core of the platform")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """`--set key=value` pairs as a dict; a pair without '=' is an error that names it."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--set {pair!r}: expected key=value", 2)
        out[key.strip()] = value.strip()
    return out


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as err:  # one line, not a traceback, for the user; DIXIAN_DEBUG=1 shows it whole
        import os
        if os.environ.get("DIXIAN_DEBUG"):
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"error: {type(err).__name__}: {first}", file=sys.stderr)
        return 1
    return int(result or 0)
