-- Accounts (issue 7): the masked role (water bureau, viewers) never writes households, and holding INSERT or UPDATE
-- there made information_schema.columns list id_number and phone for it, so a generic reader (geo/export.py's
-- read_layer) selected them and was refused. Without them it sees only the columns it may read.
REVOKE INSERT, UPDATE, DELETE ON households FROM dixian_app_masked;
