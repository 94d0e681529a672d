-- Every validation flag of one inspection (flag, never block): (code, detail). Parameters: id, radius_m,
-- max_accuracy_m, slack_s, phash_max, max_kmh. Distances in the metric frame the inspection was stored in.
WITH i AS (SELECT * FROM inspections WHERE id = %(id)s),
t AS (SELECT t.geom_m FROM inspection_targets t JOIN i USING (target_kind, target_id)),
lim AS (SELECT greatest(%(radius_m)s, coalesce(i.accuracy_m, 0)) AS m FROM i),
p AS (SELECT ph.*, ST_Transform(ST_SetSRID(ST_MakePoint(ph.lon, ph.lat), 4490), ST_SRID(i.geom_m)) AS pm
      FROM inspection_photos ph JOIN i ON ph.inspection_id = i.id),
nb AS (  -- the same inspector's check just before and just after this one
    (SELECT o.id, o.submitted_at, o.geom_m FROM inspections o, i
     WHERE o.inspector_id = i.inspector_id AND o.id <> i.id AND o.submitted_at <= i.submitted_at
     ORDER BY o.submitted_at DESC LIMIT 1)
    UNION ALL
    (SELECT o.id, o.submitted_at, o.geom_m FROM inspections o, i
     WHERE o.inspector_id = i.inspector_id AND o.id <> i.id AND o.submitted_at > i.submitted_at
     ORDER BY o.submitted_at LIMIT 1))
SELECT 'gps_accuracy_poor' AS code, jsonb_build_object('accuracy_m', i.accuracy_m, 'limit_m', %(max_accuracy_m)s) AS detail
FROM i WHERE i.accuracy_m > %(max_accuracy_m)s
UNION ALL
SELECT 'gps_accuracy_missing', '{}'::jsonb FROM i WHERE i.accuracy_m IS NULL
UNION ALL
SELECT 'gps_accuracy_zero', '{}'::jsonb FROM i WHERE i.accuracy_m = 0
UNION ALL
SELECT 'far_from_target', jsonb_build_object('distance_m', round(ST_Distance(i.geom_m, t.geom_m)::numeric, 1),
                                             'limit_m', lim.m)
FROM i, t, lim WHERE ST_Distance(i.geom_m, t.geom_m) > lim.m
UNION ALL
SELECT 'outside_county', '{}'::jsonb FROM i
WHERE EXISTS (SELECT 1 FROM admin_units WHERE level = 'county')
  AND NOT EXISTS (SELECT 1 FROM admin_units a WHERE a.level = 'county' AND ST_Intersects(a.geom, i.geom))
UNION ALL
SELECT 'position_repeated', jsonb_build_object('same_as', o.id) FROM i
JOIN LATERAL (SELECT o.id FROM inspections o
              WHERE o.geom ~= i.geom AND o.id <> i.id AND o.submitted_at <= i.submitted_at
                AND ST_X(o.geom) = ST_X(i.geom) AND ST_Y(o.geom) = ST_Y(i.geom)
              ORDER BY o.submitted_at LIMIT 1) o ON true
UNION ALL
SELECT 'too_fast', jsonb_build_object('other', nb.id, 'distance_m', round(ST_Distance(i.geom_m, nb.geom_m)::numeric),
                                      'minutes', round((abs(extract(epoch FROM i.submitted_at - nb.submitted_at)) / 60)::numeric, 1),
                                      'limit_kmh', %(max_kmh)s)
FROM i, nb
WHERE ST_Distance(i.geom_m, nb.geom_m) / 1000.0
      > %(max_kmh)s * abs(extract(epoch FROM i.submitted_at - nb.submitted_at)) / 3600.0
UNION ALL
SELECT 'no_photo', '{}'::jsonb FROM i WHERE NOT EXISTS (SELECT 1 FROM p)
UNION ALL
SELECT 'photo_no_gps', jsonb_build_object('sha256', p.sha256) FROM p WHERE p.lat IS NULL
UNION ALL
SELECT 'photo_far_from_target', jsonb_build_object('sha256', p.sha256,
                                                   'distance_m', round(ST_Distance(p.pm, t.geom_m)::numeric, 1),
                                                   'limit_m', lim.m)
FROM p, t, lim WHERE p.lat IS NOT NULL AND ST_Distance(p.pm, t.geom_m) > lim.m
UNION ALL
SELECT 'photo_no_time', jsonb_build_object('sha256', p.sha256) FROM p WHERE p.time_utc IS NULL
UNION ALL
SELECT 'photo_time_outside_visit', jsonb_build_object('sha256', p.sha256, 'photo_time', p.time_utc,
                                                      'started_at', i.started_at, 'submitted_at', i.submitted_at)
FROM p, i
WHERE p.time_utc < i.started_at - make_interval(secs => %(slack_s)s)
   OR p.time_utc > i.submitted_at + make_interval(secs => %(slack_s)s)
UNION ALL
SELECT 'photo_reused', jsonb_build_object('sha256', p.sha256, 'other', q.inspection_id, 'match', q.match)
FROM p JOIN LATERAL (
    SELECT o.inspection_id, CASE WHEN o.sha256 = p.sha256 THEN 'exact' ELSE 'perceptual' END AS match
    FROM inspection_photos o
    WHERE o.inspection_id <> p.inspection_id
      AND (o.sha256 = p.sha256
           -- a near-uniform picture (blank wall, black frame) hashes to almost all 0s or 1s: no perceptual match
           OR (bit_count(p.phash::bit(64)) BETWEEN 4 AND 60
               AND bit_count((o.phash # p.phash)::bit(64)) <= %(phash_max)s))
    ORDER BY o.sha256 = p.sha256 DESC LIMIT 1) q ON true
