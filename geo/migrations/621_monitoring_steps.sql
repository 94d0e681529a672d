-- Monitored households (issue 13): the steps of the two review chains. Each is a SECURITY DEFINER function that
-- asks the database who is calling (acct_user_id(), acct_role(), acct_in_scope(): the trusted identity), checks the
-- step against mon_transitions and its rules (nobody reviews their own proposal; consent before a notice; the notice
-- window closed; no objection open; the minimum support time; a support measure in effect before elimination),
-- moves the case and appends to its log. mon_refusal says why a step is refused, or NULL: the functions and the
-- pages' queue ask the same question, so each rule is written here once.
--
-- Definer functions pin their search_path and name every table by schema. The schema is the migrator's
-- (DIXIAN_SCHEMA) and PostGIS lives where its extension was created, so the bodies write @s and @g for them and are
-- created through this helper, a temporary function of the migrating session.
CREATE FUNCTION pg_temp.mon_ddl(body text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE replace(replace(body, '@s', quote_ident(current_schema())),
                    '@g', quote_ident((SELECT n.nspname FROM pg_extension e
                                       JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis')));
END $$;

-- A monitoring setting of the default rule set (rule_sets.settings -> monitoring -> key -> value). Steps, windows and
-- support time are counted in the county's days (mon_today(), migration 620: Asia/Shanghai whatever the session's).
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_setting(key text) RETURNS jsonb LANGUAGE sql STABLE
SET search_path = @s, pg_catalog, pg_temp AS $$
    SELECT settings -> 'monitoring' -> key -> 'value' FROM @s.rule_sets WHERE is_default
$$;
-- The days of support a case of this category needs before its risk may be eliminated: the rule set's
-- min_support_days for the categories it names (key monitored households), none for others.
CREATE FUNCTION @s.mon_min_support_days(category text) RETURNS integer LANGUAGE sql STABLE
SET search_path = @s, pg_catalog, pg_temp AS $$
    SELECT CASE WHEN @s.mon_setting('min_support_categories') ? category
                THEN (@s.mon_setting('min_support_days'))::integer ELSE 0 END
$$;
-- Whether a measure is in effect on a day: started, not yet ended, not planned or cancelled.
CREATE FUNCTION @s.mon_in_effect(state text, start_on date, end_on date, on_day date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT state IN ('in_effect', 'ended') AND start_on <= on_day AND (end_on IS NULL OR end_on >= on_day)
$$;
-- Whether a case has had a support measure in effect by a day (the condition of its elimination).
CREATE FUNCTION @s.mon_had_measure(case_id bigint, on_day date) RETURNS boolean LANGUAGE sql STABLE
SET search_path = @s, pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM @s.mon_measures m
                   WHERE m.case_id = mon_had_measure.case_id AND m.state IN ('in_effect', 'ended')
                     AND m.start_on <= on_day)
$$;
$ddl$);

-- Why the caller may not take `action` to `to_state` on a case now: a JSON object with a code and its figures
-- (the pages word it from the catalogue's [text.mon_refusal]), or NULL when the step is open to them.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_refusal(p_case bigint, p_action text, p_to text) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    me         bigint := @s.acct_user_id();
    my_role    text := @s.acct_role();
    today      date := @s.mon_today();
    c          @s.mon_cases;
    t          @s.mon_transitions;
    proposer   bigint;
    done_level text;
    objection  bigint;
    notice     record;
    min_days   integer;
BEGIN
    IF me IS NULL OR my_role IS NULL THEN
        RETURN jsonb_build_object('code', 'no_identity');
    END IF;
    SELECT * INTO c FROM @s.mon_cases WHERE id = p_case;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('code', 'no_case', 'case', p_case);
    END IF;
    IF NOT @s.acct_in_scope(c.village_code) THEN
        RETURN jsonb_build_object('code', 'out_of_scope', 'case', p_case, 'village', c.village_code);
    END IF;
    SELECT * INTO t FROM @s.mon_transitions x
    WHERE x.from_state = c.state AND x.to_state = p_to AND x.action = p_action;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('code', 'no_step', 'case', p_case, 'from', c.state, 'to', p_to);
    END IF;
    IF NOT my_role = ANY (t.roles) THEN
        RETURN jsonb_build_object('code', 'role', 'role', my_role, 'roles', to_jsonb(t.roles), 'action', t.action);
    END IF;
    IF t.review THEN
        SELECT l.actor_id INTO proposer FROM @s.mon_case_log l
        WHERE l.case_id = c.id AND l.round = c.round AND l.action IN ('propose', 'resubmit', 'propose_elimination')
        ORDER BY l.id DESC LIMIT 1;
        IF proposer = me THEN
            RETURN jsonb_build_object('code', 'own_proposal', 'case', p_case);
        END IF;
        SELECT l.level INTO done_level FROM @s.mon_case_log l
        WHERE l.case_id = c.id AND l.round = c.round AND l.actor_id = me AND l.review AND l.level <> t.level
        LIMIT 1;
        IF FOUND THEN
            RETURN jsonb_build_object('code', 'other_level', 'level', done_level, 'step_level', t.level);
        END IF;
    END IF;
    -- an objection is answered (what was done recorded) before the case moves on
    IF t.action NOT IN ('return', 'object', 'close', 'consent') THEN
        SELECT o.id INTO objection FROM @s.mon_objections o WHERE o.case_id = c.id AND o.outcome IS NULL
        ORDER BY o.id LIMIT 1;
        IF FOUND THEN
            RETURN jsonb_build_object('code', 'objection_open', 'objection', objection);
        END IF;
    END IF;
    IF t.action = 'notice' AND t.to_state = 'notice' AND c.consent_on IS NULL THEN
        RETURN jsonb_build_object('code', 'no_consent', 'case', p_case);
    END IF;
    IF t.from_state IN ('notice', 'elimination_notice') AND t.action IN ('review', 'eliminate') THEN
        SELECT n.id, n.closes_on INTO notice
        FROM @s.mon_notice_cases nc JOIN @s.mon_notices n ON n.id = nc.notice_id
        WHERE nc.case_id = c.id
          AND n.kind = CASE t.from_state WHEN 'notice' THEN 'identification' ELSE 'elimination' END
        ORDER BY n.posted_on DESC, n.id DESC LIMIT 1;
        IF NOT FOUND THEN
            RETURN jsonb_build_object('code', 'no_notice', 'case', p_case);
        END IF;
        IF notice.closes_on > today THEN
            RETURN jsonb_build_object('code', 'notice_open', 'notice', notice.id, 'closes_on', notice.closes_on);
        END IF;
    END IF;
    IF t.action IN ('propose_elimination', 'eliminate') THEN
        min_days := @s.mon_min_support_days(c.category);
        IF c.identified_on IS NULL OR today - c.identified_on < min_days THEN
            RETURN jsonb_build_object('code', 'min_support', 'days', today - c.identified_on, 'min', min_days,
                                      'identified_on', c.identified_on, 'earliest', c.identified_on + min_days);
        END IF;
        IF NOT @s.mon_had_measure(c.id, today) THEN
            RETURN jsonb_build_object('code', 'no_measure', 'case', p_case);
        END IF;
    END IF;
    IF t.action = 'propose_elimination' AND c.support_user_id IS NOT NULL AND c.support_user_id <> me THEN
        RETURN jsonb_build_object('code', 'support_contact_only', 'user', c.support_user_id);
    END IF;
    RETURN NULL;
END $$;

-- Raise a refusal (or nothing for NULL): SQLSTATE P0001, message 'mon_refused: CODE', the JSON in the detail.
CREATE FUNCTION @s.mon_refuse(why jsonb) RETURNS void LANGUAGE plpgsql
SET search_path = @s, pg_catalog, pg_temp AS $$
BEGIN
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'mon_refused: %', why ->> 'code' USING DETAIL = why::text, ERRCODE = 'P0001';
    END IF;
END $$;

-- Append one step to a case's log, attributed to the caller (after the case row has moved). The reasons the steps
-- write themselves name what they refer to by number, so they read in either language beside the step's name: a
-- notice '#12', a spot check '#3 · 2026' (its seed), an objection '#7: what it says', a consent its date.
CREATE FUNCTION @s.mon_log(c @s.mon_cases, p_from text, t @s.mon_transitions, p_reason text) RETURNS void
LANGUAGE sql SET search_path = @s, pg_catalog, pg_temp AS $$
    INSERT INTO @s.mon_case_log (case_id, actor_id, actor_login, actor_role, action, from_state, to_state, round,
                                 level, review, reason)
    SELECT c.id, i.id, u.login, @s.acct_role(), t.action, p_from, c.state, c.round, t.level, t.review,
           nullif(btrim(p_reason), '')
    FROM (SELECT @s.acct_user_id() AS id) i LEFT JOIN @s.users u ON u.id = i.id
$$;
$ddl$);

-- Propose a case for a household (申报/排查/预警), optionally from signals (which it takes; other open signals of the
-- household are attached to it). Returns the case id.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_propose(p_household text, p_category text, p_risk_types text[] DEFAULT '{}',
                               p_found_by text DEFAULT NULL, p_reason text DEFAULT NULL,
                               p_income numeric DEFAULT NULL, p_signals bigint[] DEFAULT '{}',
                               p_support_contact text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    me       bigint := @s.acct_user_id();
    my_role  text := @s.acct_role();
    t        @s.mon_transitions;
    village  text;
    known    boolean;
    open_id  bigint;
    bad      bigint;
    c        @s.mon_cases;
    signals  bigint[] := coalesce(p_signals, '{}');
    found_by text := p_found_by;
    risks    text[] := coalesce(p_risk_types, '{}');
BEGIN
    IF me IS NULL OR my_role IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_identity'));
    END IF;
    SELECT * INTO t FROM @s.mon_transitions WHERE action = 'propose' AND from_state IS NULL;
    IF NOT my_role = ANY (t.roles) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'role', 'role', my_role, 'roles', to_jsonb(t.roles),
                                                 'action', 'propose'));
    END IF;
    SELECT true, nv.village_code INTO known, village
    FROM @s.households h LEFT JOIN @s.natural_villages nv ON nv.id = h.natural_village_id WHERE h.id = p_household;
    IF known IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_household', 'household', p_household));
    END IF;
    IF NOT @s.acct_in_scope(village) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'out_of_scope', 'household', p_household,
                                                 'village', village));
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('dixian.mon_case:' || p_household));  -- one proposal at a time
    SELECT id INTO open_id FROM @s.mon_cases WHERE household_id = p_household AND NOT closed;
    IF FOUND THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'open_case', 'case', open_id));
    END IF;
    IF p_category IS NULL OR p_category NOT IN ('unstable', 'marginal', 'sudden_hardship') THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'category', 'value', p_category));
    END IF;
    SELECT s.id INTO bad FROM unnest(signals) AS s(id)
    WHERE NOT EXISTS (SELECT 1 FROM @s.mon_signals g
                      WHERE g.id = s.id AND g.household_id = p_household AND g.state = 'open')
    LIMIT 1;
    IF FOUND THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'signal_not_open', 'signal', bad));
    END IF;
    IF found_by IS NULL AND cardinality(signals) > 0 THEN
        SELECT CASE WHEN bool_or(source = 'department_alert') THEN 'department_alert' ELSE 'screening' END,
               CASE WHEN cardinality(risks) = 0
                    THEN ARRAY(SELECT DISTINCT r FROM @s.mon_signals g2, unnest(g2.risk_types) r
                               WHERE g2.id = ANY (signals) ORDER BY 1)
                    ELSE risks END
        INTO found_by, risks FROM @s.mon_signals WHERE id = ANY (signals);
    END IF;
    IF found_by IS NULL OR found_by NOT IN ('self_declaration', 'screening', 'department_alert') THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'found_by', 'value', found_by));
    END IF;
    IF p_income IS NOT NULL AND p_income < 0 THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'income', 'value', p_income));
    END IF;
    INSERT INTO @s.mon_cases (household_id, village_code, category, risk_types, found_by, state, proposed_on,
                              income_per_capita, reason, support_contact)
    VALUES (p_household, village, p_category, risks, found_by, 'proposed', @s.mon_today(), p_income,
            nullif(btrim(p_reason), ''), nullif(btrim(p_support_contact), ''))
    RETURNING * INTO c;
    PERFORM @s.mon_log(c, NULL, t, p_reason);
    UPDATE @s.mon_signals
    SET state = CASE WHEN id = ANY (signals) THEN 'taken' ELSE 'attached' END, case_id = c.id,
        handled_by = me, handled_at = now()
    WHERE household_id = p_household AND state = 'open';
    RETURN c.id;
