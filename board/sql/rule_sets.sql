-- Rule sets to choose from, the default first.
SELECT DISTINCT ON (name) name, title_zh, title_en, is_default FROM rule_sets ORDER BY name, version DESC;
