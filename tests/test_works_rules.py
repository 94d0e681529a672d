"""Running the water works in a real PostGIS: each rule at its edge (999 and 1,000 people; 94.9 % and 95 % of the
fees; two township trainings where three are due), a village without a water manager, a failed sample followed or
not by a passing one, a complaint unanswered and one without a return visit; each failure one item of the ledger,
closed when the record no longer shows it; the rules follow the rule set."""
from datetime import date

import checks_scenario as sc
from board import rectification

Y = date.today().year
V1, V2, V3 = "530427205001", "530427205002", "530427205003"
SOURCES = [
    {"id": "W999", "status": "working", "kind": "centralised", "people_served": 999, "disinfection": False, "village_code": V1,
     "water_manager": "李水管", "dx": 0, "dy": 0},
    {"id": "W1000", "status": "working", "kind": "centralised", "people_served": 1000, "disinfection": False,
     "village_code": V1, "dx": 500, "dy": 0},
    {"id": "WOK", "status": "working", "kind": "centralised", "people_served": 5000, "disinfection": True,
     "village_code": V3, "dx": 900, "dy": 0},
    {"id": "W2", "status": "working", "kind": "small_scheme", "people_served": 80, "disinfection": False,
     "village_code": V2, "dx": 0, "dy": 900},
]


def load(conn):
    sc.load(conn, sources=SOURCES)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO works_managers (village_code, source_id, name) VALUES (%s, 'W999', '李水管'), "
                    "(%s, 'WOK', '王水管') RETURNING id", (V1, V3))
        m1, m3 = (r[0] for r in cur.fetchall())
        trainings = [(m1, "county")] * 2 + [(m1, "township")] * 3 + [(m3, "county")] * 2 + [(m3, "township")] * 2
        cur.executemany("INSERT INTO works_trainings (manager_id, held_on, level) VALUES (%s, %s, %s)",
                        [(m, date(Y, 1 + k, 5), lv) for k, (m, lv) in enumerate(trainings)])
        cur.execute("INSERT INTO works_fees VALUES ('W999', %s, 1000, 949), ('W1000', %s, 1000, 950), "
                    "('WOK', %s, 1000, 1000), ('W999', %s, 1000, 10)", (Y, Y, Y, Y - 1))
        cur.execute("INSERT INTO works_samples (source_id, sampled_on, lab, passed) VALUES "
                    "('W999', %s, '县疾控中心', false), ('W999', %s, '县疾控中心', true), "
                    "('W1000', %s, '县疾控中心', false)", (date(Y, 1, 3), date(Y, 1, 20), date(Y, 1, 3)))
        cur.execute("INSERT INTO works_complaints (source_id, received_on, summary, answered_on, return_visit_on) "
                    "VALUES ('W999', %s, '水压低', %s, NULL), ('W1000', %s, '停水', NULL, NULL), "
                    "('WOK', %s, '浑浊', %s, %s) RETURNING id",
                    (date(Y, 1, 2), date(Y, 1, 3), date(Y, 1, 2), date(Y, 1, 2), date(Y, 1, 3), date(Y, 1, 9)))
        ids = [r[0] for r in cur.fetchall()]
    conn.commit()
    return m3, ids


def works_items(conn, **kw):
    df = rectification.items(conn, kind="works", **kw)
    return dict(zip(df.subject_id, df.problem))


def test_each_works_rule_at_its_edge_is_one_ledger_item(conn):
    m3, (c1, c2, _c3) = load(conn)
    opened, _closed = rectification.refresh(conn)
    got = works_items(conn)
    assert got == {
        "W1000:works_disinfection": "works_disinfection",      # 1,000 people, no disinfection; 999 is not due
        "W999:works_fees": "works_fees",                        # 94.9 %; 95.0 % passes; last year is not judged
        "W1000:works_sample_failed": "works_sample_failed",     # W999's failure was followed by a pass
        f"C{c1}:complaint_no_return_visit": "complaint_no_return_visit",
        f"C{c2}:complaint_unanswered": "complaint_unanswered",
        f"{V2}:works_no_manager": "works_no_manager",           # a village with a works and no manager
        f"M{m3}:works_training": "works_training",              # 2 township trainings where 3 are due
    }
    assert opened == len(got)
    items = rectification.items(conn, kind="works").set_index("subject_id")
    assert items.loc["W999:works_fees", "detail"] == "94.9%" and items.loc["W999:works_fees", "owner"] == "李水管"
    assert set(items.source) == {"record"}
    # a mark on the water layer for each works with open problems (village-level ones have no works to mark)
    import folium

    from layers import mapview
    from layers.base import Filters
    m, info = mapview.build_map(conn, Filters(), ("water",), "zh", "plain")
    assert info.features["供水工程运行问题"] == 2
    marks = {ft["properties"]["id"]: ft["properties"]["problems_l"] for ch in m._children.values()
             if isinstance(ch, folium.FeatureGroup) and ch.layer_name == "供水工程运行问题"
             for lay in ch._children.values() if isinstance(lay, folium.GeoJson) for ft in lay.data["features"]}
    assert marks == {"W999": "投诉未回访；水费收缴率不足",
                     "W1000": "投诉未答复；千人以上供水工程未配消毒设备；水质检测不合格"}
    # fixed in the records: the items close (销号) on the next refresh
    with conn.cursor() as cur:
        cur.execute("UPDATE works_complaints SET return_visit_on = answered_on + 3 WHERE id = %s", (c1,))
        cur.execute("UPDATE water_sources SET disinfection = true WHERE id = 'W1000'")
        cur.execute("UPDATE works_fees SET collected_yuan = 950 WHERE source_id = 'W999' AND year = %s", (Y,))
    conn.commit()
    assert rectification.refresh(conn) == (0, 3)
    closed = rectification.items(conn, kind="works", show_closed=True)
    assert set(closed[closed.closed_on.notna()].closed_by) == {"works record"}


def test_works_rules_follow_the_rule_set(conn):
    load(conn)
    with conn.cursor() as cur:
        cur.execute("""UPDATE rule_sets SET settings = settings || '{"works_disinfection_people": 999,
                       "works_fee_rate": 0.949, "works_training_township": 2}' WHERE is_default""")
    conn.commit()
    rectification.refresh(conn)
    got = works_items(conn)
    assert "W999:works_disinfection" in got and "W999:works_fees" not in got
    assert not any(k.endswith("works_training") for k in got)
