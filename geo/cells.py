"""Spreadsheet cells made safe to open: text a spreadsheet would run as a formula (it begins with = + - @, a tab or a
carriage return: OWASP's CSV injection list) is written with a leading apostrophe, so Excel and LibreOffice show it
as text. Numbers, dates and empty cells are left alone."""
from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """One cell's value, text that could start a formula prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell of a table (and its headers) neutralised; other cells unchanged."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralised)
    out.columns = [neutralised(c) for c in out.columns]
    return out
