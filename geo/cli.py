"""The command line: `python -m geo COMMAND …`, and the one error handling every command line of the project uses.

Each capability registers its own commands: an entry point of the group `dixian.commands` (pyproject.toml) names a
`register(subparsers)` function that adds its subcommands, each with a `func(args)` to run. A failure is one line
on stderr and a non-zero exit (2 for bad input, 1 otherwise); DIXIAN_DEBUG=1 shows the traceback instead."""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points
from typing import Callable

from .settings import SettingsError

COMMANDS = "dixian.commands"   # register(subparsers) functions
NOTICES = "dixian.notices"     # notice(url) -> str | None: lines the rooms above add once data is loaded
# What the rooms above add to geo's own work, in geo's transaction, without geo knowing them:
IMPORTED = "dixian.imported"   # imported(cur, layers) -> {what: count}: after an import's layers are written
DEMO = "dixian.demo"           # load(cur, demo) -> {table: rows}: the room's records for the demo, after its layers
CHECKED = "dixian.checked"     # checked(cur) -> [line]: after the demo's checks are stored


class CommandError(Exception):
    """A failure to report as one line on stderr with a non-zero exit (2 for bad input, 1 otherwise)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def plugins(group: str) -> list[Callable]:
    """The functions registered under an entry-point group, in the order declared."""
    return [ep.load() for ep in entry_points(group=group)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Dixian 底线: the platform's command line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registered = plugins(COMMANDS)
    if not registered:
        raise CommandError(f"no commands registered under {COMMANDS}: the project is not installed in this Python; "
                           f"run `make setup` (pip install -e .)")
    for register in registered:
        register(sub)
    return parser


def notices(url: str | None = None) -> list[str]:
    """What the rooms above have to say about the loaded database (accounts: how to create the first admin)."""
    return [line for notice in plugins(NOTICES) if (line := notice(url))]


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """`--set key=value` pairs as a dict; a pair without '=' is an error that names it."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CommandError(f"--set {pair!r}: expected key=value", 2)
        out[key.strip()] = value.strip()
    return out


def main(argv: list[str] | None = None, build: Callable[[], argparse.ArgumentParser] = build_parser) -> int:
    """Parse `argv` with the parser `build` makes and run the command's func(args); its return value (or 0) is the
    exit code. The parser is built inside the error handling, so a bad setting read on the way is one line too."""
    try:
        args = build().parse_args(argv)
        return int(args.func(args) or 0)
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as err:  # one line, not a traceback, for the user; DIXIAN_DEBUG=1 shows it whole
        from .settings import settings
        if settings.debug:
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        print(f"error: {type(err).__name__}: {first}", file=sys.stderr)
        return 1
