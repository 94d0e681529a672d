-- Security (issue 12, item 2): inspections' review chain through definer functions that ask the database who is
-- calling. The app roles no longer write review_log, nor change an inspection's review_state themselves:
--   insp_review(id, to_state, reason)   one step of the chain (inspections.workflow.transition), checked here: the
--                                       caller's scope, role and authorship, a reason for a return; logged
--   insp_review_submitted(id)           the first entry of a new inspection, by its author
-- The caller is the trusted identity (its inspectors row, role as accounts.users.User.inspector_role); on the
-- owner's own connection (command lines, tests, jobs) the actor is given as arguments instead.
-- The rules are those of inspections/workflow.py (FORWARD, allowed), which asks first for a friendlier message.
DO $do$
DECLARE
    s text := quote_ident(current_schema());
BEGIN
    EXECUTE format($f$CREATE FUNCTION %1$s.insp_actor(p_actor bigint, p_role text, OUT actor bigint, OUT actor_role text)
        LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF %1$s.acct_user_id() IS NOT NULL THEN
            SELECT i.id INTO actor FROM %1$s.inspectors i WHERE i.user_id = %1$s.acct_user_id();
            actor_role := CASE %1$s.acct_role() WHEN 'admin' THEN 'admin' WHEN 'county_planner' THEN 'county'
                                                WHEN 'township_officer' THEN 'township'
                                                WHEN 'village_monitor' THEN 'village' ELSE 'inspector' END;
        ELSIF pg_has_role(session_user, %2$L, 'MEMBER') THEN
            actor := p_actor;
            actor_role := p_role;
        END IF;
        IF actor IS NULL THEN
            RAISE EXCEPTION 'no reviewer: this connection is nobody the database knows'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END $$$f$, s, current_user);
    EXECUTE format('REVOKE ALL ON FUNCTION %s.insp_actor(bigint, text) FROM PUBLIC', s);

    EXECUTE format($f$CREATE FUNCTION %1$s.insp_review(p_inspection uuid, p_to text, p_reason text,
                                                        p_actor bigint DEFAULT NULL, p_actor_role text DEFAULT NULL)
        RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        me     record;
        st     text;
        author bigint;
        vc     text;
        nxt    text;
        ok     text[] := '{}';
        why    text := nullif(btrim(p_reason), '');
    BEGIN
        me := %1$s.insp_actor(p_actor, p_actor_role);
        SELECT review_state, inspector_id, village_code INTO st, author, vc
          FROM %1$s.inspections WHERE id = p_inspection FOR UPDATE;
        IF NOT FOUND OR (%1$s.acct_user_id() IS NOT NULL AND NOT %1$s.acct_in_scope(vc)) THEN
            RAISE EXCEPTION 'no inspection %% in your scope', p_inspection USING ERRCODE = 'no_data_found';
        END IF;
        nxt := CASE st WHEN 'submitted' THEN 'village_verified' WHEN 'village_verified' THEN 'township_reviewed'
                       WHEN 'township_reviewed' THEN 'county_confirmed' END;
        IF st = 'returned' THEN
            IF author = me.actor OR me.actor_role = 'admin' THEN ok := ARRAY['submitted']; END IF;
        ELSIF nxt IS NOT NULL AND author IS DISTINCT FROM me.actor AND me.actor_role = ANY (CASE st
                  WHEN 'submitted' THEN ARRAY['village', 'township', 'county', 'admin']
                  WHEN 'village_verified' THEN ARRAY['township', 'county', 'admin']
                  ELSE ARRAY['county', 'admin'] END) THEN
            ok := ARRAY[nxt, 'returned'];
        END IF;
        IF NOT p_to = ANY (ok) THEN
            RAISE EXCEPTION 'cannot move from %% to %% as %%', st, p_to, me.actor_role
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF p_to = 'returned' AND why IS NULL THEN
            RAISE EXCEPTION 'a return needs a reason' USING ERRCODE = 'check_violation';
        END IF;
        UPDATE %1$s.inspections SET review_state = p_to WHERE id = p_inspection;
        INSERT INTO %1$s.review_log (inspection_id, actor_id, actor_role, from_state, to_state, reason)
        VALUES (p_inspection, me.actor, me.actor_role, st, p_to, why);
        RETURN p_to;
    END $$$f$, s);

    EXECUTE format($f$CREATE FUNCTION %1$s.insp_review_submitted(p_inspection uuid, p_actor bigint DEFAULT NULL,
                                                                  p_actor_role text DEFAULT NULL)
        RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    DECLARE
        me record;
    BEGIN
        me := %1$s.insp_actor(p_actor, p_actor_role);
        IF NOT EXISTS (SELECT 1 FROM %1$s.inspections WHERE id = p_inspection AND inspector_id = me.actor)
           OR EXISTS (SELECT 1 FROM %1$s.review_log WHERE inspection_id = p_inspection) THEN
            RAISE EXCEPTION 'only the author logs the submission of inspection %%, once', p_inspection
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        INSERT INTO %1$s.review_log (inspection_id, actor_id, actor_role, from_state, to_state)
        VALUES (p_inspection, me.actor, me.actor_role, NULL, 'submitted');
    END $$$f$, s);

    -- review_state changes only inside those functions (they run as the owner) or on the owner's connection.
    EXECUTE format($f$CREATE FUNCTION %1$s.insp_review_state_guard() RETURNS trigger LANGUAGE plpgsql
        SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF NEW.review_state IS DISTINCT FROM OLD.review_state AND NOT pg_has_role(current_user, %2$L, 'MEMBER') THEN
            RAISE EXCEPTION 'review_state changes only through insp_review' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$$f$, s, current_user);
END $do$;

CREATE TRIGGER inspections_review_state BEFORE UPDATE OF review_state ON inspections
    FOR EACH ROW EXECUTE FUNCTION insp_review_state_guard();
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON review_log FROM dixian_app, dixian_app_masked;
