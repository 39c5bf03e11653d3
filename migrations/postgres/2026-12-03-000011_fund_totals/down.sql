DROP TRIGGER fund_ledger_kept ON fund_ledger;
DROP FUNCTION fund_ledger_kept();
DROP TRIGGER fund_totals ON fund_ledger;
DROP FUNCTION fund_totals();
ALTER TABLE fund_lock
    DROP COLUMN allocated_fen,
    DROP COLUMN reserved_fen,
    DROP COLUMN released_fen,
    DROP COLUMN spent_fen;
