DROP TABLE outbox;
ALTER TABLE users DROP COLUMN email;
DROP TABLE citizen_contacts;
