-- PostgreSQL's inbox indexes gain the id at their end in this migration.
-- SQLite's already end with it: every index entry ends with the rowid,
-- which is the id. Nothing to do here.
SELECT 1;
