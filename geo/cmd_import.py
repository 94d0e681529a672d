"""`python -m geo import DIR [--crs FRAME] [--replace]`: load a dataset folder, or print its problems and change nothing."""
from __future__ import annotations

import sys
import time

from .cli import CommandError


def register(sub) -> None:
    p = sub.add_parser("import", help="load a dataset folder (one file per layer, dem.tif)",
                       description="Load a dataset folder: one file per layer named after the layer (GeoJSON, "
                                   "GeoPackage, Shapefile, or CSV with lon/lat or WKT columns) and a DEM as dem.tif. "
                                   "Everything is checked first; on any problem each is printed on its own line, "
                                   "nothing is written and the exit code is 2.")
    p.add_argument("folder", metavar="DIR", help="the dataset folder")
    p.add_argument("--crs", metavar="FRAME",
                   help="frame of CSV and GeoJSON files and of any file without a CRS: EPSG:4326 (default), "
                        "EPSG:4490, gcj02 (Gaode/Tencent), bd09 (Baidu) or any EPSG:n")
    p.add_argument("--replace", action="store_true",
                   help="swap the layers in the folder for the stored ones (atomically); without it rows are added")
    p.set_defaults(func=run)


RERUN = {"water_results": "python -m geo check water", "road_results": "python -m geo check roads"}


def run(args) -> int:
    from .dataset import DatasetError
    from .importer import ImportProblems, run_import

    started = time.perf_counter()
    try:
        report = run_import(args.folder, crs=args.crs, replace=args.replace)
    except ImportProblems as err:
        for line in err.notices:
            print(f"notice: {line}")
        for line in err.lines:
            print(line, file=sys.stderr)
        raise CommandError(str(err), 2) from None
    except DatasetError as err:
        raise CommandError(str(err), 2) from None
    for line in report.notices:
        print(f"notice: {line}")
    elevated = ", ".join(f"{k} {v:,}" for k, v in report.elevations.items())
    print(f"{report.summary()} in {time.perf_counter() - started:.1f} s"
          + (f"; elevation from the DEM for {elevated}" if elevated else ""))
    for table, n in report.stale.items():
        if n:
            print(f"the data changed: {n:,} stale rows of {table} deleted; rerun the check: {RERUN[table]}")
    return 0
