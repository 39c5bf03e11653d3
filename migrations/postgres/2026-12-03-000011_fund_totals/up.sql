-- The fund's position kept beside its lock row, so reading it is one row
-- rather than a sum over the whole ledger on every micro-matter's page.
-- A trigger keeps it, so every writer to the ledger (all of them take the
-- lock row first) moves it in the same transaction.
ALTER TABLE fund_lock
    ADD COLUMN allocated_fen BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN reserved_fen BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN released_fen BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN spent_fen BIGINT NOT NULL DEFAULT 0;
UPDATE fund_lock SET
    allocated_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'allocation'),
    reserved_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'reservation'),
    released_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'release'),
    spent_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'spend')
WHERE id = 1;
CREATE FUNCTION fund_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fund_lock SET
        allocated_fen = allocated_fen + CASE WHEN NEW.kind = 'allocation' THEN NEW.amount_fen ELSE 0 END,
        reserved_fen = reserved_fen + CASE WHEN NEW.kind = 'reservation' THEN NEW.amount_fen ELSE 0 END,
        released_fen = released_fen + CASE WHEN NEW.kind = 'release' THEN NEW.amount_fen ELSE 0 END,
        spent_fen = spent_fen + CASE WHEN NEW.kind = 'spend' THEN NEW.amount_fen ELSE 0 END
    WHERE id = 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER fund_totals AFTER INSERT ON fund_ledger
    FOR EACH ROW EXECUTE FUNCTION fund_totals();
-- The ledger is kept, never rewritten.
CREATE FUNCTION fund_ledger_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the fund ledger is append-only';
END
$$;
CREATE TRIGGER fund_ledger_kept BEFORE UPDATE OR DELETE ON fund_ledger
    FOR EACH ROW EXECUTE FUNCTION fund_ledger_kept();
