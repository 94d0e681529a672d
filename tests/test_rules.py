"""Rule sets: loaded from the rule_sets table, typed, overridden with --set, bad keys and values named."""
import pytest

from geo.checks.rules import RuleError, load_rules


def test_default_is_longxian_with_its_thresholds(conn):
    r = load_rules(conn)
    assert (r.name, r.version) == ("longxian-2021", 1)
    assert r.water_combine == "all"
    assert (r.max_round_trip_min, r.max_horizontal_m, r.max_vertical_m) == (20.0, 800.0, 80.0)
    assert r.loaded_speed_factor == 0.8 and r.dry_season is False
    assert r.road_access_m == 200.0 and r.min_households_for_road == 30
    assert isinstance(r.min_households_for_road, int)


def test_national_combines_piped_or_time(conn):
    r = load_rules(conn, "national-2018")
    assert r.water_combine == "piped_or_time" and r.piped_counts_as_compliant is True


def test_overrides_are_typed(conn):
    r = load_rules(conn, "longxian-2021", {"dry_season": "true", "max_horizontal_m": "650",
                                           "distance_basis": "straight", "min_households_for_road": "20"})
    assert r.dry_season is True and r.max_horizontal_m == 650.0 and r.distance_basis == "straight"
    assert r.min_households_for_road == 20
    assert r.overrides == {"dry_season": True, "max_horizontal_m": 650.0, "distance_basis": "straight",
                           "min_households_for_road": 20}


@pytest.mark.parametrize("key,value,needle", [
    ("max_horizantal_m", "800", "unknown setting 'max_horizantal_m'"),
    ("dry_season", "maybe", "dry_season='maybe': expected bool"),
    ("distance_basis", "crow", "expected one of network, straight, auto"),
    ("max_vertical_m", "-5", "out of range"),
    ("loaded_speed_factor", "1.5", "out of range"),
    ("min_households_for_road", "2.5", "expected int"),
])
def test_bad_settings_are_named(conn, key, value, needle):
    with pytest.raises(RuleError, match=None) as err:
        load_rules(conn, None, {key: value})
    assert needle in str(err.value)


def test_unknown_rule_set_lists_the_known(conn):
    with pytest.raises(RuleError) as err:
        load_rules(conn, "nowhere-1999")
    assert "longxian-2021" in str(err.value) and "national-2018" in str(err.value)


def test_search_radius_bounds_every_clause(conn):
    # longxian: all clauses, so nothing beyond 800 m can pass; national: time only, 20 min at Tobler's best speed
    # out (100 m/min) and 80 m/min back bounds the reach at 20 / (1/100 + 1/80) = 888.9 m.
    assert load_rules(conn).search_radius_m() == 800.0
    assert load_rules(conn, "national-2018").search_radius_m() == pytest.approx(888.888, abs=1e-2)
