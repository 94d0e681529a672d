"""The inspections' SQL, one statement per .sql file beside this one, loaded by name."""
from functools import lru_cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def load(name: str) -> str:
    return (_DIR / f"{name}.sql").read_text(encoding="utf-8")
