-- Townships (for the filters), in code order.
SELECT rtrim(code) AS code, name FROM admin_units WHERE level = 'township' ORDER BY code;
