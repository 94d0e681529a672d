-- Month by month: the households monitored at the end of each given day (a month's last, or today), and the cases
-- identified and eliminated in the month before it (its first table: sql/case_states.sql, the ledger's own rules).
WITH states AS ({states})
SELECT s.day, count(*) FILTER (WHERE st.monitored) AS monitored,
       count(*) FILTER (WHERE s.identified_in_period) AS identified,
       count(*) FILTER (WHERE s.eliminated_in_period) AS eliminated
FROM states s JOIN mon_states st ON st.state = s.state
GROUP BY s.day
ORDER BY s.day
