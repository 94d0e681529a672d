"""Input bounded: photos decoded only as JPEG or HEIC/HEIF and only within the pixel cap read from the header (an image
bomb is refused before decoding, a PNG not decoded at all), OpenRosa instances parsed with DTDs forbidden, and the
import opening only its formats' drivers (no VRT, no /vsi… path, no pipe); each refusal stores nothing."""
from __future__ import annotations

import json
import os
import struct
import zlib

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import inspections_world as w
from conftest import account_for, session_token
from geo import dataset
from geo.cli import main
from inspections import api, openrosa, photos
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)

from test_import import checksum
from test_import import dataset as dataset_folder

BOMB_SIDE = 50_000


def jpeg_bomb(width: int = BOMB_SIDE, height: int = BOMB_SIDE) -> bytes:
    """A real small JPEG whose frame header (SOF0) claims width × height pixels (50,000 × 50,000)."""
    data = bytearray(w.jpeg(seed=5, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def png(side: int | None = None) -> bytes:
    """A real PNG, optionally with its header (IHDR, CRC recomputed) claiming side × side pixels."""
    data = bytearray(w.jpeg(seed=6, fmt="PNG"))
    if side:
        data[16:24] = struct.pack(">II", side, side)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def test_the_photo_reader_refuses_by_header_and_format():
    with pytest.raises(photos.NotAnImage, match=f"{BOMB_SIDE ** 2:,} pixels"):
        photos.read_meta(jpeg_bomb())
    with pytest.raises(photos.NotAnImage, match="72,000,000 pixels \\(9000×8000\\), more than 64,000,000"):
        photos.read_meta(jpeg_bomb(9000, 8000))   # over the cap, under Pillow's own refusal: ours speaks
    for data in (png(), png(BOMB_SIDE)):
        with pytest.raises(photos.NotAnImage, match="not a JPEG or HEIC image"):
            photos.read_meta(data)
    assert photos.read_meta(w.jpeg(seed=7))["format"] == "jpeg"   # a real photo still reads


@pytest.fixture
def client(world):
    token = session_token(account_for(*w.ACCOUNTS["insp"], login="insp"), "api")
    return TestClient(Starlette(routes=api.routes())), token


@pytest.mark.parametrize("name,data", [("bomb.jpg", jpeg_bomb()), ("bomb.png", png(BOMB_SIDE)),
                                       ("drawing.png", png())])
def test_an_image_bomb_or_a_png_posted_as_a_photo_is_refused_and_nothing_stored(client, conn, photo_dir, name, data):
    http, token = client
    sub = w.submission("H1", w.H1)
    good = w.jpeg(seed=3, lat=w.H1[1], lon=w.H1[0], when="2026:11:23 10:05:00", tz="+08:00")
    r = http.post("/api/v1/inspections", headers={"Authorization": f"Bearer {token}"},
                  data={"submission": json.dumps(sub)},
                  files=[("photos", ("ok.jpg", good, "image/jpeg")), ("photos", (name, data, "image/jpeg"))])
    assert r.status_code == 422, r.text
    problem = {p["field"]: p["message"] for p in r.json()["problems"]}
    assert list(problem) == [f"photos[1] ({name})"]
    assert (f"{BOMB_SIDE ** 2:,} pixels" if name == "bomb.jpg" else "not a JPEG or HEIC") in problem[f"photos[1] ({name})"]
    assert set(w.counts(conn).values()) == {0}
    assert not photo_dir.exists() or [p for p in photo_dir.rglob("*") if p.is_file()] == []


LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<data id="household_visit"><target_id>H1</target_id><notes>&c;</notes></data>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<data id="household_visit"><target_id>H1</target_id><notes>&secret;</notes></data>"""


@pytest.mark.parametrize("xml", [LAUGHS, XXE], ids=["billion laughs", "external entity"])
def test_an_openrosa_instance_with_a_dtd_is_refused(xml):
    with pytest.raises(openrosa.BadInstance, match="DTD"):
        openrosa.to_submission(xml)


VRT = (b'<VRTDataset rasterXSize="10" rasterYSize="10"><VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
       b'<SourceFilename relativeToVRT="0">/vsicurl/http://evil.example/x.tif</SourceFilename></SimpleSource>'
       b'</VRTRasterBand></VRTDataset>')
OGR_VRT = (b'<OGRVRTDataSource><OGRVRTLayer name="households"><SrcDataSource>/etc/passwd</SrcDataSource>'
           b'</OGRVRTLayer></OGRVRTDataSource>')


@pytest.fixture(scope="module")
def loaded(module_db_url, tmp_path_factory):
    assert main(["import", str(dataset_folder(tmp_path_factory.mktemp("ds")))]) == 0
    return module_db_url


@pytest.mark.parametrize("files,line", [
    ({"dem__tif": VRT}, "dem.tif: file: unreadable (not a GeoTIFF file"),
    ({"households__geojson": OGR_VRT}, "households.geojson: file: unreadable (not a GeoJSON file"),
    ({"roads__gpkg": b"id,surface,wkt\nR9,cement,POINT (1 2)\n"}, "roads.gpkg: file: unreadable (not a GeoPackage"),
    ({"roads__shp": OGR_VRT}, "roads.shp: file: unreadable (not a Shapefile file"),
], ids=["raster VRT as dem.tif", "vector VRT as GeoJSON", "CSV as GeoPackage", "VRT as Shapefile"])
def test_the_import_opens_only_its_formats_drivers(loaded, tmp_path, capsys, files, line):
    before = checksum(loaded)
    folder = dataset_folder(tmp_path, dem=False, base=False, **files)
    assert main(["import", str(folder)]) == 2
    assert line in capsys.readouterr().err
    assert checksum(loaded) == before


def test_the_import_reads_no_virtual_path_and_no_pipe(loaded, tmp_path, capsys):
    for path in ("/vsicurl/http://evil.example/ds", "https://evil.example/ds"):
        with pytest.raises(dataset.DatasetError, match="not a folder"):
            dataset.scan(path)
    folder = tmp_path / "ds"
    folder.mkdir()
    os.mkfifo(folder / "households.csv")   # a read would block for ever
    before = checksum(loaded)
    assert main(["import", str(folder)]) == 2
    assert "households.csv: file: not a regular file" in capsys.readouterr().err
    assert checksum(loaded) == before


def test_the_pages_take_no_larger_upload_than_the_api():
    """The server sets Streamlit's upload limit (whole MiB) from the API's, DIXIAN_UPLOAD_MAX_BYTES (20 MB)."""
    import server  # noqa: F401  (configures Streamlit as it loads)
    from streamlit import config

    from geo.settings import settings
    assert config.get_option("server.maxUploadSize") * 2**20 == settings.upload_max_bytes
    assert config.get_option("server.maxUploadSize") < 200   # Streamlit's own default is far above the API's
