-- Public notices in scope, newest first: their village, window, how many cases each lists, photos and objections.
SELECT n.id, n.kind, n.village_code, a.village_name, a.township_name, n.posted_on, n.window_days, n.closes_on,
       n.place, n.posted_by_login,
       (SELECT count(*) FROM mon_notice_cases x WHERE x.notice_id = n.id) AS cases,
       (SELECT count(*) FROM mon_notice_photos p WHERE p.notice_id = n.id) AS photos,
       (SELECT count(*) FROM mon_objections o WHERE o.notice_id = n.id) AS objections,
       (SELECT count(*) FROM mon_objections o WHERE o.notice_id = n.id AND o.outcome IS NULL) AS objections_open
FROM mon_notices n
LEFT JOIN village_admin a ON a.village_code = n.village_code
WHERE (%(village)s::text IS NULL OR n.village_code = %(village)s)
ORDER BY n.posted_on DESC, n.id DESC
