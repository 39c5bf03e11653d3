-- Open311 clients and their keys. Only a hash of each key is kept.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- Where a request is (Open311 gives a point or an address id) and which
-- API client sent it; the extra fields a category asks for, as JSON.
ALTER TABLE matters ADD COLUMN lat REAL;
ALTER TABLE matters ADD COLUMN lng REAL;
ALTER TABLE matters ADD COLUMN address_id TEXT;
ALTER TABLE matters ADD COLUMN api_client TEXT;
ALTER TABLE matters ADD COLUMN attributes TEXT;

-- The extra fields a category asks for (Open311 service attributes), as JSON.
ALTER TABLE categories ADD COLUMN attributes TEXT;
UPDATE categories SET attributes = '[{"code":"danger","description":"隐患类型","datatype":"singlevaluelist","required":true,"values":[{"key":"people","name":"危及人身安全"},{"key":"property","name":"危及财产安全"},{"key":"other","name":"其他"}]}]' WHERE code = 'urgent';
