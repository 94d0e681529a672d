-- The public notices that listed a case, with their photos' flags and the objections to this case.
SELECT n.id, n.kind, n.village_code, n.posted_on, n.window_days, n.closes_on, n.place, n.posted_by_login,
       (SELECT count(*) FROM mon_notice_cases x WHERE x.notice_id = n.id) AS cases,
       coalesce((SELECT jsonb_agg(jsonb_build_object('sha256', p.sha256, 'flags', p.flags, 'time_local', p.time_local,
                                                     'distance_m', p.distance_m) ORDER BY p.uploaded_at)
                 FROM mon_notice_photos p WHERE p.notice_id = n.id), '[]') AS photos,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.id, 'received_on', o.received_on, 'channel', o.channel,
                                                     'content', o.content, 'outcome', o.outcome,
                                                     'recorded_by', o.recorded_by_login,
                                                     'resolved_by', o.resolved_by_login) ORDER BY o.id)
                 FROM mon_objections o WHERE o.notice_id = n.id AND o.case_id = %(case_id)s), '[]') AS objections
FROM mon_notices n
JOIN mon_notice_cases nc ON nc.notice_id = n.id AND nc.case_id = %(case_id)s
ORDER BY n.posted_on, n.id
