-- Results of a whole water check from the staging table (row numbers of subject and source in id order, exactly
-- as water_subjects.sql and water_sources.sql list them for a full run) into water_results, ids joined back.
-- Three-valued codes: 2 true, 1 unknown (NULL), 0 false. failed mask bits: see geo/checks/water.py CLAUSE_BITS.
WITH subj AS (
    SELECT 'household'::text AS subject, id, natural_village_id, members AS people,
           (row_number() OVER (ORDER BY id))::int - 1 AS rn
    FROM households WHERE %(use_households)s
    UNION ALL
    SELECT 'natural_village', id, id, coalesce(population, households), (row_number() OVER (ORDER BY id))::int - 1
    FROM natural_villages WHERE NOT %(use_households)s
),
src AS (
    SELECT id, (row_number() OVER (ORDER BY id))::int - 1 AS rn FROM water_sources
    WHERE status = 'working' OR (status = 'seasonal' AND NOT %(dry_season)s)
)
INSERT INTO water_results (rule_set, rule_version, subject, subject_id, natural_village_id, people, source_id,
                           horizontal_m, vertical_m, round_trip_min, distance_basis, horizontal_ok, vertical_ok,
                           time_ok, piped, compliant, failed_clauses)
SELECT %(label)s, %(version)s, subj.subject, subj.id, subj.natural_village_id, subj.people, src.id,
       nullif(st.hm, 'NaN'), nullif(st.vm, 'NaN'), nullif(st.rt, 'NaN'),
       CASE WHEN src.id IS NULL THEN NULL WHEN st.net = 1 THEN 'network' ELSE 'straight' END,
       CASE st.ho WHEN 2 THEN true WHEN 0 THEN false END,
       CASE st.vo WHEN 2 THEN true WHEN 0 THEN false END,
       CASE st.t_o WHEN 2 THEN true WHEN 0 THEN false END,
       CASE st.pi WHEN 2 THEN true WHEN 0 THEN false END,
       CASE st.co WHEN 2 THEN true WHEN 0 THEN false END,
       array_remove(ARRAY[
           CASE WHEN st.fm & 1 > 0 THEN 'horizontal' END, CASE WHEN st.fm & 2 > 0 THEN 'vertical' END,
           CASE WHEN st.fm & 4 > 0 THEN 'time' END, CASE WHEN st.fm & 8 > 0 THEN 'guarantee' END,
           CASE WHEN st.fm & 16 > 0 THEN 'piped' END, CASE WHEN st.fm & 32 > 0 THEN 'no_source' END], NULL)
FROM water_stage st
JOIN subj ON subj.rn = st.h
LEFT JOIN src ON src.rn = st.s
