INSERT INTO inspection_photos (inspection_id, sha256, phash, bytes, format, lat, lon, altitude_m, accuracy_m,
                               time_utc, time_local, make, model)
VALUES (%(inspection_id)s, %(sha256)s, %(phash)s, %(bytes)s, %(format)s, %(lat)s, %(lon)s, %(altitude_m)s,
        %(accuracy_m)s, %(time_utc)s, %(time_local)s, %(make)s, %(model)s)
ON CONFLICT DO NOTHING
