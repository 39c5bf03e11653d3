DROP TRIGGER events_no_delete;
DROP TRIGGER events_no_update;
DROP TABLE events;
DROP TABLE matters;
DROP TABLE categories;
DROP TABLE units;
DROP TABLE settings;
