-- The guarantees per person (issue 14): one row per failing person and rule (the household rules name the head).
-- Parameters: label, as_of, age_min, age_max, severe, visits, line, and each rule's source.
WITH m AS (
    SELECT m.*, nv.village_code, extract(year FROM age(%(as_of)s::date, m.birth_date))::int AS age_years
    FROM household_members m
    JOIN households h ON h.id = m.household_id
    JOIN natural_villages nv ON nv.id = h.natural_village_id
), hh AS (
    SELECT household_id, min(village_code) AS village_code, count(*) AS n,
           (array_agg(id ORDER BY relation = 'head' DESC, birth_date, id))[1] AS head_id,
           sum(coalesce(income_yuan, 0) + coalesce(welfare_pay_yuan, 0)) AS income,
           bool_or(income_yuan IS NOT NULL OR welfare_pay_yuan IS NOT NULL) AS income_known,
           bool_or(labour IN ('full', 'partial')) AS has_labour,
           bool_or(labour IN ('full', 'partial') AND willing_to_work) AS has_willing,
           bool_or(coalesce(employed_months, 0) > 0 OR coalesce(welfare_months, 0) > 0) AS has_employed
    FROM m GROUP BY household_id
)
INSERT INTO guarantee_results (rule_set, rule, member_id, household_id, village_code, detail)
SELECT %(label)s, 'out_of_school', id, household_id, village_code,
       jsonb_build_object('age', age_years, 'enrolled', enrolled, 'school_stage', school_stage, 'school', school,
                          'source', %(src_school)s)
FROM m
WHERE age_years BETWEEN %(age_min)s AND %(age_max)s
  AND (enrolled IS FALSE OR (enrolled IS NULL AND school_stage = 'none'))
  AND NOT coalesce(school_stage = 'home_teaching' AND disability_grade <= %(severe)s, false)
UNION ALL
SELECT %(label)s, 'home_teaching', id, household_id, village_code,
       jsonb_build_object('age', age_years, 'disability_grade', disability_grade,
                          'visits', coalesce(home_teaching_visits, 0), 'required', %(visits)s,
                          'source', %(src_home)s)
FROM m
WHERE age_years BETWEEN %(age_min)s AND %(age_max)s AND disability_grade <= %(severe)s
  AND school_stage = 'home_teaching' AND coalesce(home_teaching_visits, 0) < %(visits)s
UNION ALL
SELECT %(label)s, 'uninsured', id, household_id, village_code, jsonb_build_object('source', %(src_insured)s)
FROM m WHERE insured IS FALSE
UNION ALL
SELECT %(label)s, 'no_doctor_contract', id, household_id, village_code,
       jsonb_build_object('doctor_contract', doctor_contract, 'source', %(src_doctor)s)
FROM m WHERE chronic_illness AND doctor_contract IS NOT TRUE
UNION ALL
SELECT %(label)s, 'below_income_line', head_id, household_id, village_code,
       jsonb_build_object('income_per_capita', round((income / n)::numeric), 'line', %(line)s, 'members', n,
                          'source', %(src_income)s)
FROM hh WHERE income_known AND income / n < %(line)s
UNION ALL
SELECT %(label)s, 'zero_employment', hh.head_id, hh.household_id, hh.village_code,
       jsonb_build_object('members', hh.n, 'site_id', r.site_id, 'source', %(src_employment)s)
FROM hh JOIN relocated_households r ON r.household_id = hh.household_id
WHERE hh.has_willing AND NOT hh.has_employed;
