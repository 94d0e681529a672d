"""Road criteria as stored rule sets in a real PostGIS: Xinping's (≥ 30 households and (poverty incidence ≥ 35 % or
≥ 30 % 直过民族 households)), Hanzhong's (firm for 深度贫困村) and Mingshan's (every village) on villages that pass one
and fail another; which clause made each village due; bad criteria named."""
import pytest

from geo import db
from geo.checks import explain, roads
from geo.checks.rules import RuleError, coerce, load_rules, result_label

import checks_scenario as sc

DEEP, PLAIN = "530427205001", "530427205002"
VILLAGES = [
    # households, poor, 直过民族 households, administrative village (DEEP is a deeply poor one)
    {"id": "P", "households": 40, "poor_households": 14, "ethnic_households": 0, "village_code": DEEP},  # 35 % poor
    {"id": "E", "households": 40, "poor_households": 4, "ethnic_households": 12, "village_code": PLAIN},  # 30 % ethnic
    {"id": "N", "households": 40, "poor_households": 13, "ethnic_households": 11, "village_code": DEEP},  # 32.5/27.5 %
    {"id": "S", "households": 29, "poor_households": 20, "ethnic_households": 29, "village_code": DEEP},  # small
    {"id": "U", "households": 40, "village_code": None},                                     # shares unknown
]
ROADS = [{"id": "R1", "surface": "cement", "xy": [(0, 0), (9000, 0)]}]


@pytest.fixture
def county(conn):
    sc.load(conn, villages=[{**v, "population": 100, "dx": 1000 * (i + 1), "dy": 5000}
                            for i, v in enumerate(VILLAGES)], roads=ROADS)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO admin_units (code, level, name, extra) VALUES (%s, 'village', '深村', "
                    "'{\"deeply_poor\": true}'), (%s, 'village', '平村', '{\"deeply_poor\": false}')", (DEEP, PLAIN))
    conn.commit()
    return conn


def due(conn, name):
    run = roads.check_roads(conn, load_rules(conn, name))
    conn.commit()
    r = run.rows.set_index("natural_village_id")
    return r.required.to_dict(), {k: v for k, v in r.required_by.to_dict().items() if isinstance(v, str)}


def test_three_counties_rule_sets_on_the_same_villages(county):
    req, why = due(county, "xinping-2018")
    assert req == {"P": True, "E": True, "N": False, "S": False, "U": False}
    assert why == {"P": "households≥30 & poverty_incidence≥0.35", "E": "households≥30 & ethnic_share≥0.3"}
    req, why = due(county, "hanzhong-2018")
    assert req == {"P": True, "E": False, "N": True, "S": False, "U": False}
    assert why == {"P": "households≥30 & deeply_poor", "N": "households≥30 & deeply_poor"}
    req, why = due(county, "mingshan-2020")
    assert req == dict.fromkeys("PENSU", True) and set(why.values()) == {"every"}
    req, why = due(county, "longxian-2021")   # the default: households only
    assert req == {"P": True, "E": True, "N": True, "S": False, "U": True} and why["U"] == "households≥30"
    # stored per rule set, each with its reason; the gap follows required (every village is 5 km from the road)
    got = db.query_rows(county, "SELECT rule_set, natural_village_id, gap, required_by FROM road_results "
                                "WHERE natural_village_id = 'E' ORDER BY rule_set")
    assert [tuple(r) for r in got] == [("hanzhong-2018", "E", False, None),
                                       ("longxian-2021", "E", True, "households≥30"),
                                       ("mingshan-2020", "E", True, "every"),
                                       ("xinping-2018", "E", True, "households≥30 & ethnic_share≥0.3")]
    d = explain.explain_road(county, "P", "xinping-2018")
    req_clause = next(c for c in d["clauses"] if c["clause"] == "required")
    assert req_clause["because"] == "households≥30 & poverty_incidence≥0.35"
    assert req_clause["threshold"] == "households≥30 & (poverty_incidence≥0.35 | ethnic_share≥0.3)"
    assert "因 due by households≥30 & poverty_incidence≥0.35" in explain.road_text(d)


def test_criteria_typed_with_set_and_refused_when_wrong(county):
    rules = load_rules(county, "longxian-2021",
                       {"road_criteria": '{"any": [{"measure": "ethnic_households", "min": 12}, '
                                         '{"measure": "poverty_incidence", "min": 0.5}]}'})
    assert result_label(rules).startswith("longxian-2021?road_criteria={\"any\":")
    run = roads.compute(county, rules)
    assert run.rows.set_index("natural_village_id").required_by.dropna().to_dict() == {
        "E": "ethnic_households≥12", "S": "ethnic_households≥12"}
    for bad, says in [('{"any": []}', "non-empty list"), ('{"measure": "wealth", "min": 1}', "unknown measure"),
                      ('{"measure": "poverty_incidence", "min": 35}', "≤ 1"), ("roads", "JSON criteria"),
                      ('{"measure": "every", "min": 1}', "takes no 'min'"),
                      ('{"all": [{"measure": "households"}]}', "needs a 'min'")]:
        with pytest.raises(RuleError, match="road_criteria") as err:
            coerce("road_criteria", bad)
        assert says in str(err.value)
