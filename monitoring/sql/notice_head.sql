-- One notice with its village and township names (the printed notice's heading).
SELECT n.id, n.kind, n.village_code, coalesce(a.village_name, n.village_code) AS village_name, a.township_name,
       n.posted_on, n.window_days, n.closes_on, n.place
FROM mon_notices n
LEFT JOIN village_admin a ON a.village_code = n.village_code
WHERE n.id = %(notice_id)s