END $$;
$ddl$);

-- Take one plain step (assess, review, confirm, return, resubmit, close, propose_elimination, spot_check,
-- eliminate) to `p_to`; a return or a close needs a reason. Returns the new state.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_transition(p_case bigint, p_to text, p_reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    c      @s.mon_cases;
    t      @s.mon_transitions;
    before text;
    today  date := @s.mon_today();
BEGIN
    SELECT * INTO c FROM @s.mon_cases WHERE id = p_case FOR UPDATE;
    SELECT * INTO t FROM @s.mon_transitions
    WHERE from_state = c.state AND to_state = p_to AND via = 'mon_transition';
    PERFORM @s.mon_refuse(@s.mon_refusal(p_case, coalesce(t.action, 'mon_transition'), p_to));
    IF t.action IN ('return', 'close') AND nullif(btrim(p_reason), '') IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'reason_required', 'action', t.action));
    END IF;
    before := c.state;
    UPDATE @s.mon_cases
    SET state = p_to, state_since = clock_timestamp(),
        round = round + CASE WHEN t.action IN ('resubmit', 'propose_elimination') THEN 1 ELSE 0 END,
        proposed_on = CASE WHEN t.action = 'resubmit' THEN today ELSE proposed_on END,
        identified_on = CASE WHEN t.action = 'confirm' THEN today ELSE identified_on END,
        elimination_proposed_on = CASE WHEN t.action = 'propose_elimination' THEN today
                                       WHEN p_to = 'identified' THEN NULL ELSE elimination_proposed_on END,
        eliminated_on = CASE WHEN p_to = 'eliminated' THEN today ELSE eliminated_on END
    WHERE id = p_case RETURNING * INTO c;
    PERFORM @s.mon_log(c, before, t, p_reason);
    IF before = 'elimination_spot_check' THEN   -- the county's re-check of a sampled case: passed or failed
        UPDATE @s.mon_spot_check_items
        SET result = CASE WHEN p_to = 'elimination_confirmed' THEN 'pass' ELSE 'fail' END,
            checked_by = @s.acct_user_id(), checked_at = now()
        WHERE case_id = p_case AND sampled AND result IS NULL;
    END IF;
    -- the household's record follows its case: identified with the case's category and risks; eliminated
    IF t.action = 'confirm' THEN
        UPDATE @s.households
        SET category = c.category, monitor_state = 'identified', identified_on = c.identified_on,
            risk_eliminated_on = NULL, risk_types = c.risk_types,
            support_contact = coalesce(c.support_contact, support_contact)
        WHERE id = c.household_id;
    ELSIF t.action = 'eliminate' THEN
        UPDATE @s.households SET monitor_state = 'risk_eliminated', risk_eliminated_on = c.eliminated_on
        WHERE id = c.household_id;
    END IF;
    RETURN c.state;
