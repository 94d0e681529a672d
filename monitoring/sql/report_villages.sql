-- The villages a report lists, with their township and county: those in the caller's scope (every one for the
-- owner's command line). Names are reference data; the figures come from the cases, under row-level security.
SELECT va.village_code, va.village_name, va.township_code, va.township_name, t.parent_code AS county_code,
       c.name AS county_name
FROM village_admin va
LEFT JOIN admin_units t ON t.code = va.township_code
LEFT JOIN admin_units c ON c.code = t.parent_code
WHERE acct_user_id() IS NULL OR acct_in_scope(va.village_code)
ORDER BY va.township_code, va.village_code
