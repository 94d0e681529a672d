"""Index rebuilds for whole-table writes: drop a table's indexes (and, if asked, its keys) inside the transaction,
write, and build them once afterwards; one sorted build beats growing an index row by row."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def rebuilt_indexes(cur, table: str, *, unique: bool = False, foreign_keys: bool = False,
                    maintenance_work_mem: str | None = "256MB") -> Iterator[None]:
    """Drop `table`'s secondary indexes — with `unique`, also its primary key and unique constraints; with
    `foreign_keys`, its foreign keys — and put every one back after the block. Names and definitions come from the
    catalog, never from input. Readers wait for the commit (the table is locked), then see the new rows whole.
    Deferred checks still pending on a dropped key run before it goes, while the indexes they need exist."""
    if maintenance_work_mem:
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", (maintenance_work_mem,))
    kinds = ["p", "u"] if unique else []
    kinds += ["f"] if foreign_keys else []
    cur.execute("""SELECT conname, contype, condeferred, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE conrelid = %s::regclass AND contype = ANY(%s) ORDER BY contype DESC, conname""",
                (table, kinds))
    constraints = cur.fetchall()  # p and u before f: a key is put back before what might lean on it
    cur.execute("""SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.schemaname = current_schema() AND i.tablename = %s
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid =
                                     (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)""",
                (table,))
    indexes = cur.fetchall()
    for name, kind, deferred, _ in sorted(constraints, key=lambda c: c[1] != "f"):
        if deferred:
            cur.execute(f'SET CONSTRAINTS "{name}" IMMEDIATE')
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    yield
    for name, kind, _, definition in constraints:
        if kind != "f":
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _, definition in indexes:
        cur.execute(definition)
    for name, kind, _, definition in constraints:
        if kind == "f":
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