END $$;
$ddl$);

-- Record the household's consent (承诺授权): the day it was signed, and who recorded it.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_record_consent(p_case bigint, p_on date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    c @s.mon_cases;
    t @s.mon_transitions;
BEGIN
    SELECT * INTO c FROM @s.mon_cases WHERE id = p_case FOR UPDATE;
    SELECT * INTO t FROM @s.mon_transitions WHERE from_state = c.state AND action = 'consent';
    PERFORM @s.mon_refuse(@s.mon_refusal(p_case, 'consent', c.state));
    IF p_on IS NULL OR p_on > @s.mon_today() THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_date', 'field', 'consent_on', 'value', p_on));
    END IF;
    UPDATE @s.mon_cases SET consent_on = p_on, consent_by = @s.acct_user_id(),
                            consent_by_login = (SELECT login FROM @s.users WHERE id = @s.acct_user_id())
    WHERE id = p_case RETURNING * INTO c;
    PERFORM @s.mon_log(c, c.state, t, p_on::text);
END $$;
$ddl$);

-- Post a public notice (公示) of assessed cases of one village (identification), or of confirmed eliminations;
-- posted_on is the day it went up: not in the future, not before the decision it announces. Returns its id.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_post_notice(p_kind text, p_village text, p_cases bigint[], p_posted_on date,
                                   p_place text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    target   text := CASE p_kind WHEN 'identification' THEN 'notice' WHEN 'elimination' THEN 'elimination_notice' END;
    bad      record;
    earliest date;
    notice   bigint;
BEGIN
    IF target IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'kind', 'value', p_kind));
    END IF;
    IF coalesce(cardinality(p_cases), 0) = 0 THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'empty_notice'));
    END IF;
    PERFORM 1 FROM @s.mon_cases WHERE id = ANY (p_cases) ORDER BY id FOR UPDATE;
    SELECT s.id, @s.mon_refusal(s.id, 'notice', target) AS why,
           (SELECT village_code FROM @s.mon_cases WHERE id = s.id) AS village
    INTO bad FROM unnest(p_cases) AS s(id)
    WHERE @s.mon_refusal(s.id, 'notice', target) IS NOT NULL
       OR (SELECT village_code FROM @s.mon_cases WHERE id = s.id) IS DISTINCT FROM p_village
    ORDER BY s.id LIMIT 1;
    IF FOUND THEN
        PERFORM @s.mon_refuse(coalesce(bad.why, jsonb_build_object('code', 'notice_village', 'case', bad.id,
                                                                   'village', bad.village)));
    END IF;
    SELECT max((state_since AT TIME ZONE 'Asia/Shanghai')::date) INTO earliest
    FROM @s.mon_cases WHERE id = ANY (p_cases);
    IF p_posted_on IS NULL OR p_posted_on > @s.mon_today() OR p_posted_on < earliest THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'notice_date', 'value', p_posted_on,
                                                 'earliest', earliest, 'latest', @s.mon_today()));
    END IF;
    INSERT INTO @s.mon_notices (kind, village_code, posted_on, window_days, place, posted_by, posted_by_login)
    VALUES (p_kind, p_village, p_posted_on, (@s.mon_setting('notice_days'))::integer, nullif(btrim(p_place), ''),
            @s.acct_user_id(), (SELECT login FROM @s.users WHERE id = @s.acct_user_id()))
    RETURNING id INTO notice;
    INSERT INTO @s.mon_notice_cases (notice_id, case_id) SELECT DISTINCT notice, unnest(p_cases);
    WITH moved AS (
        UPDATE @s.mon_cases c SET state = target, state_since = clock_timestamp()
        WHERE c.id = ANY (p_cases) RETURNING c.id, c.round)
    INSERT INTO @s.mon_case_log (case_id, actor_id, actor_login, actor_role, action, from_state, to_state, round,
                                 level, review, reason)
    SELECT m.id, @s.acct_user_id(), (SELECT login FROM @s.users WHERE id = @s.acct_user_id()), @s.acct_role(),
           t.action, t.from_state, t.to_state, m.round, t.level, t.review, '#' || notice
    FROM moved m JOIN @s.mon_transitions t ON t.to_state = target AND t.action = 'notice';
    RETURN notice;
