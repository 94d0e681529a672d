"""`python -m geo works import|export KIND FILE`: the water works' operating records (managers, trainings, fees,
samples, complaints) from and to CSV or Excel files, registered by this package's entry point (pyproject.toml)."""
from __future__ import annotations

from pathlib import Path

from geo import cells, db
from geo.atomic import atomic_file
from geo.cli import CommandError


def register(sub) -> None:
    from .works import KINDS
    p = sub.add_parser("works", help="water works records: import or export managers, trainings, fees, samples, "
                                     "complaints",
                       description="import: rows from a .csv or .xlsx file (headers: the column names or their "
                                   "Chinese or English labels), all or nothing, every problem named by row and "
                                   "field; a year's fees of a works replace the stored ones. export: the records "
                                   "as .csv or .xlsx with Chinese headers.")
    p.add_argument("action", choices=["import", "export"])
    p.add_argument("kind", choices=list(KINDS))
    p.add_argument("file", help=".csv or .xlsx")
    p.set_defaults(func=run_works)


def run_works(args) -> int:
    from .works import WorksImportError, import_frame, labelled, read, read_file
    path = Path(args.file)
    with db.transaction() as conn:
        if args.action == "import":
            try:
                n = import_frame(conn, args.kind, read_file(path), path.name)
            except WorksImportError as err:
                raise CommandError(str(err), 2) from None
            except (OSError, ValueError) as err:
                raise CommandError(f"{path.name}: {err}", 2) from None
            print(f"works {args.kind}: {n} rows imported from {path.name}")
            return 0
        df = labelled(args.kind, read(conn, args.kind), "zh")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CommandError(f"{path.name}: expected a .csv or .xlsx file", 2)
    with atomic_file(path) as tmp:
        if suffix == ".csv":
            cells.to_csv(df, tmp)
        else:
            cells.neutralise_frame(df).to_excel(tmp, sheet_name=args.kind, index=False, engine="openpyxl")
    print(f"works {args.kind}: {len(df)} rows written to {path}")
    return 0
