-- The guarantees rolled up to village, township and county: failing persons (person rules) and households
-- (household rules), members counted, relocated households with labour and the share with someone employed, and the
-- department alerts still open. Parameters: label.
WITH m AS (
    SELECT m.id, m.household_id, nv.village_code, m.labour,
           coalesce(m.employed_months, 0) > 0 OR coalesce(m.welfare_months, 0) > 0 AS employed
    FROM household_members m
    JOIN households h ON h.id = m.household_id
    JOIN natural_villages nv ON nv.id = h.natural_village_id
), reloc AS (
    SELECT m.household_id, min(m.village_code) AS village_code, bool_or(m.employed) AS employed
    FROM m JOIN relocated_households r ON r.household_id = m.household_id
    GROUP BY m.household_id HAVING bool_or(m.labour IN ('full', 'partial'))
), per_village AS (
    SELECT village_code, count(*) AS members FROM m GROUP BY village_code
), fails AS (
    SELECT village_code,
           count(*) FILTER (WHERE rule = 'out_of_school') AS out_of_school,
           count(*) FILTER (WHERE rule = 'home_teaching') AS home_teaching,
           count(*) FILTER (WHERE rule = 'uninsured') AS uninsured,
           count(*) FILTER (WHERE rule = 'no_doctor_contract') AS no_doctor_contract,
           count(*) FILTER (WHERE rule = 'below_income_line') AS below_income_line,
           count(*) FILTER (WHERE rule = 'zero_employment') AS zero_employment
    FROM guarantee_results WHERE rule_set = %(label)s GROUP BY village_code
), rel AS (
    SELECT village_code, count(*) AS relocated_with_labour, count(*) FILTER (WHERE employed) AS employed
    FROM reloc GROUP BY village_code
), sig AS (
    SELECT village_code, count(*) AS open_signals FROM mon_signals
    WHERE source = 'department_alert' AND state = 'open' GROUP BY village_code
), v AS (
    SELECT p.village_code, p.members, coalesce(f.out_of_school, 0) AS out_of_school,
           coalesce(f.home_teaching, 0) AS home_teaching, coalesce(f.uninsured, 0) AS uninsured,
           coalesce(f.no_doctor_contract, 0) AS no_doctor_contract,
           coalesce(f.below_income_line, 0) AS below_income_line, coalesce(f.zero_employment, 0) AS zero_employment,
           coalesce(rel.relocated_with_labour, 0) AS relocated_with_labour, coalesce(rel.employed, 0) AS employed,
           coalesce(sig.open_signals, 0) AS open_signals
    FROM per_village p LEFT JOIN fails f USING (village_code) LEFT JOIN rel USING (village_code)
    LEFT JOIN sig USING (village_code)
), rolled AS (
    SELECT CASE WHEN grouping(left(village_code, 9)) = 1 THEN 'county'
                WHEN grouping(village_code) = 1 THEN 'township' ELSE 'village' END AS level,
           CASE WHEN grouping(left(village_code, 9)) = 1 THEN left(min(village_code), 6) || '000000'
                WHEN grouping(village_code) = 1 THEN left(village_code, 9) || '000' ELSE village_code END AS code,
           sum(members)::int AS members, sum(out_of_school)::int AS out_of_school,
           sum(home_teaching)::int AS home_teaching, sum(uninsured)::int AS uninsured,
           sum(no_doctor_contract)::int AS no_doctor_contract, sum(below_income_line)::int AS below_income_line,
           sum(zero_employment)::int AS zero_employment, sum(relocated_with_labour)::int AS relocated_with_labour,
           CASE WHEN sum(relocated_with_labour) > 0
                THEN round(sum(employed)::numeric / sum(relocated_with_labour), 4)::float8 END AS employment_share,
           sum(open_signals)::int AS open_signals
    FROM v
    GROUP BY ROLLUP (left(village_code, 9), village_code)
)
SELECT r.level, r.code, a.name, r.members, r.out_of_school, r.home_teaching, r.uninsured, r.no_doctor_contract,
       r.below_income_line, r.zero_employment, r.relocated_with_labour, r.employment_share, r.open_signals
FROM rolled r LEFT JOIN admin_units a ON a.code = r.code
ORDER BY CASE r.level WHEN 'county' THEN 0 WHEN 'township' THEN 1 ELSE 2 END, r.code;
