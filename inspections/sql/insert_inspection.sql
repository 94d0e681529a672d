-- A new inspection; nothing when its client UUID is already stored (a retry), so concurrent retries make one row.
INSERT INTO inspections (id, kind, target_kind, target_id, village_code, inspector_id, answers, result,
                         started_at, submitted_at, utc_offset_min, accuracy_m, geom, geom_m, reinspection_of)
VALUES (%(id)s, %(kind)s, %(target_kind)s, %(target_id)s, %(village_code)s, %(inspector_id)s, %(answers)s,
        %(result)s, %(started_at)s, %(submitted_at)s, %(utc_offset_min)s, %(accuracy_m)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490),
        ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(metric_srid)s),
        %(reinspection_of)s)
ON CONFLICT (id) DO NOTHING
RETURNING id
