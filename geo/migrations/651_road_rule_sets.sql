-- Road criteria as the seeds write them (geo/checks/road_criteria.py): the road check says which clause made each
-- natural village due, and the three counties' road rules are stored rule sets. Their water settings are Long
-- County's (the default's); they differ in road_criteria only.
ALTER TABLE road_results ADD COLUMN required_by text;   -- the clauses that made the road due, e.g. households≥30

INSERT INTO rule_sets (name, version, title_zh, title_en, source, settings, is_default)
SELECT v.name, 1, v.title_zh, v.title_en, v.source, d.settings || jsonb_build_object('road_criteria', v.criteria),
       false
FROM (SELECT settings FROM rule_sets WHERE name = 'longxian-2021' ORDER BY version DESC LIMIT 1) d,
(VALUES
 ('xinping-2018', '新平 2018（30户以上且贫困发生率≥35%或直过民族户≥30%的自然村通硬化路）',
  'Xinping 2018 (≥ 30 households and poverty incidence ≥ 35 % or ≥ 30 % 直过民族 households)',
  '新平 2018 实施方案：30户以上、贫困发生率35%以上或直过民族30%以上的自然村通硬化路',
  '{"all": [{"measure": "households", "min": 30},
            {"any": [{"measure": "poverty_incidence", "min": 0.35}, {"measure": "ethnic_share", "min": 0.30}]}]}'::jsonb),
 ('hanzhong-2018', '汉中 2018（深度贫困村30户以上自然村通硬化路为硬任务）',
  'Hanzhong 2018 (hardened road firm for natural villages of ≥ 30 households in deeply poor villages)',
  '汉中 2018 实施方案：深度贫困村30户以上自然村通硬化路',
  '{"all": [{"measure": "households", "min": 30}, {"measure": "deeply_poor"}]}'::jsonb),
 ('mingshan-2020', '名山 2020（村组通硬化路100%）', 'Mingshan 2020 (hardened road to 100 % of villages and groups)',
  '名山 2020 实施方案：村组通硬化路100%',
  '{"measure": "every"}'::jsonb)
) AS v (name, title_zh, title_en, source, criteria);
