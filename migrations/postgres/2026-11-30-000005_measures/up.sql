-- The measures read rating events by kind, and closings by month.
CREATE INDEX events_kind ON events (kind);
CREATE INDEX matters_closed ON matters (closed_at, state);
-- The inbox's common filters, each with its counts per state and its order.
CREATE INDEX matters_town_state_created ON matters (town_id, state, created_at);
CREATE INDEX matters_unit_state_created ON matters (unit_id, state, created_at);
CREATE INDEX matters_channel_state_created ON matters (channel, state, created_at);
DROP INDEX matters_unit_state;
