-- Dispatchers and units open their inbox with what is due first (issue
-- 16): their default states ordered by deadline, then id, read off an
-- index instead of sorting every matter in those states. An ascending
-- B-tree keeps NULLs last, as the inbox lists them.
CREATE INDEX matters_state_due ON matters (state, due_at, id);
-- A unit's staff see the open matters of their unit and those below it,
-- in two states: sorted, not read in order, but the page is chosen off
-- this index alone (see `inbox::read_sorted`).
CREATE INDEX matters_unit_state_due ON matters (unit_id, state, due_at, id);
