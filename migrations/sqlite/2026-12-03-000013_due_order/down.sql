DROP INDEX matters_state_due;
DROP INDEX matters_unit_state_due;
