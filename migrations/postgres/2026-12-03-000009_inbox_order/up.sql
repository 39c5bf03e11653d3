-- The inbox orders by its sort column, then by id (ties broken the same
-- way on every page). SQLite's indexes end with the rowid, which is the id;
-- PostgreSQL's end where they are declared, so each one the inbox walks
-- gets the id: a page is read straight off the index, with no sort of the
-- rows that share a time.
DROP INDEX matters_created;
CREATE INDEX matters_created ON matters (created_at, id);
DROP INDEX matters_due;
CREATE INDEX matters_due ON matters (due_at, id);
DROP INDEX matters_state_created;
CREATE INDEX matters_state_created ON matters (state, created_at, id);
DROP INDEX matters_channel_created;
CREATE INDEX matters_channel_created ON matters (channel, created_at, id);
DROP INDEX matters_town_state_created;
CREATE INDEX matters_town_state_created ON matters (town_id, state, created_at, id);
DROP INDEX matters_unit_state_created;
CREATE INDEX matters_unit_state_created ON matters (unit_id, state, created_at, id);
DROP INDEX matters_channel_state_created;
CREATE INDEX matters_channel_state_created ON matters (channel, state, created_at, id);
