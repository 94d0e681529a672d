"""Photo evidence: read EXIF position and time (JPEG, HEIC/HEIF), hash the bytes and the picture, store by content.
Only JPEG and HEIC/HEIF are decoded, and only pictures within the pixel cap: the size is read from the header and
checked before a single pixel is decoded (an image bomb is refused, not unpacked)."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import imagehash
import pillow_heif
from PIL import Image, UnidentifiedImageError

from geo import atomic
from geo.settings import settings

pillow_heif.register_heif_opener()
# Pillow's own guard as well (it refuses outright above twice this); ours below is exact and comes first.
Image.MAX_IMAGE_PIXELS = settings.photo_max_pixels

_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_MAKE, _MODEL, _DATETIME = 271, 272, 306
_DATETIME_ORIGINAL, _OFFSET_ORIGINAL, _OFFSET = 36867, 36881, 36880
# The only decoders tried, and how each format opened is recorded (Pillow's JPEG decoder opens a phone's
# multi-picture JPEG as MPO).
_DECODERS = ("JPEG", "HEIF")
_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "HEIF": "heif"}


class NotAnImage(ValueError):
    """The bytes are not a picture this platform accepts."""


def _deg(dms, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in dms)
    except (TypeError, ValueError):
        return None
    v = d + m / 60 + s / 3600
    return -v if str(ref).upper() in ("S", "W") else v


def _offset(text) -> timezone | None:
    """An EXIF OffsetTime such as '+03:00'."""
    try:
        sign = -1 if str(text).strip()[0] == "-" else 1
        h, m = str(text).strip().lstrip("+-").split(":")
        return timezone(sign * timedelta(hours=int(h), minutes=int(m)))
    except (ValueError, IndexError):
        return None


def _exif_time(text) -> datetime | None:
    try:
        return datetime.strptime(str(text).strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _gps_time(gps: dict) -> datetime | None:
    try:
        day = datetime.strptime(str(gps[29]).strip(), "%Y:%m:%d")
        h, m, s = (float(x) for x in gps[7])
    except (KeyError, TypeError, ValueError):
        return None
    return (day + timedelta(hours=h, minutes=m, seconds=s)).replace(tzinfo=timezone.utc, microsecond=0)


def _text(v) -> str | None:
    if v is None:
        return None
    s = str(v).strip().rstrip("\x00").strip()
    return s or None


def open_image(data: bytes, max_pixels: int | None = None) -> Image.Image:
    """The decoded picture, or NotAnImage saying why: not JPEG or HEIC/HEIF (no other decoder is tried), more pixels
    than `max_pixels` (the setting photo_max_pixels) as its header says, or unreadable."""
    cap = max_pixels or settings.photo_max_pixels
    try:
        img = Image.open(io.BytesIO(data), formats=_DECODERS)
    except Image.DecompressionBombError as err:  # Pillow's guard: its message says the header's pixel count
        n = re.search(r"\((\d+) pixels\)", str(err))
        raise NotAnImage(f"{int(n[1]) if n else 0:,} pixels, more than {cap:,}; send the photo at the phone's "
                         "normal size") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise NotAnImage(f"not a JPEG or HEIC image ({err.__class__.__name__}); send JPEG or HEIC") from None
    w, h = img.size
    if w * h > cap:
        raise NotAnImage(f"{w * h:,} pixels ({w}×{h}), more than {cap:,}; send the photo at the phone's normal size")
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        raise NotAnImage(f"not a readable JPEG or HEIC image ({err.__class__.__name__})") from None
    return img


def read_meta(data: bytes) -> dict:
    """EXIF position, altitude, time (UTC and local), accuracy, camera, sha256 and perceptual hash of one photo.

    Time: the GPS clock (UTC) when the camera wrote one; else DateTimeOriginal with OffsetTimeOriginal.
    time_local is DateTimeOriginal as the camera wrote it, with its offset when known. Missing EXIF gives nulls."""
    img = open_image(data)
    exif = img.getexif()
    gps = dict(exif.get_ifd(_GPS_IFD)) if exif else {}
    sub = dict(exif.get_ifd(_EXIF_IFD)) if exif else {}
    lat = _deg(gps.get(2), gps.get(1)) if 2 in gps else None
    lon = _deg(gps.get(4), gps.get(3)) if 4 in gps else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    altitude = None
    if 6 in gps:
        try:
            altitude = float(gps[6]) * (-1 if gps.get(5) in (1, b"\x01") else 1)
        except (TypeError, ValueError):
            altitude = None
    accuracy = None
    if 31 in gps:  # GPSHPositioningError
        try:
            accuracy = float(gps[31])
        except (TypeError, ValueError):
            accuracy = None
    local = _exif_time(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME))
    tz = _offset(sub.get(_OFFSET_ORIGINAL) or sub.get(_OFFSET)) if local else None
    time_utc = _gps_time(gps)
    if time_utc is None and local is not None and tz is not None:
        time_utc = local.replace(tzinfo=tz).astimezone(timezone.utc)
    if local is None:
        time_local = None
    elif tz is not None:
        time_local = local.replace(tzinfo=tz).isoformat()
    else:
        time_local = local.isoformat()  # naive: the device's zone is not in the file
    ph = imagehash.phash(img.convert("RGB") if img.mode not in ("RGB", "L") else img)
    return {
        "lat": None if lat is None else round(lat, 7),
        "lon": None if lon is None else round(lon, 7),
        "altitude_m": altitude,
        "time_utc": time_utc.isoformat().replace("+00:00", "Z") if time_utc else None,
        "time_local": time_local,
        "time_local_naive": local.isoformat() if local is not None and tz is None else None,
        "accuracy_m": accuracy,
        "make": _text(exif.get(_MAKE)) if exif else None,
        "model": _text(exif.get(_MODEL)) if exif else None,
        "format": _FORMATS[img.format],
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "phash": str(ph),
    }


def phash_int(hexhash: str) -> int:
    """A 64-bit perceptual hash as a signed bigint, for XOR and bit_count in SQL."""
    v = int(hexhash, 16)
    return v - (1 << 64) if v >= 1 << 63 else v


def photo_path(sha256: str, root: Path | None = None) -> Path:
    """Where a photo with this content lives: root/ab/cdef… (never a name the client chose)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("sha256 must be 64 lowercase hex digits")
    return Path(root or settings.photo_dir) / sha256[:2] / sha256[2:]


def store(data: bytes, root: Path | None = None) -> tuple[Path, bool]:
    """Write the bytes at their content address (atomically); return the path and whether it is new."""
    path = photo_path(hashlib.sha256(data).hexdigest(), root)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, data)
    return path, True


def load(sha256: str, root: Path | None = None) -> bytes | None:
    """A stored photo's bytes, or None when the store does not hold it."""
    path = photo_path(sha256, root)
    return path.read_bytes() if path.exists() else None


def display_jpeg(data: bytes, max_side: int = 1280) -> bytes:
    """A JPEG a browser can show (HEIC is not shown by most), scaled down for the page."""
    img = open_image(data).convert("RGB")
    img.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()

