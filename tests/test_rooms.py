"""The arrows between rooms run one way: data/ (the demo's generator) imports nothing of the project, geo/ imports
no room above it (anywhere in a module, a function's own imports too), and the commands of the rooms above reach
geo's command line by entry points."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT
from geo.cli import COMMANDS, build_parser, plugins

ABOVE_GEO = {"accounts", "inspections", "layers", "waterplan", "monitoring", "departments", "board", "views", "app",
             "server", "benchmarks"}


def imported_rooms(folder: Path) -> dict[str, set[str]]:
    """Top-level packages each module under `folder` imports (relative imports stay inside and are left out)."""
    out: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        out[str(path.relative_to(ROOT))] = names
    return out


def test_geo_imports_no_room_above_it():
    found = {m: sorted(names & ABOVE_GEO) for m, names in imported_rooms(ROOT / "geo").items() if names & ABOVE_GEO}
    assert found == {}
    assert imported_rooms(ROOT / "geo")["geo/cmd_demo.py"] >= {"data"}   # the scan sees function-level imports


def test_data_imports_nothing_of_the_project():
    project = {"geo", *ABOVE_GEO}
    assert {m: sorted(n & project) for m, n in imported_rooms(ROOT / "data").items() if n & project} == {}


def test_rooms_register_their_own_commands():
    modules = {f.__module__ for f in plugins(COMMANDS)}
    assert "waterplan.cmd_plan" in modules and all(m.startswith(("geo.", "waterplan.")) for m in modules)
    commands = build_parser()._subparsers._group_actions[0].choices
    assert {"db", "serve", "demo", "check", "explain", "source", "bench", "import", "export", "plan"} <= set(commands)