END $$;
$ddl$);

-- An objection to a case on notice: recorded, and the case returned (an identification to `returned`, an
-- elimination back to support). What was done about it is recorded later (mon_resolve_objection).
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_object(p_notice bigint, p_case bigint, p_received_on date, p_channel text,
                              p_content text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    c         @s.mon_cases;
    t         @s.mon_transitions;
    n         @s.mon_notices;
    before    text;
    objection bigint;
BEGIN
    SELECT * INTO c FROM @s.mon_cases WHERE id = p_case FOR UPDATE;
    SELECT * INTO t FROM @s.mon_transitions WHERE from_state = c.state AND action = 'object';
    PERFORM @s.mon_refuse(@s.mon_refusal(p_case, 'object', coalesce(t.to_state, 'returned')));
    SELECT x.* INTO n FROM @s.mon_notices x JOIN @s.mon_notice_cases nc ON nc.notice_id = x.id
    WHERE x.id = p_notice AND nc.case_id = p_case
      AND x.kind = CASE c.state WHEN 'notice' THEN 'identification' ELSE 'elimination' END;
    IF NOT FOUND THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'not_on_notice', 'case', p_case, 'notice', p_notice));
    END IF;
    IF nullif(btrim(p_content), '') IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'reason_required', 'action', 'object'));
    END IF;
    IF p_channel IS NULL OR p_channel NOT IN ('in_person', 'phone', 'letter', 'anonymous', 'other') THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'channel', 'value', p_channel));
    END IF;
    IF p_received_on IS NULL OR p_received_on > @s.mon_today() OR p_received_on < n.posted_on THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_date', 'field', 'received_on', 'value', p_received_on));
    END IF;
    INSERT INTO @s.mon_objections (notice_id, case_id, received_on, channel, content, recorded_by,
                                   recorded_by_login)
    VALUES (p_notice, p_case, p_received_on, p_channel, btrim(p_content), @s.acct_user_id(),
            (SELECT login FROM @s.users WHERE id = @s.acct_user_id()))
    RETURNING id INTO objection;
    before := c.state;
    UPDATE @s.mon_cases
    SET state = t.to_state, state_since = clock_timestamp(),
        elimination_proposed_on = CASE WHEN t.to_state = 'identified' THEN NULL ELSE elimination_proposed_on END
    WHERE id = p_case RETURNING * INTO c;
    PERFORM @s.mon_log(c, before, t, '#' || objection || ': ' || btrim(p_content));
    RETURN objection;
END $$;

-- What was done about an objection (the people who record objections record this too).
CREATE FUNCTION @s.mon_resolve_objection(p_objection bigint, p_outcome text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    o @s.mon_objections;
    c @s.mon_cases;
    t @s.mon_transitions;
BEGIN
    IF @s.acct_user_id() IS NULL OR @s.acct_role() IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_identity'));
    END IF;
    SELECT * INTO o FROM @s.mon_objections WHERE id = p_objection FOR UPDATE;
    SELECT * INTO c FROM @s.mon_cases WHERE id = o.case_id;
    IF NOT FOUND OR NOT @s.acct_in_scope(c.village_code) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'out_of_scope', 'objection', p_objection));
    END IF;
    SELECT * INTO t FROM @s.mon_transitions WHERE action = 'object' ORDER BY from_state LIMIT 1;
    IF NOT @s.acct_role() = ANY (t.roles) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'role', 'role', @s.acct_role(), 'roles', to_jsonb(t.roles),
                                                 'action', 'resolve_objection'));
    END IF;
    IF o.outcome IS NOT NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'objection_resolved', 'objection', p_objection));
    END IF;
    IF nullif(btrim(p_outcome), '') IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'reason_required', 'action', 'resolve_objection'));
    END IF;
    UPDATE @s.mon_objections
    SET outcome = btrim(p_outcome), resolved_by = @s.acct_user_id(), resolved_at = now(),
        resolved_by_login = (SELECT login FROM @s.users WHERE id = @s.acct_user_id())
    WHERE id = p_objection;
    t.action := 'resolve_objection';
    t.review := false;
    PERFORM @s.mon_log(c, c.state, t, '#' || p_objection || ': ' || btrim(p_outcome));
