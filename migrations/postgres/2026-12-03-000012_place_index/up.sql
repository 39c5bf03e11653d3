-- The duplicates panel reads a place's open matters of the last 30 days,
-- newest first, one state at a time. Off (town, state, received) it walked
-- every matter of the town in that state, in every place, back 30 days:
-- 111 ms a page at 1,000,000 matters when 17,000 new matters had come in
-- for another place of the same town (issue 15). Off the place's own
-- index it reads the rows it shows.
CREATE INDEX matters_place_state_created ON matters (place_id, state, created_at, id);
