DROP TRIGGER fund_ledger_kept_delete;
DROP TRIGGER fund_ledger_kept_update;
DROP TRIGGER fund_totals;
ALTER TABLE fund_lock DROP COLUMN spent_fen;
ALTER TABLE fund_lock DROP COLUMN released_fen;
ALTER TABLE fund_lock DROP COLUMN reserved_fen;
ALTER TABLE fund_lock DROP COLUMN allocated_fen;