END $$;
$ddl$);

-- The county's spot check of township-reviewed eliminations in a scope: the caller draws the sample with the seed
-- (monitoring/spotcheck.py, the inspections' stratified method) and hands it here with the seed; the database takes
-- the pool itself, checks the sample is of it and of the right size in every township (ceil(rate × n), the rate not
-- under the rule set's), records the pool, the seed and the sample, and moves the sampled cases to the spot check and
-- the rest on to confirmation. Anyone can draw again with the recorded seed and compare. Returns the check's id.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_draw(p_seed bigint, p_rate double precision, p_scope text, p_sampled bigint[])
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    prefix   text := @s.acct_scope_prefix(p_scope);
    sampled  bigint[] := coalesce(p_sampled, '{}');
    pool     bigint[];
    bad      record;
    check_id bigint;
BEGIN
    IF @s.acct_user_id() IS NULL OR @s.acct_role() IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_identity'));
    END IF;
    IF p_scope IS NULL OR p_scope !~ '^[0-9]{12}$' OR NOT @s.acct_in_scope(p_scope) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'out_of_scope', 'village', p_scope));
    END IF;
    IF p_rate IS NULL OR p_rate <= 0 OR p_rate > 1 OR p_rate < (@s.mon_setting('spot_check_rate'))::float8 THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'rate', 'value', p_rate,
                                                 'min', @s.mon_setting('spot_check_rate')));
    END IF;
    PERFORM 1 FROM @s.mon_cases c
    WHERE c.state = 'elimination_township_reviewed' AND c.village_code LIKE prefix || '%'
      AND @s.acct_in_scope(c.village_code)
    ORDER BY c.id FOR UPDATE;
    SELECT array_agg(c.id ORDER BY c.id) INTO pool FROM @s.mon_cases c
    WHERE c.state = 'elimination_township_reviewed' AND c.village_code LIKE prefix || '%'
      AND @s.acct_in_scope(c.village_code);
    IF pool IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'empty_pool', 'village', p_scope));
    END IF;
    SELECT s.id INTO bad FROM unnest(sampled) AS s(id) WHERE NOT s.id = ANY (pool) LIMIT 1;
    IF FOUND THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'not_in_pool', 'case', bad.id));
    END IF;
    SELECT p.id, @s.mon_refusal(p.id, 'draw', 'elimination_confirmed') AS why INTO bad
    FROM unnest(pool) AS p(id)
    WHERE @s.mon_refusal(p.id, 'draw', 'elimination_confirmed') IS NOT NULL ORDER BY p.id LIMIT 1;
    IF FOUND THEN
        PERFORM @s.mon_refuse(bad.why);
    END IF;
    SELECT left(c.village_code, 9) AS township, ceil(p_rate * count(*))::integer AS expected,
           count(*) FILTER (WHERE c.id = ANY (sampled)) AS got
    INTO bad FROM @s.mon_cases c WHERE c.id = ANY (pool)
    GROUP BY left(c.village_code, 9)
    HAVING count(*) FILTER (WHERE c.id = ANY (sampled)) <> ceil(p_rate * count(*))
    ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'sample_size', 'township', bad.township,
                                                 'expected', bad.expected, 'got', bad.got));
    END IF;
    INSERT INTO @s.mon_spot_checks (seed, rate, scope_code, drawn_by, drawn_by_login)
    VALUES (p_seed, p_rate, p_scope, @s.acct_user_id(), (SELECT login FROM @s.users WHERE id = @s.acct_user_id()))
    RETURNING id INTO check_id;
    INSERT INTO @s.mon_spot_check_items (spot_check_id, case_id, township_code, sampled)
    SELECT check_id, c.id, left(c.village_code, 9), c.id = ANY (sampled) FROM @s.mon_cases c WHERE c.id = ANY (pool);
    WITH moved AS (
        UPDATE @s.mon_cases c
        SET state = CASE WHEN c.id = ANY (sampled) THEN 'elimination_spot_check' ELSE 'elimination_confirmed' END,
            state_since = clock_timestamp()
        WHERE c.id = ANY (pool) RETURNING c.id, c.round, c.state)
    INSERT INTO @s.mon_case_log (case_id, actor_id, actor_login, actor_role, action, from_state, to_state, round,
                                 level, review, reason)
    SELECT m.id, @s.acct_user_id(), (SELECT login FROM @s.users WHERE id = @s.acct_user_id()), @s.acct_role(),
           'draw', 'elimination_township_reviewed', m.state, m.round, t.level, t.review,
           '#' || check_id || ' · ' || p_seed
    FROM moved m JOIN @s.mon_transitions t
      ON t.action = 'draw' AND t.from_state = 'elimination_township_reviewed' AND t.to_state = m.state;
    RETURN check_id;
END $$;
$ddl$);

-- The village's assessment of a signal that proposes nothing: dismissed, with the reason.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_dismiss_signal(p_signal bigint, p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    s @s.mon_signals;
    t @s.mon_transitions;
