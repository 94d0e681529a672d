-- Whether an id names a household, a natural village, or both (ids of the two tables may coincide).
SELECT EXISTS (SELECT 1 FROM households WHERE id = %(id)s) AS is_household,
       EXISTS (SELECT 1 FROM natural_villages WHERE id = %(id)s) AS is_natural_village
