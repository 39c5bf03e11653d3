CREATE INDEX matters_unit_state ON matters (unit_id, state);
DROP INDEX matters_channel_state_created;
DROP INDEX matters_unit_state_created;
DROP INDEX matters_town_state_created;
DROP INDEX matters_closed;
DROP INDEX events_kind;
