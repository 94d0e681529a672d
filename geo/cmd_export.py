"""`python -m geo export LAYER --out FILE.gpkg|.geojson|.csv|.xlsx`: write a stored layer to a file, whole or not at all."""
from __future__ import annotations

from .cli import CommandError
from .settings import settings
from .store import LAYERS


def register(sub) -> None:
    p = sub.add_parser("export", help="write a layer to GeoPackage, GeoJSON, CSV or an Excel ledger (台账)",
                       description="Write a stored layer in CGCS2000 (EPSG:4490): .gpkg, .geojson, .csv (points as "
                                   "lon/lat, other shapes as WKT) or .xlsx (a ledger with Chinese headers and coded "
                                   "values as labels). The file appears only when it is complete.")
    p.add_argument("layer", metavar="LAYER", choices=LAYERS, help=f"one of: {', '.join(LAYERS)}")
    p.add_argument("--out", required=True, metavar="FILE", help="output file; the suffix picks the format")
    p.add_argument("--lang", choices=["zh", "en"], default=settings.language,
                   help="language of Excel headers and labels (default %(default)s)")
    p.set_defaults(func=run)


def run(args) -> int:
    from .export import ExportError, export_layer

    try:
        n = export_layer(args.layer, args.out, lang=args.lang)
    except ExportError as err:
        raise CommandError(str(err), 2) from None
    print(f"exported {n:,} rows of {args.layer} to {args.out} (as the database owner; recorded in export_log)")
    return 0
