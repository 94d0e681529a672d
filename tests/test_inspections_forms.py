"""Forms as data: each converts to a valid ODK XForm with pyxform (like ODK's own example); answers are typed,
constrained and relevant; prefill comes from the target's record."""
import pytest
from pyxform.xls2xform import convert

import inspections_world as w
from conftest import DATA
from inspections import forms
from inspections_world import photo_dir, world  # noqa: F401  (fixtures)

KINDS = ["asset_maintenance", "house_safety", "household_visit", "protection_zone_patrol", "relocation_site",
         "road_condition", "water_works_patrol"]


def test_every_kind_of_check_has_a_form():
    assert forms.kinds() == KINDS
    assert {forms.load(k).target_kind for k in KINDS} == {"household", "house", "water_source", "relocation_site",
                                                          "asset", "road"}


@pytest.mark.parametrize("kind", KINDS)
def test_form_converts_to_xform_like_the_odk_example(kind):
    xml = forms.xform(kind)
    assert 'type="geopoint"' in xml and 'mediatype="image/*"' in xml and "constraint=" in xml
    assert 'lang="中文 (zh)" default="true()"' in xml and 'lang="English (en)"' in xml
    # the real pyxform example with a geopoint goes through the same converter
    example = convert(str(DATA / "odk-xlsform" / "gps.xls")).xform
    assert 'type="geopoint"' in example


def test_types_constraints_and_relevance():
    f = forms.load("water_works_patrol")
    ok = {"status": "working", "facility_intact": "yes", "chlorine_dosed": "yes", "residual_chlorine_mg_l": "0.5",
          "look_clear": "yes", "smell_none": "yes", "ask_no_illness": "yes", "taste_normal": "yes"}
    answers, result = forms.check(f, ok)
    assert result == "pass" and answers["residual_chlorine_mg_l"] == 0.5
    _, result = forms.check(f, {**ok, "smell_none": "no"})
    assert result == "fail"
    with pytest.raises(forms.FormError) as err:
        forms.check(f, {**ok, "residual_chlorine_mg_l": 9})
    assert err.value.problems == [("answers.residual_chlorine_mg_l", "0–4 mg/L")]
    # not relevant when no chlorine is dosed: dropped, and the check fails
    answers, result = forms.check(f, {**ok, "chlorine_dosed": "no"})
    assert "residual_chlorine_mg_l" not in answers and result == "fail"
    road = forms.load("road_condition")
    with pytest.raises(forms.FormError) as err:
        forms.check(road, {"surface": "gravel", "passable": "yes", "damage": "yes"})
    assert err.value.problems == [("answers.damaged_length_m", "required")]
    with pytest.raises(forms.FormError) as err:
        forms.check(forms.load("household_visit"), {**w.household_answers(), "members": 2.5})
    assert err.value.problems == [("answers.members", "expected a whole number")]
    _, result = forms.check(forms.load("protection_zone_patrol"), {
        "markers_intact": "no", "markers_missing": 2, "signs_in_place": "yes", "clean": "yes", "no_activity": "yes"})
    assert result == "fail"


def test_expressions_refuse_anything_but_the_xpath_subset():
    assert forms.evaluate("selected(${x}, 'b') and count-selected(${x}) = 2", {"x": ["a", "b"]}) is True
    assert forms.evaluate("string-length(.) <= 3", {}, "abcd") is False
    with pytest.raises(ValueError):
        forms.evaluate("__import__('os')", {})


def test_prefill_from_the_targets_record(conn, world):
    from inspections.records import target_record
    with conn.cursor() as cur:
        house = target_record(cur, "house", "HS1")
        site = target_record(cur, "relocation_site", "S1")
        assert target_record(cur, "road", "R1")["surface"] == "gravel"
        assert target_record(cur, "asset", "nope") is None
    assert forms.prefill(forms.load("house_safety"), house) == {"grade": "D", "idle": "yes", "occupied": "no"}
    assert forms.prefill(forms.load("relocation_site"), site) == {"relocated_households": 40,
                                                                  "facilities_working": ["school", "clinic"]}
