"""numba for this room, with compiled kernels cached on disk under a stamp of every module they read.

numba alone stamps a cached kernel with its own file, but the kernels here inline their neighbours' functions and
read their constants (Tobler's speed, the leg walk, the water rule's judging, the three-valued codes): an edit there
would otherwise leave the old kernel in the cache. The stamp covers the modules that import numba (or this module)
and every module of the room they import. Import `njit` and `prange` from here."""
from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

from numba import njit, prange
from numba.core import caching

__all__ = ["njit", "prange", "compiled_modules", "room_stamp"]

ROOM = Path(__file__).resolve().parent


def _imports(path: Path) -> tuple[bool, set[str]]:
    """Whether `path` imports numba (or this module), and the modules of the room it imports (at any depth)."""
    names, numba = set(), False
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            numba |= any(a.name.split(".")[0] == "numba" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            numba |= (node.module or "").split(".")[0] == "numba"
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            names.update([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
    names = {n for n in names if (ROOM / f"{n}.py").exists()}
    return numba or "jit" in names, names


def compiled_modules() -> list[str]:
    """The modules of the room that compiled code may read: those that import numba (or this module), and every
    module of the room they import."""
    graph = {p.stem: _imports(p) for p in ROOM.glob("*.py")}
    todo, seen = [name for name, (compiled, _) in graph.items() if compiled], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name][1])
    return sorted(seen)


@lru_cache(maxsize=8)
def _stamp(files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name in compiled_modules():
        digest.update(name.encode() + b"\0" + (ROOM / f"{name}.py").read_bytes())
    return digest.hexdigest()


def room_stamp() -> str:
    """The freshness of the room's compiled code: a hash of compiled_modules() as they are on disk (recomputed when
    a file of the room changes)."""
    return _stamp(tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(ROOM.glob("*.py"))))


class RoomCacheLocator(caching.InTreeCacheLocator):
    """numba's in-tree cache (__pycache__ beside the module), stamped by room_stamp() instead of one file."""

    def get_source_stamp(self):
        return room_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if Path(py_file).resolve().parent != ROOM:
            return None
        return super().from_function(py_func, py_file)


if RoomCacheLocator not in caching.CacheImpl._locator_classes:  # numba has no public hook for dependencies
    caching.CacheImpl._locator_classes.insert(0, RoomCacheLocator)
