"""Road lines straight from a binary COPY: (text id, bool, bool, LineString WKB) rows parsed by a compiled scan into
ids, flags and one coordinate array, without hex text, CSV parsing or one GEOS object per WKB."""
from __future__ import annotations

import numpy as np
import shapely

from .. import db
from .jit import njit

_HEADER = b"PGCOPY\n\xff\r\n\x00"


@njit(cache=True, inline="always")
def _i32(b, o):
    return (np.int64(b[o]) << 24) | (np.int64(b[o + 1]) << 16) | (np.int64(b[o + 2]) << 8) | np.int64(b[o + 3])


@njit(cache=True, inline="always")
def _u32le(b, o):
    return np.int64(b[o]) | (np.int64(b[o + 1]) << 8) | (np.int64(b[o + 2]) << 16) | (np.int64(b[o + 3]) << 24)


@njit(cache=True)
def _scan(b, start):
    """Offsets of each row's fields. Returns (rows, id_off, id_len, flag1, flag2, pt_off, npts) or rows = −1 when a
    row is not (text, bool, bool, little-endian 2D LineString WKB)."""
    cap = 1024
    id_off = np.empty(cap, np.int64); id_len = np.empty(cap, np.int64)
    f1 = np.empty(cap, np.bool_); f2 = np.empty(cap, np.bool_)
    pt_off = np.empty(cap, np.int64); npts = np.empty(cap, np.int64)
    o = start
    n = 0
    while True:
        nf = (np.int64(b[o]) << 8) | np.int64(b[o + 1])
        o += 2
        if nf == 0xFFFF:
            break
        if nf != 4:
            return -1, id_off, id_len, f1, f2, pt_off, npts
        if n == cap:
            cap *= 2
            id_off = np.concatenate((id_off, np.empty(cap - n, np.int64)))
            id_len = np.concatenate((id_len, np.empty(cap - n, np.int64)))
            f1 = np.concatenate((f1, np.empty(cap - n, np.bool_)))
            f2 = np.concatenate((f2, np.empty(cap - n, np.bool_)))
            pt_off = np.concatenate((pt_off, np.empty(cap - n, np.int64)))
            npts = np.concatenate((npts, np.empty(cap - n, np.int64)))
        L = _i32(b, o); o += 4
        id_off[n] = o; id_len[n] = L; o += L
        if _i32(b, o) != 1:
            return -1, id_off, id_len, f1, f2, pt_off, npts
        f1[n] = b[o + 4] != 0; o += 5
        if _i32(b, o) != 1:
            return -1, id_off, id_len, f1, f2, pt_off, npts
        f2[n] = b[o + 4] != 0; o += 5
        L = _i32(b, o); o += 4
        if b[o] != 1 or _u32le(b, o + 1) != 2:
            return -1, id_off, id_len, f1, f2, pt_off, npts
        k = _u32le(b, o + 5)
        if L != 9 + 16 * k or k < 2:
            return -1, id_off, id_len, f1, f2, pt_off, npts
        pt_off[n] = o + 9; npts[n] = k
        o += L
        n += 1
    return n, id_off[:n], id_len[:n], f1[:n], f2[:n], pt_off[:n], npts[:n]


def read_lines(cur, query: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Run `query` (selecting id text, flag, flag, ST_AsBinary(line, 'NDR')) through a binary COPY. Returns ids
    (object), flag1, flag2 (bool) and the LineStrings, or None where a row is not of that shape (a NULL, say)."""
    b = np.frombuffer(db.copy_out_binary(cur, query), dtype=np.uint8)
    if bytes(b[:11]) != _HEADER:
        return None
    ext = int.from_bytes(bytes(b[15:19]), "big")
    n, id_off, id_len, f1, f2, pt_off, npts = _scan(b, 19 + ext)
    if n < 0:
        return None
    raw = b.tobytes()
    ids = np.array([raw[o:o + k].decode() for o, k in zip(id_off.tolist(), id_len.tolist())], dtype=object)
    within = np.arange(int(npts.sum())) - np.repeat(np.cumsum(npts) - npts, npts)
    at = np.repeat(pt_off, npts) + 16 * within
    coords = b[at[:, None] + np.arange(16)].copy().view("<f8").reshape(-1, 2)
    lines = (shapely.linestrings(coords, indices=np.repeat(np.arange(n), npts)) if n
             else np.array([], dtype=object))
    return ids, f1, f2, lines