BEGIN
    IF @s.acct_user_id() IS NULL OR @s.acct_role() IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_identity'));
    END IF;
    SELECT * INTO s FROM @s.mon_signals WHERE id = p_signal FOR UPDATE;
    IF NOT FOUND OR NOT @s.acct_in_scope(s.village_code) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'out_of_scope', 'signal', p_signal));
    END IF;
    SELECT * INTO t FROM @s.mon_transitions WHERE action = 'propose' AND from_state IS NULL;
    IF NOT @s.acct_role() = ANY (t.roles) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'role', 'role', @s.acct_role(), 'roles', to_jsonb(t.roles),
                                                 'action', 'dismiss'));
    END IF;
    IF s.state <> 'open' THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'signal_not_open', 'signal', p_signal));
    END IF;
    IF nullif(btrim(p_reason), '') IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'reason_required', 'action', 'dismiss'));
    END IF;
    UPDATE @s.mon_signals SET state = 'dismissed', handled_by = @s.acct_user_id(), handled_at = now(),
                              handled_reason = btrim(p_reason)
    WHERE id = p_signal;
END $$;
$ddl$);

-- The photo of a posted notice, its EXIF read by the server (inspections.photos): flagged, never refused, when it
-- has no position or time, was taken farther than the setting from the village, before the notice went up or after
-- its window, or was used before. Returns the flags.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_add_notice_photo(p_notice bigint, p_meta jsonb) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    n       @s.mon_notices;
    allowed text[];
    lon   double precision := (p_meta ->> 'lon')::float8;
    lat   double precision := (p_meta ->> 'lat')::float8;
    taken timestamptz := (p_meta ->> 'time_utc')::timestamptz;
    sha   text := p_meta ->> 'sha256';
    dist  double precision;
    flags text[] := '{}';
BEGIN
    IF @s.acct_user_id() IS NULL OR @s.acct_role() IS NULL THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'no_identity'));
    END IF;
    SELECT * INTO n FROM @s.mon_notices WHERE id = p_notice;
    IF NOT FOUND OR NOT @s.acct_in_scope(n.village_code) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'out_of_scope', 'notice', p_notice));
    END IF;
    SELECT array_agg(DISTINCT r) INTO allowed FROM @s.mon_transitions x, unnest(x.roles) r WHERE x.action = 'notice';
    IF NOT @s.acct_role() = ANY (allowed) THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'role', 'role', @s.acct_role(), 'roles', to_jsonb(allowed),
                                                 'action', 'notice_photo'));
    END IF;
    IF sha IS NULL OR sha !~ '^[0-9a-f]{64}$' THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'sha256', 'value', sha));
    END IF;
    IF lon IS NULL OR lat IS NULL THEN
        flags := flags || 'photo_no_gps'::text;
    ELSE
        SELECT min(@g.ST_Distance(g.geom_m, @g.ST_Transform(@g.ST_SetSRID(@g.ST_MakePoint(lon, lat), 4490),
                                                            @g.ST_SRID(g.geom_m))))
        INTO dist
        FROM (SELECT geom_m FROM @s.admin_units WHERE code = n.village_code AND geom_m IS NOT NULL
              UNION ALL
              SELECT geom_m FROM @s.seats WHERE code = n.village_code
                AND NOT EXISTS (SELECT 1 FROM @s.admin_units WHERE code = n.village_code AND geom_m IS NOT NULL)) g;
        IF dist > (@s.mon_setting('notice_photo_max_m'))::float8 THEN
            flags := flags || 'photo_far_from_village'::text;
        END IF;
    END IF;
    IF taken IS NULL THEN
        flags := flags || 'photo_no_time'::text;
    ELSIF (taken AT TIME ZONE 'Asia/Shanghai')::date < n.posted_on THEN
        flags := flags || 'photo_before_posting'::text;
    ELSIF (taken AT TIME ZONE 'Asia/Shanghai')::date >= n.closes_on THEN
        flags := flags || 'photo_after_window'::text;
    END IF;
    IF EXISTS (SELECT 1 FROM @s.mon_notice_photos WHERE sha256 = sha AND notice_id <> p_notice)
       OR EXISTS (SELECT 1 FROM @s.inspection_photos WHERE sha256 = sha) THEN
        flags := flags || 'photo_reused'::text;
    END IF;
    INSERT INTO @s.mon_notice_photos (notice_id, sha256, format, bytes, lat, lon, time_utc, time_local, make, model,
                                      flags, distance_m, uploaded_by)
    VALUES (p_notice, sha, coalesce(p_meta ->> 'format', 'jpeg'), coalesce((p_meta ->> 'bytes')::bigint, 0), lat, lon,
            taken, p_meta ->> 'time_local', p_meta ->> 'make', p_meta ->> 'model', flags, round(dist::numeric, 1),
            @s.acct_user_id())
    ON CONFLICT (notice_id, sha256) DO NOTHING;
    RETURN (SELECT p.flags FROM @s.mon_notice_photos p WHERE p.notice_id = p_notice AND p.sha256 = sha);
END $$;
$ddl$);

