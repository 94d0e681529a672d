"""The fallback aggregate of a layer with too many features to send and no better aggregate of its own (per natural
village): its points counted per grid cell of about 2 km, drawn as circles sized by the count."""
from __future__ import annotations

import folium
import numpy as np
import pandas as pd

from geo.settings import settings

from .base import Shift, count_radius
from .popup import Field, Popup


def grid_counts(df: pd.DataFrame, flags: tuple[str, ...] = ()) -> pd.DataFrame:
    """Points counted per grid cell (settings.map_grid_deg), each cell at the mean position of its points, with the
    number of points where each boolean column in `flags` is true."""
    g = settings.map_grid_deg
    cells = pd.DataFrame({"gx": np.floor(df["lon"].to_numpy(float) / g), "gy": np.floor(df["lat"].to_numpy(float) / g),
                          "lon": df["lon"].to_numpy(float), "lat": df["lat"].to_numpy(float)})
    for col in flags:
        cells[col] = df[col].fillna(False).astype(bool).to_numpy()
    agg = {"lon": ("lon", "mean"), "lat": ("lat", "mean"), "n": ("lon", "size")}
    agg.update({col: (col, "sum") for col in flags})
    return cells.groupby(["gx", "gy"]).agg(**agg).reset_index(drop=True)


def grid_layer(df: pd.DataFrame, color: str, lang: str, shift: Shift | None, flags: dict[str, str] | None = None
               ) -> tuple[folium.GeoJson, int]:
    """Grid cells (grid_counts) as circles sized by count, with a popup of the count and of each flag's count
    (`flags`: column -> the message that heads it)."""
    popup = Popup((Field("n", "count"), *(Field(col, header) for col, header in (flags or {}).items())), tip=())
    return popup.layer(df, lang, keep=("n",), shift=shift,
                       style=lambda ft: {"color": "#333333", "weight": 1, "fillColor": color, "fillOpacity": 0.75,
                                         "radius": count_radius(ft["properties"]["n"])})
