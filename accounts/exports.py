"""A user's export of a layer: read as the user under row-level security (only the user's scope; the masked roles
get no ID or phone column at all), ID and phone numbers masked for roles that do not need them, written whole or
not at all by geo.export, and recorded in export_log under the user's name."""
from __future__ import annotations

from pathlib import Path

from geo import export

from . import audit, masking
from .scoped import connect_as, scoped_transaction
from .users import User


def export_layer(user: User, layer: str, out: str | Path, *, lang: str = "zh", url: str | None = None) -> int:
    """Write `layer` as `user` sees it to `out` (format from its suffix); return the rows written."""
    export.target_format(out)
    conn = connect_as(user, url)
    try:
        frame = export.read_layer(conn, layer)
    finally:
        conn.close()
    frame = masking.mask_frame(frame, user.role)
    fmt = export.write_frame(layer, frame, out, lang)
    with scoped_transaction(user, url) as conn:
        audit.record_export(conn, user, layer, len(frame), fmt, Path(out).name)
    return len(frame)
