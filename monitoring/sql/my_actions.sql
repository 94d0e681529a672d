-- The steps the signed-in person's role takes anywhere in the chains (what forms a page offers them).
SELECT DISTINCT action FROM mon_transitions WHERE acct_role() = ANY (roles) ORDER BY action
