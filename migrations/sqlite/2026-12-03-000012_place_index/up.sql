-- The duplicates panel reads a place's open matters of the last 30 days,
-- newest first, one state at a time. Off (town, state, received) it walked
-- every matter of the town in that state, in every place, back 30 days
-- (issue 15). Off the place's own index it reads the rows it shows (the
-- rowid, which is the id, ends every SQLite index).
CREATE INDEX matters_place_state_created ON matters (place_id, state, created_at);
