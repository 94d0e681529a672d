-- The households of a natural village, in id order.
SELECT id FROM households WHERE natural_village_id = %(id)s ORDER BY id
