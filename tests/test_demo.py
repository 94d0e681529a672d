"""The demo county: determinism, real division codes, geography, the planted problems, loading and writing."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from rasterio.io import MemoryFile
from scipy.spatial import cKDTree

from conftest import ROOT
from data import demo
from geo import db, store
from geo.cli import main as cli
from geo.store import LAYERS
from geo.terrain import Dem

REAL = pd.read_csv(ROOT / "data" / "xinping" / "villages.csv", dtype=str)
TO_M = Transformer.from_crs(4490, 4522, always_xy=True)


@pytest.fixture(scope="module")
def town():
    return demo.generate(7, "town")


@pytest.fixture(scope="module")
def other():
    return demo.generate(8, "town")


@pytest.fixture(scope="module")
def default():
    return demo.generate(1, "default")


def _xy(frame):
    x, y = TO_M.transform(frame.geometry.x.values, frame.geometry.y.values)
    return np.column_stack([x, y])


def test_same_seed_same_bytes_other_seed_other_data(town, other):
    again = demo.generate(7, "town")
    assert set(again.layers) == set(town.layers) == set(LAYERS)   # every layer of the import
    for name in town.layers:
        assert demo.layer_digest(again.layers[name]) == demo.layer_digest(town.layers[name]), name
    assert hashlib.sha256(again.dem_tif).digest() == hashlib.sha256(town.dem_tif).digest()
    for name in ("households", "natural_villages", "roads", "water_sources"):
        assert demo.layer_digest(other.layers[name]) != demo.layer_digest(town.layers[name]), name
    assert other.dem_tif != town.dem_tif


def test_real_codes_and_hierarchy(town):
    towns, villages = demo.load_divisions()
    assert len(towns) == 12 and len(villages) == 124 and len(REAL) == 124
    assert "桂山街道" in set(towns.name) and "530427205" in set(towns.code)
    nv = town.layers["natural_villages"]
    assert set(nv.village_code) == set(REAL.code)           # every village committee has natural villages
    assert nv.id.is_unique and nv.id.str.startswith(tuple(REAL.code)).all()
    au = town.layers["admin_units"]
    assert au.level.value_counts().to_dict() == {"county": 1, "township": 12, "village": 124}
    assert (au.code.str.len() == 12).all() and au.code.str.isdigit().all()
    assert set(au[au.level == "village"].parent_code) <= set(au[au.level == "township"].code)
    assert au.loc[au.code == "530427101200", "name"].item() == "和平村委会"
    assert au.geometry.is_valid.all()
    # Villages tile the county: their areas add up to the county's, townships are their unions.
    m = au.to_crs(4522)
    county = m[m.level == "county"].area.item()
    assert m[m.level == "village"].area.sum() == pytest.approx(county, rel=1e-3)
    assert m[m.level == "township"].area.sum() == pytest.approx(county, rel=1e-3)
    assert 3_800e6 < county < 5_000e6                        # Xinping is 4,223 km²
    lon0, lat0, lon1, lat1 = au.total_bounds
    assert 101.3 < lon0 and lon1 < 102.4 and 23.5 < lat0 and lat1 < 24.5


def test_dem_is_a_projected_int16_geotiff_with_voids_and_xinping_relief(town):
    with MemoryFile(town.dem_tif) as mem, mem.open() as src:
        assert src.crs.to_epsg() == 4522 and src.dtypes[0] == "int16"
        assert src.res == (100.0, 100.0) and src.nodata == demo.NODATA
        band = src.read(1)
    voids = band == demo.NODATA
    assert 0 < voids.sum() < 200                              # a few small holes
    elev = band[~voids]
    assert 370 <= elev.min() <= 450 and 2_800 <= elev.max() <= 3_200


def test_households_inside_the_county_and_on_the_dem(town):
    dem = Dem.from_bytes(town.dem_tif)
    county = town.layers["admin_units"].query("level == 'county'").geometry.item()
    for layer in ("households", "natural_villages", "water_sources", "seats", "relocation_sites"):
        f = town.layers[layer]
        assert shapely.contains_xy(county, f.geometry.x.values, f.geometry.y.values).all(), layer
        assert np.isfinite(dem.sample(f.geometry.x.values, f.geometry.y.values)).all(), layer
    hh = town.layers["households"]
    assert len(hh) == pytest.approx(2_000, rel=0.01)
    nvs = town.layers["natural_villages"].set_index("id")
    per = hh.groupby("natural_village_id").agg(n=("id", "size"), people=("members", "sum"))
    assert set(per.index) == set(nvs.index)                  # no empty hamlet, no stray household
    assert (nvs.households.loc[per.index] == per.n).all() and (nvs.population.loc[per.index] == per.people).all()
    # Clustered: every household within 1 km of its natural village.
    nv = town.layers["natural_villages"].set_index("id")
    d = np.hypot(*(_xy(hh) - _xy(nv.loc[hh.natural_village_id])).T)
    assert d.max() < 1_000


def test_seats_lie_in_valleys(town):
    dem = Dem.from_bytes(town.dem_tif)
    seats = town.layers["seats"]
    seats = seats[seats.level != "village"]
    xy = _xy(seats)
    a = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = dem.sample_xy(xy[:, :1] + 2_000 * np.cos(a), xy[:, 1:] + 2_000 * np.sin(a))
    here = dem.sample_xy(xy[:, 0], xy[:, 1])
    assert (here < np.nanmedian(ring, axis=1)).all()
    assert seats.query("level == 'county'").name.item().startswith("新平县")


def test_counts_and_shares_at_default_scale(default):
    L = default.layers
    hh = L["households"]
    assert 19_000 <= len(hh) <= 21_000
    assert 300 <= len(L["natural_villages"]) <= 600
    share = hh.category.value_counts(normalize=True)
    assert 0.66 <= share["general"] <= 0.74
    assert 0.21 <= share["exited"] <= 0.29
    monitored = hh.category.isin(["unstable", "marginal", "sudden_hardship"])
    assert 0.03 <= monitored.mean() <= 0.05
    assert set(hh.category[monitored]) == {"unstable", "marginal", "sudden_hardship"}
    assert hh.members.between(1, 7).all() and 3.0 < hh.members.mean() < 4.0
    mon = hh[monitored]
    risks = pd.Series([r for rs in mon.risk_types for r in rs]).value_counts()
    assert risks.index[0] == "illness" and len(risks) >= 8
    assert mon.risk_types.map(len).between(1, 2).all() and (hh[~monitored].risk_types.map(len) == 0).all()
    assert mon.monitor_state.notna().all() and hh[~monitored].monitor_state.isna().all()
    assert mon.identified_on.notna().all() and mon.support_contact.notna().all()
    elim = mon[mon.monitor_state == "risk_eliminated"]
    gap = (pd.to_datetime(elim.risk_eliminated_on) - pd.to_datetime(elim.identified_on)).dt.days
    assert (gap >= 90).mean() > 0.9 and (gap < 90).any()     # a few eliminated too early, for the check
    open_ = mon[mon.monitor_state != "risk_eliminated"]
    overdue = (pd.Timestamp(str(demo.AS_OF)) - pd.to_datetime(open_.last_visit_on)).dt.days > 30
    assert 0.03 < overdue.mean() < 0.25
    assert 0.01 < hh.elderly_alone.mean() < 0.15 and (hh.disabled_members > 0).any()


def _check_digit(body: str) -> str:
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11]


def test_personal_fields_are_well_formed(town):
    hh = town.layers["households"]
    ids = hh.id_number
    assert ids.str.fullmatch(r"530427(19[4-9]\d)(0[1-9]|1[0-2])\d{2}\d{3}[\dX]").all()
    assert all(i[17] == _check_digit(i[:17]) for i in ids)
    assert _check_digit("11010519491231002") == "X"          # the standard's own example
    phones = hh.phone.dropna()
    assert phones.str.fullmatch(r"1[35789]\d{9}").all() and hh.phone.isna().any()
    assert hh.head_name.str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert town.layers["natural_villages"].name.str.fullmatch(r"[\u4e00-\u9fff（）0-9]+").all()


def test_roads_are_noded_connected_and_have_planted_gaps(default):
    roads = default.layers["roads"]
    assert set(roads.surface) == {"asphalt", "cement", "gravel", "earth", "path"}
    assert set(roads["class"]) == {"county", "township", "village", "group", "path"}
    g = np.asarray(roads.geometry.array)
    assert (shapely.length(g) > 0).all() and shapely.is_simple(g).all()
    tree = shapely.STRtree(g)
    assert tree.query(g, predicate="crosses").size == 0       # no crossing without a shared node
    a = [tuple(p) for p in shapely.get_coordinates(shapely.get_point(g, 0))]
    b = [tuple(p) for p in shapely.get_coordinates(shapely.get_point(g, -1))]
    G = nx.Graph()
    G.add_edges_from((u, v, {"i": i}) for i, (u, v) in enumerate(zip(a, b)))
    assert nx.is_connected(G)
    seat = default.layers["seats"].query("level == 'county'").geometry.item()
    root = min(G.nodes, key=lambda p: (p[0] - seat.x) ** 2 + (p[1] - seat.y) ** 2)
    hard = roads.surface.isin(["asphalt", "cement"]).values
    Hg = nx.Graph([(a[i], b[i]) for i in np.flatnonzero(hard)])
    seat_net = nx.node_connected_component(Hg, root)
    trunk = np.flatnonzero(roads["class"].isin(["county", "township"]).values)
    assert hard[trunk].all() and all(a[i] in seat_net and b[i] in seat_net for i in trunk)
    cut_off = [i for i in np.flatnonzero(hard) if a[i] not in seat_net]
    assert cut_off                                            # a hardened stretch the seat cannot reach on hard roads
    # Planted gaps: hamlets of 30+ households with no hardened road within 200 m; each reached by gravel or earth.
    nv = default.layers["natural_villages"].set_index("id")
    gaps = default.info["road_gaps"]
    assert len(gaps) >= 2 and (nv.loc[gaps, "households"] >= 30).all()
    hard_m = shapely.transform(g[hard], lambda xy: np.column_stack(TO_M.transform(xy[:, 0], xy[:, 1])))
    _, d = shapely.STRtree(hard_m).query_nearest(shapely.points(_xy(nv.loc[gaps])), return_distance=True)
    assert (d > 200).all()
    cut = default.info["road_cutoff"]
    _, d = shapely.STRtree(hard_m).query_nearest(shapely.points(_xy(nv.loc[cut])), return_distance=True)
    assert (d < 200).all()
    # Most big hamlets are on a hardened road.
    big = nv[nv.households >= 30]
    _, d = shapely.STRtree(hard_m).query_nearest(shapely.points(_xy(big)), return_distance=True)
    assert (d <= 200).mean() > 0.9


def test_water_sources_every_kind_and_status_and_planted_failures(default):
    ws = default.layers["water_sources"]
    assert set(ws.kind) == {"centralised", "small_scheme", "well", "spring", "cistern", "emergency"}
    share = ws.status.value_counts(normalize=True)
    assert set(share.index) == {"working", "seasonal", "failed", "contaminated"} and share["working"] > 0.75
    assert ws.piped_to_home.any() and (ws.people_served > 0).mean() > 0.8
    assert ws.capacity_m3_per_day.gt(0).all() and ws.guarantee_rate.between(0, 1).all()
    zoned = ws.protection_zone.notna()
    assert set(ws.kind[zoned]) == {"centralised", "small_scheme"} and zoned.sum() == ws.kind.isin(
        ["centralised", "small_scheme"]).sum()
    assert shapely.contains(np.asarray(ws.protection_zone[zoned].tolist()), np.asarray(ws.geometry[zoned])).all()
    # Households fail the fetch rule: no working source within 800 m (far), or only ones more than 80 m up or down.
    hh = default.layers["households"]
    work = ws[ws.status == "working"]
    hxy, wxy = _xy(hh), _xy(work)
    dist, j = cKDTree(wxy).query(hxy, k=8)
    dz = np.abs(work.elevation_m.values[j] - hh.elevation_m.values[:, None])
    far = dist[:, 0] > 800
    steep = (dist[:, 0] <= 800) & ~((dist <= 800) & (dz <= 80)).any(axis=1)
    planted_far = hh.natural_village_id.isin(default.info["water_far"]).values
    planted_steep = hh.natural_village_id.isin(default.info["water_steep"]).values
    assert far[planted_far].mean() > 0.6 and steep[planted_steep].sum() > 20
    assert 0.02 < (far | steep).mean() < 0.12                 # a few in a hundred, not the whole county


def test_relocation_houses_assets(town):
    L = town.layers
    sites = L["relocation_sites"].set_index("id")
    rel = L["relocated_households"]
    assert set(rel.site_id) == set(sites.index)
    per_site = rel.site_id.value_counts()
    assert (per_site == sites.relocated_households.loc[per_site.index]).all()
    assert (sites.relocated_households <= sites.capacity_households).all()
    assert sites.facilities.map(len).gt(0).all()
    assert set(rel.origin_natural_village_id) <= set(L["natural_villages"].id)
    assert (rel.workers_employed == 0).any() and (rel.workers_employed >= 1).mean() > 0.9
    assert set(rel.household_id) <= set(L["households"].id)
    houses = L["houses"]
    g = houses.grade.value_counts(normalize=True)
    assert g["A"] + g["B"] > 0.85 and {"C", "D"} <= set(g.index)
    cd = houses[houses.grade.isin(["C", "D"]) & ~houses.idle]
    assert {"planned", "under_way", "done", "safe_occupancy"} <= set(cd.renovation_state)
    idle = houses[houses.idle]
    assert len(idle) and idle.grade.isin(["C", "D"]).all() and (~idle.occupied).mean() > 0.8
    assets = L["assets"]
    assert set(assets["type"]) == {"operating", "public_welfare", "household"}
    assert assets.value_yuan.gt(0).all() and assets.fund_source.notna().all()
    reg = pd.to_datetime(assets.registered_on)
    late = (reg - pd.to_datetime(assets.accepted_on)).dt.days > 92
    assert reg.isna().any() and late.any() and (~late & reg.notna()).mean() > 0.6
    assert set(assets.maintenance_state) == {"good", "needs_repair", "broken", "idle"}


def _counts(url):
    conn = db.connect(url)
    try:
        with conn.cursor() as cur:
            out = {}
            for t in ("natural_villages", "households", "roads", "water_sources", "assets", "relocated_households"):
                cur.execute(f"SELECT count(*) FROM {t}")
                out[t] = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM dem")
            out["dem"] = cur.fetchone()[0]
            cur.execute("SELECT count(*) FILTER (WHERE elevation_m IS NULL) FROM households")
            out["no_elevation"] = cur.fetchone()[0]
        return out
    finally:
        conn.close()


def test_cli_loads_replaces_and_keeps_if_empty(db_url, town, other, capsys, monkeypatch):
    assert cli(["demo", "--scale", "town", "--seed", "7"]) == 0
    first = _counts(db_url)
    assert first["households"] == len(town.layers["households"]) and first["dem"] == 1
    assert first["roads"] == len(town.layers["roads"]) and first["no_elevation"] == 0
    out = capsys.readouterr().out
    # the load ran both checks with the default rule set (the app opens on a ready map) and says how to make an admin
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM rule_sets WHERE is_default")
        default = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM water_results WHERE rule_set = %s", (default,))
        assert cur.fetchone()[0] >= len(town.layers["natural_villages"])
        cur.execute("SELECT count(*) FROM road_results WHERE rule_set = %s", (default,))
        assert cur.fetchone()[0] == len(town.layers["natural_villages"])
        # audited as one summary row per statement of the load, named "demo", not one row per household
        cur.execute("SELECT count(*), count(*) FILTER (WHERE user_login = 'demo') FROM audit_log "
                    "WHERE table_name = 'households'")
        n, by_demo = cur.fetchone()
        assert by_demo == n and 1 <= n <= 3
    conn.close()
    assert "demo: water check" in out and "demo: road check" in out
    assert "python -m accounts create-admin --login admin" in out
    assert cli(["demo", "--scale", "town", "--seed", "8", "--if-empty"]) == 0
    assert "nothing loaded" in capsys.readouterr().out
    assert _counts(db_url) == first
    # A load that fails half way leaves the database exactly as it was.
    from geo import cmd_demo, store
    real = store.write_layer

    def failing(cur, layer, frame, **kw):
        if layer == "assets":
            raise RuntimeError("disk full")
        return real(cur, layer, frame, **kw)

    monkeypatch.setattr(store, "write_layer", failing)
    with pytest.raises(RuntimeError):
        cmd_demo.load(other, db_url)
    assert _counts(db_url) == first
    monkeypatch.setattr(store, "write_layer", real)
    cmd_demo.load(other, db_url)
    second = _counts(db_url)
    assert second["natural_villages"] == len(other.layers["natural_villages"])
    assert second["households"] == len(other.layers["households"]) and second != first
    conn = db.connect(db_url)
    with conn.cursor() as cur:
        cur.execute("SELECT source_name FROM dem")
        assert cur.fetchone()[0] == "demo seed 8 scale town"
        cur.execute("SELECT count(*) FROM households h JOIN natural_villages n ON n.id = h.natural_village_id")
        assert cur.fetchone()[0] == second["households"]
    conn.close()


def test_out_folder_reads_back_and_imports(tmp_path, town, db_url):
    out = tmp_path / "xinping"
    demo.write_folder(town, out)
    names = sorted(p.name for p in out.iterdir())
    tables = ("relocated_households", "household_members")   # layers without geometry are CSV files
    assert names == sorted([f"{k}.gpkg" for k in town.layers if k not in tables]
                           + [f"{k}.csv" for k in tables] + ["dem.tif"])
    hh = gpd.read_file(out / "households.gpkg")
    assert len(hh) == len(town.layers["households"]) and hh.crs.to_epsg() == 4490
    mon = hh[hh.category == "unstable"]
    assert mon.risk_types.notna().all() and mon.risk_types.str.fullmatch(r"[a-z_]+(;[a-z_]+)?").all()
    ws = gpd.read_file(out / "water_sources.gpkg")
    assert ws.protection_zone.dropna().str.startswith("POLYGON").all()
    assert (out / "dem.tif").read_bytes() == town.dem_tif
    # The folder is what `python -m geo import` reads: it loads whole, with no problem reported.
    r = subprocess.run([sys.executable, "-m", "geo", "import", str(out)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    got = _counts(db_url)
    assert got["households"] == len(town.layers["households"]) and got["roads"] == len(town.layers["roads"])
    assert got["relocated_households"] == len(town.layers["relocated_households"]) and got["dem"] == 1


def test_a_demo_that_breaks_a_rule_fails_loudly_and_loads_nothing(db_url, town, capsys, monkeypatch):
    """The demo's frames go through the import's checks: a generator bug is a list of problem lines and exit 1,
    with the database as it was."""
    import copy

    from geo import cmd_demo, importer
    assert cli(["demo", "--scale", "town", "--seed", "7"]) == 0
    before = _counts(db_url)
    bad = copy.deepcopy(town)
    hh = bad.layers["households"]
    hh.loc[hh.index[3], "category"] = "rich"
    hh.loc[hh.index[5], "id"] = hh.id.iat[4]
    ws = bad.layers["water_sources"]
    ws.loc[ws.index[0], "capacity_m3_per_day"] = -5.0
    with pytest.raises(importer.ImportProblems) as err:
        cmd_demo.load(bad, db_url)
    lines = err.value.lines
    assert f"households (demo): row 4 (id {hh.id.iat[3]}): category: unknown value 'rich'" in "\n".join(lines)
    assert f"households (demo): row 6 (id {hh.id.iat[4]}): id: duplicate id {hh.id.iat[4]!r} (first on row 5)" in lines
    assert any(line.startswith("water_sources (demo): row 1 ") and "capacity_m3_per_day: must be 0 or more" in line
               for line in lines)
    assert _counts(db_url) == before
    monkeypatch.setattr(demo, "generate", lambda seed, scale: bad)
    capsys.readouterr()
    assert cli(["demo", "--scale", "town", "--seed", "7"]) == 1
    err = capsys.readouterr().err.splitlines()
    # the household whose id was overwritten leaves its members pointing at no household: problems of their own
    lost = int((bad.layers["household_members"].household_id == town.layers["households"].id.iat[5]).sum())
    assert err[-1] == f"error: the demo data broke the import's rules: {3 + lost} problems in 3 files; nothing was " \
                      f"imported (the database is unchanged)"
    assert any("category: unknown value 'rich'" in line for line in err)
    assert _counts(db_url) == before
