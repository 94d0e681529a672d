"""Masking of ID and phone numbers for roles that do not need them: 5301**********1234, 138****5678.
The database does the same in households_v (acct_mask_id, acct_mask_phone); exports use mask_frame."""
from __future__ import annotations

from . import PERSONAL_DATA_ROLES

# Column names that hold personal numbers, wherever they appear (households, exports, joined frames).
ID_COLUMNS = ("id_number",)
PHONE_COLUMNS = ("phone",)


def needs_masking(role: str | None) -> bool:
    """Every role not known to need personal data is masked, including none at all."""
    return role not in PERSONAL_DATA_ROLES


def mask_id(value):
    if value is None or value != value:  # None or NaN
        return value
    v = str(value)
    return v[:4] + "*" * (len(v) - 8) + v[-4:] if len(v) >= 10 else "*" * len(v)


def mask_phone(value):
    if value is None or value != value:
        return value
    v = str(value)
    return v[:3] + "*" * (len(v) - 7) + v[-4:] if len(v) >= 8 else "*" * len(v)


def mask_frame(df, role: str | None):
    """A copy of a (Geo)DataFrame with personal columns masked for `role`; the frame itself if none to mask."""
    if not needs_masking(role):
        return df
    cols = [c for c in df.columns if c in ID_COLUMNS or c in PHONE_COLUMNS]
    if not cols:
        return df
    out = df.copy()
    for c in cols:
        out[c] = out[c].map(mask_id if c in ID_COLUMNS else mask_phone)
    return out


def mask_record(record: dict, role: str | None) -> dict:
    """One row (an API answer, say) masked for `role`."""
    if not needs_masking(role):
        return record
    return {k: mask_id(v) if k in ID_COLUMNS else mask_phone(v) if k in PHONE_COLUMNS else v
            for k, v in record.items()}
