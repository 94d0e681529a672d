"""Files and folders written whole or not at all: written under a temporary name beside the target and renamed into
place when complete; on any failure the temporary is removed and an existing target is left as it was."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _temporary(target: Path) -> Path:
    # Beside the target (a rename within one filesystem is atomic), hidden, unique, and keeping the suffix that
    # writers such as GDAL and openpyxl read the format from.
    return target.with_name(f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.partial{target.suffix}")


@contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """A path to write the file to; it becomes `target` when the block ends without error."""
    target = Path(target)
    tmp = _temporary(target)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_folder(target: str | Path, *, merge: bool = False) -> Iterator[Path]:
    """An empty folder to write into; when the block ends without error it takes the place of `target`, replacing
    an earlier folder whole, or with `merge` its files are moved into `target` one by one (each whole), leaving the
    folder's other files alone. The parent folder is made if missing."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target}: exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield tmp
        if not target.exists():
            os.replace(tmp, target)
        elif merge:
            for path in sorted(tmp.iterdir()):
                os.replace(path, target / path.name)
        else:
            old = _temporary(target)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_file(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | Path, text: str) -> None:
    with atomic_file(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
