-- ODK Collect keys are a session kind of their own: they work only on the OpenRosa routes and expire sooner than
-- the field API's bearer tokens (accounts.sessions).
ALTER TABLE user_sessions DROP CONSTRAINT user_sessions_kind_check,
    ADD CONSTRAINT user_sessions_kind_check CHECK (kind IN ('web', 'api', 'odk'));
