-- The fund's position kept beside its lock row, so reading it is one row
-- rather than a sum over the whole ledger on every micro-matter's page.
-- A trigger keeps it, so every writer to the ledger (all of them take the
-- lock row first) moves it in the same transaction.
ALTER TABLE fund_lock ADD COLUMN allocated_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fund_lock ADD COLUMN reserved_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fund_lock ADD COLUMN released_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fund_lock ADD COLUMN spent_fen BIGINT NOT NULL DEFAULT 0;
UPDATE fund_lock SET
    allocated_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'allocation'),
    reserved_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'reservation'),
    released_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'release'),
    spent_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM fund_ledger WHERE kind = 'spend')
WHERE id = 1;
CREATE TRIGGER fund_totals AFTER INSERT ON fund_ledger BEGIN
    UPDATE fund_lock SET
        allocated_fen = allocated_fen + CASE WHEN NEW.kind = 'allocation' THEN NEW.amount_fen ELSE 0 END,
        reserved_fen = reserved_fen + CASE WHEN NEW.kind = 'reservation' THEN NEW.amount_fen ELSE 0 END,
        released_fen = released_fen + CASE WHEN NEW.kind = 'release' THEN NEW.amount_fen ELSE 0 END,
        spent_fen = spent_fen + CASE WHEN NEW.kind = 'spend' THEN NEW.amount_fen ELSE 0 END
    WHERE id = 1;
END;
-- The ledger is kept, never rewritten.
CREATE TRIGGER fund_ledger_kept_update BEFORE UPDATE ON fund_ledger BEGIN
    SELECT RAISE(ABORT, 'the fund ledger is append-only');
END;
CREATE TRIGGER fund_ledger_kept_delete BEFORE DELETE ON fund_ledger BEGIN
    SELECT RAISE(ABORT, 'the fund ledger is append-only');
END;
