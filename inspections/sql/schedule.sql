-- What each target is due for, set-based over whole tables: the last check of each kind (an imported last visit
-- counts for households; returned checks do not), plus the kind's interval (a household with an open monitored case,
-- monitored_households, monthly). Parameters: as_of, the five intervals (days), prefix (division-code prefix of the
-- scope, '' for all), village (one village code or NULL).
WITH last AS (
    SELECT kind, target_kind, target_id, max((submitted_at AT TIME ZONE 'Asia/Shanghai')::date) AS last_on
    FROM inspections WHERE review_state <> 'returned'
    GROUP BY kind, target_kind, target_id),
plan AS (
    SELECT 'household_visit' AS kind, 'household' AS target_kind, h.id AS target_id, nv.village_code,
           coalesce(h.head_name, h.id) AS label, h.geom, h.geom_m, h.last_visit_on AS imported_last,
           CASE WHEN EXISTS (SELECT 1 FROM monitored_households m WHERE m.household_id = h.id)
                THEN %(monitored_days)s ELSE %(household_days)s END AS interval_days
    FROM households h LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
    UNION ALL
    SELECT 'water_works_patrol', 'water_source', w.id, w.village_code, coalesce(w.name, w.id), w.geom, w.geom_m,
           NULL::date, %(water_works_days)s
    FROM water_sources w WHERE w.kind IN ('centralised', 'small_scheme')
    UNION ALL
    SELECT 'protection_zone_patrol', 'water_source', w.id, w.village_code, coalesce(w.name, w.id), w.geom, w.geom_m,
           NULL::date, %(zone_days)s
    FROM water_sources w WHERE w.protection_zone IS NOT NULL
    UNION ALL
    SELECT 'house_safety', 'house', ho.id, nv.village_code, ho.id, ho.geom, ho.geom_m, NULL::date, %(idle_house_days)s
    FROM houses ho LEFT JOIN households h ON h.id = ho.household_id
                   LEFT JOIN natural_villages nv ON nv.id = h.natural_village_id
    WHERE ho.idle AND ho.grade IN ('C', 'D')),
sched AS (
    SELECT p.*, greatest(l.last_on, p.imported_last) AS last_on,
           coalesce(greatest(l.last_on, p.imported_last) + p.interval_days, %(as_of)s::date) AS due_on
    FROM plan p LEFT JOIN last l USING (kind, target_kind, target_id)
    WHERE coalesce(p.village_code, '') LIKE %(prefix)s || '%%'
      AND (%(village)s::text IS NULL OR p.village_code = %(village)s))
SELECT s.kind, s.target_kind, s.target_id, s.label, s.village_code, s.last_on, s.interval_days, s.due_on,
       greatest(%(as_of)s::date - s.due_on, 0) AS days_overdue, s.due_on < %(as_of)s::date AS overdue,
       (SELECT string_agg(n.name, '、' ORDER BY n.id) FROM inspectors n
        WHERE n.active AND n.role = 'inspector' AND n.scope_code = s.village_code) AS inspector,
       ST_X(ST_PointOnSurface(s.geom)) AS lon, ST_Y(ST_PointOnSurface(s.geom)) AS lat,
       CASE WHEN %(lon)s::float8 IS NULL THEN NULL
            ELSE round(ST_Distance(s.geom_m, ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490),
                                                          ST_SRID(s.geom_m)))::numeric)::float8 END AS distance_m
FROM sched s
WHERE s.due_on <= %(as_of)s::date + %(within_days)s
ORDER BY distance_m NULLS LAST, s.due_on, s.kind, s.target_id
LIMIT %(limit)s
