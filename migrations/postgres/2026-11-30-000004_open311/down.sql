ALTER TABLE categories DROP COLUMN attributes;
ALTER TABLE matters DROP COLUMN attributes;
ALTER TABLE matters DROP COLUMN api_client;
ALTER TABLE matters DROP COLUMN address_id;
ALTER TABLE matters DROP COLUMN lng;
ALTER TABLE matters DROP COLUMN lat;
DROP TABLE api_keys;
