DROP TRIGGER events_no_change ON events;
DROP FUNCTION events_append_only();
DROP TABLE events;
DROP TABLE matters;
DROP TABLE categories;
DROP TABLE units;
DROP TABLE settings;
