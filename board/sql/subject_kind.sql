-- What a clicked id names: a household, a natural village, or neither (the explanation covers only these two).
SELECT CASE WHEN EXISTS (SELECT 1 FROM households WHERE id = %(s)s) THEN 'household'
            WHEN EXISTS (SELECT 1 FROM natural_villages WHERE id = %(s)s) THEN 'natural_village' END;