-- The rules by which signals are raised, one branch per source: a household visit whose answers name new risks, or
-- a per-capita income under the rule set's line; a household failing the water check under the default rule set,
-- and one living in a dangerous house (C/D, occupied, not yet safe), both for the categories the rule set names;
-- and the departments' alerts.
SELECT pg_temp.mon_ddl($ddl$
CREATE VIEW @s.mon_signal_candidates WITH (security_invoker = true) AS
SELECT 'visit'::text AS source, 'visit_new_risk'::text AS rule, i.target_id AS household_id, i.village_code,
       i.id::text AS ref,
       jsonb_build_object('inspection', i.id, 'visited_on', (i.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                          'answers', i.answers -> 'new_risks') AS detail,
       ARRAY(SELECT DISTINCT coalesce(m.risk_type, r.code)
             FROM jsonb_array_elements_text(i.answers -> 'new_risks') AS r(code)
             LEFT JOIN @s.mon_visit_risks m ON m.form_code = r.code ORDER BY 1) AS risk_types
FROM @s.inspections i
WHERE i.kind = 'household_visit' AND i.target_kind = 'household'
  AND jsonb_typeof(i.answers -> 'new_risks') = 'array' AND jsonb_array_length(i.answers -> 'new_risks') > 0
UNION ALL
SELECT 'visit', 'income_below_line', i.target_id, i.village_code, i.id::text,
       jsonb_build_object('inspection', i.id, 'visited_on', (i.submitted_at AT TIME ZONE 'Asia/Shanghai')::date,
                          'income_per_capita', i.answers -> 'income_per_capita', 'line', line.v),
       '{}'::text[]
FROM @s.inspections i, (SELECT (@s.mon_setting('income_line_yuan'))::numeric AS v) line
WHERE i.kind = 'household_visit' AND i.target_kind = 'household'
  AND jsonb_typeof(i.answers -> 'income_per_capita') = 'number'
  AND (i.answers ->> 'income_per_capita')::numeric < line.v
UNION ALL
SELECT 'water_check', 'water_fail', r.subject_id, nv.village_code,
       r.rule_set || ':' || coalesce(nullif(array_to_string(r.failed_clauses, ';'), ''), 'no_source'),
       jsonb_build_object('rule_set', r.rule_set, 'failed_clauses', to_jsonb(r.failed_clauses),
                          'source_id', r.source_id, 'horizontal_m', round(r.horizontal_m::numeric),
                          'vertical_m', round(r.vertical_m::numeric),
                          'round_trip_min', round(r.round_trip_min::numeric, 1)),
       ARRAY['water']
FROM @s.water_results r
JOIN @s.households h ON h.id = r.subject_id
JOIN @s.natural_villages nv ON nv.id = h.natural_village_id
WHERE r.subject = 'household' AND r.compliant IS FALSE
  AND r.rule_set = (SELECT name FROM @s.rule_sets WHERE is_default)
  AND @s.mon_setting('signal_categories') ? h.category
UNION ALL
SELECT 'house', 'occupied_dangerous_house', x.household_id, nv.village_code, x.id || ':' || x.grade,
       jsonb_build_object('house', x.id, 'grade', x.grade, 'renovation_state', x.renovation_state),
       ARRAY['housing']
FROM @s.houses x
JOIN @s.households h ON h.id = x.household_id
JOIN @s.natural_villages nv ON nv.id = h.natural_village_id
WHERE x.grade IN ('C', 'D') AND x.occupied AND x.renovation_state <> 'safe_occupancy'
  AND @s.mon_setting('signal_categories') ? h.category
UNION ALL
SELECT 'department_alert', a.rule, a.household_id, nv.village_code, a.department || ':' || a.ref,
       a.detail || jsonb_build_object('department', a.department, 'list', a.list_name), a.risk_types
FROM @s.mon_department_alerts a
JOIN @s.households h ON h.id = a.household_id
JOIN @s.natural_villages nv ON nv.id = h.natural_village_id;

-- Raise the signals of one source (NULL: of each in turn), set-based and idempotent (the evidence's key is unique);
-- `p_refs` narrows it to some evidence (the inspections just stored). Returns how many are new.
CREATE FUNCTION @s.mon_raise_signals(p_source text, p_refs text[] DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    IF p_source IS NULL THEN
        RETURN @s.mon_raise_signals('visit', p_refs) + @s.mon_raise_signals('water_check', p_refs)
               + @s.mon_raise_signals('house', p_refs) + @s.mon_raise_signals('department_alert', p_refs);
    END IF;
    IF p_source NOT IN ('visit', 'water_check', 'house', 'department_alert') THEN
        PERFORM @s.mon_refuse(jsonb_build_object('code', 'bad_value', 'field', 'source', 'value', p_source));
    END IF;
    INSERT INTO @s.mon_signals (household_id, village_code, source, rule, ref, detail, risk_types, state, case_id)
    SELECT s.household_id, s.village_code, s.source, s.rule, s.ref, s.detail, s.risk_types,
           CASE WHEN c.id IS NULL THEN 'open' ELSE 'attached' END, c.id
    FROM @s.mon_signal_candidates s
    LEFT JOIN @s.mon_cases c ON c.household_id = s.household_id AND NOT c.closed
    WHERE s.source = p_source AND (p_refs IS NULL OR s.ref = ANY (p_refs))
      AND NOT EXISTS (SELECT 1 FROM @s.mon_signals x   -- raised before: skipped without spending an id on it
                      WHERE x.source = s.source AND x.rule = s.rule AND x.household_id = s.household_id
                        AND x.ref = s.ref)
    ON CONFLICT (source, rule, household_id, ref) DO NOTHING;   -- and one raised at the same moment
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- A stored household visit raises its signals in the same transaction, whichever way it came (API, page, ODK).
CREATE FUNCTION @s.mon_signals_after_inspections() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    refs text[] := ARRAY(SELECT n.id::text FROM mon_new_inspections n WHERE n.kind = 'household_visit');
BEGIN
    IF cardinality(refs) > 0 THEN
        PERFORM @s.mon_raise_signals('visit', refs);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER inspections_raise_signals AFTER INSERT ON @s.inspections
    REFERENCING NEW TABLE AS mon_new_inspections
    FOR EACH STATEMENT EXECUTE FUNCTION @s.mon_signals_after_inspections();
$ddl$);

-- Who entered a measure: the signed-in user, whatever the row says (an owner's job keeps what it wrote).
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_stamp_measure() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = @s, pg_catalog, pg_temp AS $$
BEGIN
    NEW.created_by := coalesce(@s.acct_user_id(), NEW.created_by);
    RETURN NEW;
END $$;
CREATE TRIGGER mon_measures_stamp BEFORE INSERT ON @s.mon_measures
    FOR EACH ROW EXECUTE FUNCTION @s.mon_stamp_measure();
$ddl$);

-- Owner's jobs. The households an import (or the demo) brings with a monitored category become cases when they
-- have none: identified, or eliminated where their monitor_state says so, with the imported dates as their history
-- (an unknown identification date is the import's day, marked estimated). Rows written with their own ids (the
-- demo's cases, notices, objections and spot checks) first bring their sequences up to them. Returns how many cases
-- were made.
SELECT pg_temp.mon_ddl($ddl$
CREATE FUNCTION @s.mon_import_cases() RETURNS integer
LANGUAGE plpgsql SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    job   text := coalesce(nullif(current_setting('dixian.user_login', true), ''), session_user);
    today date := @s.mon_today();
    n     integer;
BEGIN
    PERFORM setval(pg_get_serial_sequence(t, 'id'), m)
    FROM (VALUES ('@s.mon_cases', (SELECT max(id) FROM @s.mon_cases)),
                 ('@s.mon_notices', (SELECT max(id) FROM @s.mon_notices)),
                 ('@s.mon_spot_checks', (SELECT max(id) FROM @s.mon_spot_checks)),
                 ('@s.mon_objections', (SELECT max(id) FROM @s.mon_objections))) AS s(t, m)
    WHERE m IS NOT NULL;
    WITH src AS (
        SELECT h.id, nv.village_code, h.category, h.risk_types, h.support_contact,
               coalesce(h.identified_on, least(h.risk_eliminated_on, today), today) AS identified_on,
               h.identified_on IS NULL AS estimated,
               CASE WHEN h.monitor_state = 'risk_eliminated' THEN coalesce(h.risk_eliminated_on, today) END
                   AS eliminated_on
        FROM @s.households h LEFT JOIN @s.natural_villages nv ON nv.id = h.natural_village_id
        WHERE h.category IN ('unstable', 'marginal', 'sudden_hardship')
          AND NOT EXISTS (SELECT 1 FROM @s.mon_cases c WHERE c.household_id = h.id)
        ORDER BY h.id),
    made AS (
        INSERT INTO @s.mon_cases (household_id, village_code, category, risk_types, found_by, state, state_since,
                                  identified_on, identified_on_estimated, eliminated_on, support_contact, historical)
        SELECT id, village_code, category, risk_types, 'imported',
               CASE WHEN eliminated_on IS NULL THEN 'identified' ELSE 'eliminated' END,
               coalesce(eliminated_on, identified_on)::timestamp AT TIME ZONE 'Asia/Shanghai',
               identified_on, estimated, eliminated_on, support_contact, true
        FROM src
        RETURNING id, identified_on, identified_on_estimated AS estimated, eliminated_on),
    logged AS (
        INSERT INTO @s.mon_case_log (case_id, at, actor_login, action, from_state, to_state, round, reason)
        SELECT id, identified_on::timestamp AT TIME ZONE 'Asia/Shanghai', job, 'import', NULL, 'identified', 1,
               CASE WHEN estimated THEN 'imported: identification date unknown, counted from the import'
                    ELSE 'imported: identified on ' || identified_on END FROM made
        UNION ALL
        SELECT id, eliminated_on::timestamp AT TIME ZONE 'Asia/Shanghai', job, 'import', 'identified',
               'eliminated', 1, 'imported: risk eliminated on ' || eliminated_on
        FROM made WHERE eliminated_on IS NOT NULL
        RETURNING from_state)
    SELECT count(*) FILTER (WHERE from_state IS NULL) INTO n FROM logged;
    RETURN n;
END $$;

-- Empty every monitoring table, history included, for a job that replaces the whole county (the demo). The log's
-- append-only triggers are the owner's to lift, and are lifted only for this statement; the emptying is recorded in
-- the audit log under the job's name.
CREATE FUNCTION @s.mon_reset() RETURNS void
LANGUAGE plpgsql SET search_path = @s, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    SELECT count(*) INTO n FROM @s.mon_case_log;
    ALTER TABLE @s.mon_case_log DISABLE TRIGGER mon_case_log_no_truncate;
    TRUNCATE @s.mon_spot_check_items, @s.mon_spot_checks, @s.mon_objections, @s.mon_notice_photos,
             @s.mon_notice_cases, @s.mon_notices, @s.mon_measures, @s.mon_signals, @s.mon_department_alerts,
             @s.mon_case_log, @s.mon_cases RESTART IDENTITY;
    ALTER TABLE @s.mon_case_log ENABLE TRIGGER mon_case_log_no_truncate;
    INSERT INTO @s.audit_log (user_login, table_name, op, before)
    VALUES (nullif(current_setting('dixian.user_login', true), ''), 'mon_case_log', 'TRUNCATE',
            jsonb_build_object('summary', true, 'rows', n));
END $$;
$ddl$);

-- Who may call what: the app's roles call the steps (each checks the caller itself); the owner's jobs stay the
-- owner's; nothing is PUBLIC.
DO $$
DECLARE
    r text;
    steps text := 'mon_propose(text, text, text[], text, text, numeric, bigint[], text), '
                  'mon_transition(bigint, text, text), mon_record_consent(bigint, date), '
                  'mon_post_notice(text, text, bigint[], date, text), '
                  'mon_object(bigint, bigint, date, text, text), mon_resolve_objection(bigint, text), '
                  'mon_draw(bigint, double precision, text, bigint[]), mon_dismiss_signal(bigint, text), '
                  'mon_add_notice_photo(bigint, jsonb), mon_raise_signals(text, text[])';
BEGIN
    EXECUTE 'REVOKE ALL ON FUNCTION ' || steps || ', mon_signals_after_inspections(), mon_stamp_measure(), '
            'mon_import_cases(), mon_reset(), mon_log(mon_cases, text, mon_transitions, text) FROM PUBLIC';
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname IN ('dixian_app', 'dixian_app_masked') LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', steps, r);
    END LOOP;
END $$;

DROP FUNCTION pg_temp.mon_ddl(text);
