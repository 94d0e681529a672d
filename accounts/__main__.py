"""`python -m accounts …`: the accounts' commands (accounts/commands.py) under geo's one error handling."""
import sys

from geo.cli import main


def _parser():
    from .commands import build_parser  # built inside the error handling: a bad setting is one line too
    return build_parser()


if __name__ == "__main__":
    sys.exit(main(build=_parser))
