"""Nothing partial: files and folders appear whole or not at all, and a command's failure leaves an existing target
as it was and no temporary file behind."""
from __future__ import annotations

import pytest

import checks_scenario as sc
from geo import atomic, db
from geo.cli import main


def test_a_file_appears_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out.csv"
    atomic.write_text(target, "first\n")
    assert target.read_text() == "first\n"
    for failure in (OSError("disk full"), KeyboardInterrupt()):
        with pytest.raises(type(failure)):
            with atomic.atomic_file(target) as tmp:
                assert tmp.parent == tmp_path and tmp.suffix == ".csv" and tmp != target
                tmp.write_text("half a fi")
                raise failure
        assert target.read_text() == "first\n"                      # the earlier file untouched
        assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # and no temporary left
    atomic.write_bytes(target, b"second\n")
    assert target.read_bytes() == b"second\n" and len(list(tmp_path.iterdir())) == 1


def test_a_folder_is_replaced_whole_or_kept(tmp_path):
    target = tmp_path / "plan"
    with atomic.atomic_folder(target) as tmp:
        (tmp / "a.csv").write_text("1")
        (tmp / "b.csv").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", "b.csv"]
    with pytest.raises(RuntimeError):
        with atomic.atomic_folder(target) as tmp:
            (tmp / "a.csv").write_text("new")
            raise RuntimeError("the plan failed half way")
    assert (target / "a.csv").read_text() == "1" and sorted(p.name for p in target.iterdir()) == ["a.csv", "b.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]
    with atomic.atomic_folder(target) as tmp:                      # replaced whole: b.csv is gone
        (tmp / "a.csv").write_text("3")
    assert [p.name for p in target.iterdir()] == ["a.csv"] and (target / "a.csv").read_text() == "3"
    (target / "mine.txt").write_text("keep me")
    with atomic.atomic_folder(target, merge=True) as tmp:          # merged: the folder's other files stay
        (tmp / "a.csv").write_text("4")
    assert sorted(p.name for p in target.iterdir()) == ["a.csv", "mine.txt"] and (target / "a.csv").read_text() == "4"
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        with atomic.atomic_folder(tmp_path / "file"):
            pass


def test_check_out_failing_half_way_leaves_no_partial_file(conn, tmp_path, monkeypatch, capsys):
    sc.load(conn, villages=[{"id": "nv1", "households": 1, "population": 3, "village_code": "530427205001",
                             "dx": 0, "dy": 0}],
            households=[{"id": "a", "natural_village_id": "nv1", "members": 3, "dx": 0, "dy": 0}],
            sources=[{"id": "s1", "status": "working", "dx": 300, "dy": 0}], dem=sc.dem_tif(lambda x, y: 1000 + 0 * x))
    out = tmp_path / "water.csv"
    out.write_text("last week's results\n")
    from geo import fileout
    real = fileout.pacsv.write_csv

    def half(table, path, *a, **kw):  # the CSV goes out through Arrow's writer (geo/fileout.py)
        open(path, "w").write("household_id,sou")
        raise OSError("disk full")

    monkeypatch.setattr(fileout.pacsv, "write_csv", half)
    assert main(["check", "water", "--out", str(out)]) == 1
    assert capsys.readouterr().err == "error: OSError: disk full\n"
    assert out.read_text() == "last week's results\n" and [p.name for p in tmp_path.iterdir()] == ["water.csv"]
    assert db.query_value(conn, "SELECT count(*) FROM water_results") == 0   # the check's rows rolled back too
    conn.rollback()
    monkeypatch.setattr(fileout.pacsv, "write_csv", real)
    assert main(["check", "water", "--out", str(out)]) == 0
    assert out.read_text().startswith("household_id,source_id") and len(list(tmp_path.iterdir())) == 1
