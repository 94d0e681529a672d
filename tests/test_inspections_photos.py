"""Photo evidence: EXIF from a real phone JPEG and a HEIC made here, files without EXIF, non-images, storage."""
import hashlib
import json
import subprocess
import sys

import pytest

import inspections_world as w
from conftest import DATA, ROOT
from inspections import photos

NOKIA = DATA / "exif-photos" / "HMD_Nokia_8.3_5G.jpg"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "inspections", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_real_phone_photo_cli_prints_exact_exif():
    r = run_cli("photo", str(NOKIA))
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert meta["lat"] == pytest.approx(60.14671, abs=5e-6)
    assert meta["lon"] == pytest.approx(24.90677, abs=5e-6)
    assert meta["time_utc"] == "2022-08-14T11:12:32Z"          # the GPS clock
    assert meta["time_local"] == "2022-08-14T14:12:31+03:00"   # DateTimeOriginal with OffsetTimeOriginal
    assert meta["altitude_m"] is None and meta["accuracy_m"] is None
    assert (meta["make"], meta["model"]) == ("HMD Global", "Nokia 8.3 5G")
    assert meta["sha256"] == hashlib.sha256(NOKIA.read_bytes()).hexdigest()
    assert len(meta["phash"]) == 16 and int(meta["phash"], 16) != 0


def test_heic_with_exif(tmp_path):
    path = tmp_path / "visit.heic"
    path.write_bytes(w.jpeg(seed=3, lat=24.05, lon=101.95, when="2026:11:23 10:05:00", tz="+08:00", fmt="HEIF"))
    r = run_cli("photo", str(path))
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert meta["format"] == "heif"
    assert meta["lat"] == pytest.approx(24.05, abs=1e-6) and meta["lon"] == pytest.approx(101.95, abs=1e-6)
    assert meta["time_utc"] == "2026-11-23T02:05:00Z"
    assert meta["time_local"] == "2026-11-23T10:05:00+08:00"
    assert meta["make"] == "TestMake"


def test_jpeg_without_exif_gives_nulls(tmp_path):
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 200, 30)).save(buf, "JPEG")
    path = tmp_path / "plain.jpg"
    path.write_bytes(buf.getvalue())
    meta = json.loads(run_cli("photo", str(path)).stdout)
    for key in ("lat", "lon", "altitude_m", "time_utc", "time_local", "accuracy_m", "make", "model"):
        assert meta[key] is None, key
    assert meta["sha256"] == hashlib.sha256(buf.getvalue()).hexdigest()


def test_not_an_image_exits_2(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a photo")
    r = run_cli("photo", str(path))
    assert r.returncode == 2
    assert "not a JPEG or HEIC image" in r.stderr and r.stdout == ""
    assert run_cli("photo", str(tmp_path / "missing.jpg")).returncode == 2


def test_storage_is_content_addressed(tmp_path):
    data = w.jpeg(seed=1)
    path, new = photos.store(data, tmp_path)
    sha = hashlib.sha256(data).hexdigest()
    assert path == tmp_path / sha[:2] / sha[2:] and path.read_bytes() == data and new
    assert photos.store(data, tmp_path) == (path, False)
    with pytest.raises(ValueError):
        photos.photo_path("../../etc/passwd", tmp_path)


def test_phash_survives_reencoding_but_not_another_picture():
    import io
    from PIL import Image
    img = Image.open(NOKIA)
    img.draft("RGB", (1152, 494))
    small = io.BytesIO()
    img.convert("RGB").resize((1152, 494)).save(small, "JPEG", quality=70)
    a = int(photos.read_meta(NOKIA.read_bytes())["phash"], 16)
    b = int(photos.read_meta(small.getvalue())["phash"], 16)
    c = int(photos.read_meta(w.jpeg(seed=5))["phash"], 16)
    assert bin(a ^ b).count("1") <= 4 < bin(a ^ c).count("1")
