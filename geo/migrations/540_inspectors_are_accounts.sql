-- Accounts (issue 7): inspections' people are accounts. Each account that captures or reviews inspections has one
-- inspectors row (created on first use by inspections.auth.for_user), so inspections, reviews and spot checks keep
-- their inspector ids; the old inspector tokens are no longer accepted by the API or the pages.
ALTER TABLE inspectors ADD COLUMN user_id bigint UNIQUE REFERENCES users (id);
